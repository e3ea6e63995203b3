//! Packet identifiers on the wire, counted up like mosquitto, Paho and
//! MQTT.js do.
//!
//! The MQTT library numbers its flows within its in-flight window (`-M`): with
//! `-M 20`, ids 1–20 come round again every 20 messages, and an id is handed
//! out again the moment its flow ends. MQTT allows that, but brokers trip over
//! it: aedes 0.x closes the connection ("no such packet") when a QoS 2 id is
//! reused right after its PUBCOMP, and a broker's log or a capture is harder
//! to read. So this layer, at the top of the transport stack, translates:
//!
//! - a new flow the library starts (PUBLISH at QoS 1/2, SUBSCRIBE,
//!   UNSUBSCRIBE) gets the next wire id after the last one handed out, 1 to
//!   65535 and round again, skipping ids still in flight;
//! - a PUBLISH the library sends again (after a reconnect) and its PUBREL
//!   keep the wire id of their flow;
//! - the broker's PUBACK, PUBREC, PUBCOMP, SUBACK and UNSUBACK are translated
//!   back before the library reads them, and end the flow (PUBREC only when it
//!   refuses the message: a PUBREL follows otherwise).
//!
//! Ids in the broker's own flows (messages it sends us, and our PUBACK,
//! PUBREC, PUBCOMP for them) pass untouched. The table is shared by every
//! connection of one client, since a session outlives a connection, and
//! saved beside a persistent session's checkpoint ([`super::store`]) so that
//! the next run resends under the ids the broker knows.
//!
//! Lengths never change: ids are rewritten in place, on a copy of what the
//! library writes (the writer holds at most one partial packet head) and in
//! the read buffer (the reader holds back at most the 8 bytes of a partial
//! head).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::prop_order::PropertyOrder;
use super::rewrite::varint;

/// One client's id table (cheap to clone: the clones share it), and the
/// order of the properties of the MQTT 5 PUBLISHes its connections read
/// ([`super::prop_order`]): what the byte stream says that the library's
/// events do not.
#[derive(Clone, Debug, Default)]
pub struct PacketIds(Arc<Mutex<Table>>, PropertyOrder);

#[derive(Debug, Default, PartialEq)]
struct Table {
    /// The last wire id handed out (0 before the first).
    last: u16,
    /// Flows in progress: the library's id → the wire id.
    wire: HashMap<u16, u16>,
    /// The same flows: wire id → the library's id.
    lib: HashMap<u16, u16>,
    /// The wire id each library id had last.
    shown: HashMap<u16, u16>,
    /// Flows ended by an ack read here whose event the program has not yet
    /// seen: library id → wire ids, oldest first (a few at most).
    ended: HashMap<u16, VecDeque<u16>>,
    /// When each flow in progress started: wire id → a count that only goes
    /// up (the order PUBRELs must keep, [`Scan::run`]).
    started: HashMap<u16, u64>,
    next_start: u64,
}

impl Table {
    fn start(&mut self, lib: u16) -> u16 {
        if let Some(&w) = self.wire.get(&lib) {
            return w;
        }
        let mut w = self.last;
        loop {
            w = if w == u16::MAX { 1 } else { w + 1 };
            if !self.lib.contains_key(&w) {
                break;
            }
        }
        self.last = w;
        self.wire.insert(lib, w);
        self.lib.insert(w, lib);
        self.shown.insert(lib, w);
        self.started.insert(w, self.next_start);
        self.next_start += 1;
        w
    }

    fn end(&mut self, wire: u16) -> u16 {
        match self.lib.remove(&wire) {
            Some(lib) => {
                self.wire.remove(&lib);
                self.started.remove(&wire);
                let queue = self.ended.entry(lib).or_default();
                if queue.len() == ENDED_KEPT {
                    queue.pop_front();
                }
                queue.push_back(wire);
                lib
            }
            None => wire,
        }
    }
}

/// Ended flows remembered per library id until their event is seen.
const ENDED_KEPT: usize = 8;

/// Where in its flow a library id is reported, for [`PacketIds::shown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// A PUBLISH, SUBSCRIBE or UNSUBSCRIBE the library is sending. The
    /// library reports it before the bytes reach this layer, so the wire id
    /// may be handed out here.
    Start,
    /// PUBREC received or PUBREL sent: the flow goes on.
    During,
    /// PUBACK, PUBCOMP, SUBACK or UNSUBACK received: the flow has ended (the
    /// library reports it after this layer read it).
    End,
}

impl PacketIds {
    /// The wire id that goes with a library id in an event (and so in a
    /// `-d` line).
    pub fn shown(&self, lib: u16, seen: Seen) -> u16 {
        if lib == 0 {
            return 0;
        }
        let mut t = self.0.lock().expect("packet id table");
        let ended = match seen {
            Seen::Start => return t.start(lib),
            Seen::During => None,
            Seen::End => t.ended.get_mut(&lib).and_then(VecDeque::pop_front),
        };
        ended
            .or_else(|| t.wire.get(&lib).copied())
            .or_else(|| t.shown.get(&lib).copied())
            .unwrap_or(lib)
    }

    /// The table as text (for a persistent session's checkpoint): the last id
    /// handed out, then one `LIB WIRE` line per flow in progress, oldest first.
    pub fn encode(&self) -> String {
        let t = self.0.lock().expect("packet id table");
        let mut flows: Vec<_> = t.wire.iter().collect();
        flows.sort_by_key(|(_, wire)| t.started.get(wire));
        let mut out = format!("{}\n", t.last);
        for (lib, wire) in flows {
            out.push_str(&format!("{lib} {wire}\n"));
        }
        out
    }

    /// Restore what [`PacketIds::encode`] wrote; `None` if it is not that.
    pub fn decode(text: &str) -> Option<PacketIds> {
        let mut lines = text.lines();
        let mut t = Table {
            last: lines.next()?.trim().parse().ok()?,
            ..Table::default()
        };
        for line in lines {
            let (lib, wire) = line.split_once(' ')?;
            let (lib, wire): (u16, u16) = (lib.parse().ok()?, wire.parse().ok()?);
            t.wire.insert(lib, wire);
            t.lib.insert(wire, lib);
            t.shown.insert(lib, wire);
            t.started.insert(wire, t.next_start);
            t.next_start += 1;
        }
        Some(PacketIds(Arc::new(Mutex::new(t)), PropertyOrder::default()))
    }

    /// The property orders of the PUBLISHes read on this client's connections.
    pub fn property_order(&self) -> &PropertyOrder {
        &self.1
    }

    /// When the flow with this wire id started (unknown ones last).
    fn started(&self, wire: u16) -> u64 {
        let t = self.0.lock().expect("packet id table");
        t.started.get(&wire).copied().unwrap_or(u64::MAX)
    }

    /// Replace this table's contents with `other`'s.
    pub fn restore(&self, other: &PacketIds) {
        let src = std::mem::take(&mut *other.0.lock().expect("packet id table"));
        *self.0.lock().expect("packet id table") = src;
    }

    /// Translate the id of the packet head `head` in place: `outgoing` for
    /// what the library writes, else for what the broker sent.
    fn translate(&self, head: &mut [u8], at: usize, outgoing: bool) {
        let id = u16::from_be_bytes([head[at], head[at + 1]]);
        let mut t = self.0.lock().expect("packet id table");
        let new = match (outgoing, head[0] >> 4) {
            (true, 3 | 8 | 10) => t.start(id),
            (true, 6) => t.wire.get(&id).copied().unwrap_or(id),
            // PUBREC: the flow goes on to PUBREL unless the broker refused
            // the message (an MQTT 5 reason code of 0x80 or more).
            (false, 5) => match head.get(at + 2) {
                Some(&reason) if reason >= 0x80 => t.end(id),
                _ => t.lib.get(&id).copied().unwrap_or(id),
            },
            (false, 4 | 7 | 9 | 11) => t.end(id),
            _ => return,
        };
        head[at..at + 2].copy_from_slice(&new.to_be_bytes());
    }
}

/// Where the packet starting at `buf` has its id, if it is one this layer
/// translates: `Some(Ok((head, total, at)))` once the first `head` bytes
/// (enough to translate) are in `buf`; `None` while more bytes are needed;
/// `Some(Err(()))` for a malformed length. `at` is `None` for packets without
/// an id to translate.
type Head = (usize, usize, Option<usize>);

fn head(buf: &[u8], outgoing: bool) -> Option<Result<Head, ()>> {
    let &kind = buf.first()?;
    let (remaining, used) = match varint(buf, 1)? {
        Ok(v) => v,
        Err(_) => return Some(Err(())),
    };
    let fixed = 1 + used;
    let total = fixed + remaining;
    let at = match (outgoing, kind >> 4) {
        // PUBLISH at QoS 1 or 2: the id follows the topic.
        (true, 3) if kind & 0x06 != 0 => {
            let len = buf.get(fixed..fixed + 2)?;
            Some(fixed + 2 + usize::from(u16::from_be_bytes([len[0], len[1]])))
        }
        (true, 6 | 8 | 10) | (false, 4 | 7 | 9 | 11) => Some(fixed),
        // PUBREC: also its reason code, when there is one.
        (false, 5) => {
            let want = fixed + 2 + usize::from(remaining > 2);
            return (buf.len() >= want).then_some(Ok((want, total, Some(fixed))));
        }
        _ => None,
    };
    match at {
        Some(at) if at + 2 > total => Some(Ok((fixed, total, None))),
        Some(at) => (buf.len() >= at + 2).then_some(Ok((at + 2, total, Some(at)))),
        None => Some(Ok((fixed, total, None))),
    }
}

/// Where a byte stream stands between packets.
#[derive(Debug, Default)]
struct Scan {
    /// Bytes of the current packet still to pass through untouched.
    skip: usize,
}

impl Scan {
    /// Translate the ids of the packets in `buf` that this scan has not seen.
    /// Returns how many bytes are done; the rest is a partial head.
    ///
    /// Outgoing, a run of whole PUBREL packets is also put in the order their
    /// flows started. The library resends PUBRELs after a reconnect in the
    /// order of its own ids, which come round again every `-M` messages;
    /// a broker that hands a QoS 2 message on at its PUBREL (mosquitto) would
    /// deliver a later message first. (The resends come in one write, so a
    /// run is not split.)
    fn run(&mut self, ids: &PacketIds, buf: &mut [u8], outgoing: bool) -> usize {
        let mut pos = 0;
        let mut pubrels: Vec<(usize, usize, u64)> = Vec::new();
        loop {
            let n = self.skip.min(buf.len() - pos);
            pos += n;
            self.skip -= n;
            if pos == buf.len() {
                sort_pubrels(buf, &mut pubrels);
                return pos;
            }
            let (len, total, at) = match head(&buf[pos..], outgoing) {
                Some(Ok(head)) => head,
                None => {
                    sort_pubrels(buf, &mut pubrels);
                    return pos;
                }
                // Not MQTT: pass everything on untouched and let the library
                // say what is wrong.
                Some(Err(())) => {
                    self.skip = usize::MAX;
                    continue;
                }
            };
            if let Some(at) = at {
                ids.translate(&mut buf[pos..pos + len], at, outgoing);
                if outgoing && buf[pos] >> 4 == 6 && pos + total <= buf.len() {
                    let wire = u16::from_be_bytes([buf[pos + at], buf[pos + at + 1]]);
                    pubrels.push((pos, pos + total, ids.started(wire)));
                } else {
                    sort_pubrels(buf, &mut pubrels);
                }
            } else {
                sort_pubrels(buf, &mut pubrels);
            }
            pos += len;
            self.skip = total - len;
        }
    }
}

/// Put the adjacent whole PUBRELs `run` (start, end, when its flow started)
/// of `buf` in the order their flows started; empties `run`.
fn sort_pubrels(buf: &mut [u8], run: &mut Vec<(usize, usize, u64)>) {
    if run.windows(2).any(|w| w[0].2 > w[1].2) {
        let (from, to) = (run[0].0, run[run.len() - 1].1);
        run.sort_by_key(|r| r.2);
        let sorted: Vec<u8> = run.iter().flat_map(|r| buf[r.0..r.1].to_vec()).collect();
        buf[from..to].copy_from_slice(&sorted);
    }
    run.clear();
}

/// A packet head is at most this long on the read side: type, 4 length
/// bytes, id, reason code.
const READ_HEAD_MAX: usize = 8;

/// The stream with ids translated both ways.
pub struct Translate<S> {
    inner: S,
    ids: PacketIds,
    /// Translated bytes not yet written: `out[sent..ready]` may go out,
    /// `out[ready..]` is a partial head waiting for the rest of it.
    out: Vec<u8>,
    sent: usize,
    ready: usize,
    write_scan: Scan,
    read_scan: Scan,
    /// A partial packet head read but not yet handed up.
    held: Vec<u8>,
    /// Translated bytes that did not fit a small read buffer.
    spill: Vec<u8>,
}

/// Bytes taken per write before what is taken has been written.
const WRITE_LIMIT: usize = 64 * 1024;

impl<S> Translate<S> {
    pub fn new(inner: S, ids: PacketIds) -> Self {
        Translate {
            inner,
            ids,
            out: Vec::new(),
            sent: 0,
            ready: 0,
            write_scan: Scan::default(),
            read_scan: Scan::default(),
            held: Vec::new(),
            spill: Vec::new(),
        }
    }
}

impl<S: AsyncWrite + Unpin> Translate<S> {
    /// Write `out[sent..ready]`; `Ready` once all of it is written.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.ready {
            match Pin::new(&mut self.inner).poll_write(cx, &self.out[self.sent..self.ready]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        // Everything ready is out: keep only the partial head, and not a
        // large buffer (a client holds this per connection).
        self.out.drain(..self.sent);
        self.ready -= self.sent;
        self.sent = 0;
        if self.out.capacity() > 16 * 1024 {
            self.out.shrink_to(4 * 1024);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Translate<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Poll::Ready(Err(e)) = this.poll_send(cx) {
            return Poll::Ready(Err(e));
        }
        if this.ready - this.sent >= WRITE_LIMIT {
            return Poll::Pending;
        }
        let n = buf.len().min(WRITE_LIMIT);
        this.out.extend_from_slice(&buf[..n]);
        let done = this.write_scan.run(&this.ids, &mut this.out[this.ready..], true);
        this.ready += done;
        // Start writing now; a write that cannot go on waits for the next
        // poll_write or poll_flush.
        if let Poll::Ready(Err(e)) = this.poll_send(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_send(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_send(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

impl<S: AsyncRead + Unpin> Translate<S> {
    /// Read into `buf` (with room for more than [`READ_HEAD_MAX`] bytes) and
    /// translate; hands up only whole heads.
    fn poll_fill(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let start = buf.filled().len();
        loop {
            buf.put_slice(&self.held);
            let had = std::mem::take(&mut self.held);
            let before = buf.filled().len();
            match Pin::new(&mut self.inner).poll_read(cx, buf) {
                Poll::Pending => {
                    buf.set_filled(start);
                    self.held = had;
                    return Poll::Pending;
                }
                Poll::Ready(Err(e)) => {
                    buf.set_filled(start);
                    self.held = had;
                    return Poll::Ready(Err(e));
                }
                // The end of the stream: a partial head goes up as it is.
                Poll::Ready(Ok(())) if buf.filled().len() == before => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {}
            }
            let done = self.read_scan.run(&self.ids, &mut buf.filled_mut()[start..], false);
            let end = buf.filled().len();
            self.held.extend_from_slice(&buf.filled()[start + done..end]);
            buf.set_filled(start + done);
            if done > 0 {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Translate<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.spill.is_empty() || buf.remaining() == 0 {
            let n = this.spill.len().min(buf.remaining());
            buf.put_slice(&this.spill[..n]);
            this.spill.drain(..n);
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() > READ_HEAD_MAX {
            return this.poll_fill(cx, buf);
        }
        // A small read buffer: translate through one of our own and keep
        // what does not fit. (The library reads into buffers of kilobytes.)
        let mut tmp = [0u8; 64];
        let mut small = ReadBuf::new(&mut tmp);
        match this.poll_fill(cx, &mut small) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        let got = small.filled();
        let n = got.len().min(buf.remaining());
        buf.put_slice(&got[..n]);
        this.spill.extend_from_slice(&got[n..]);
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn publish_q2(id: u16, dup: bool) -> Vec<u8> {
        let mut p = vec![0x34 | if dup { 0x08 } else { 0 }, 7, 0, 1, b't'];
        p.extend_from_slice(&id.to_be_bytes());
        p.extend_from_slice(b"xy");
        p
    }

    fn ack(kind: u8, id: u16) -> Vec<u8> {
        let mut p = vec![kind, 2];
        p.extend_from_slice(&id.to_be_bytes());
        p
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// Write `bytes` through a Translate in pieces of `chunk` bytes.
    fn written(ids: &PacketIds, bytes: &[u8], chunk: usize) -> Vec<u8> {
        block_on(async {
            let mut w = Translate::new(Vec::new(), ids.clone());
            for c in bytes.chunks(chunk) {
                w.write_all(c).await.unwrap();
            }
            w.flush().await.unwrap();
            w.inner
        })
    }

    /// Read `bytes` through a Translate that gets them in pieces of `chunk` bytes.
    fn read(ids: &PacketIds, bytes: &[u8], chunk: usize) -> Vec<u8> {
        block_on(async {
            let (mut tx, rx) = tokio::io::duplex(chunk);
            let bytes = bytes.to_vec();
            let writer = tokio::spawn(async move {
                for c in bytes.chunks(chunk) {
                    tx.write_all(c).await.unwrap();
                }
            });
            let mut r = Translate::new(rx, ids.clone());
            let mut out = Vec::new();
            r.read_to_end(&mut out).await.unwrap();
            writer.await.unwrap();
            out
        })
    }

    #[test]
    fn ids_count_up_while_the_library_reuses_its_own() {
        let ids = PacketIds::default();
        for round in 0..3u16 {
            // The library sends id 1, gets PUBREC, sends PUBREL, gets PUBCOMP.
            let out = written(&ids, &publish_q2(1, false), 3);
            assert_eq!(out, publish_q2(round + 1, false));
            assert_eq!(read(&ids, &ack(0x50, round + 1), 1), ack(0x50, 1));
            assert_eq!(written(&ids, &ack(0x62, 1), 1), ack(0x62, round + 1));
            assert_eq!(read(&ids, &ack(0x70, round + 1), 4), ack(0x70, 1));
        }
        assert_eq!(ids.encode(), "3\n");
        // The events of the three flows, read after all of them ended.
        assert_eq!([1, 2, 3].map(|_| ids.shown(1, Seen::End)), [1, 2, 3]);
    }

    #[test]
    fn a_resent_publish_keeps_its_wire_id() {
        let ids = PacketIds::default();
        let mut batch = publish_q2(1, false);
        batch.extend(publish_q2(2, false));
        let first = written(&ids, &batch, 64);
        assert_eq!(first, batch);
        // Acked out of order: 2 ends, 1 stays in flight.
        assert_eq!(read(&ids, &ack(0x40, 2), 64), ack(0x40, 2));
        // The library reuses 2 for a new message and resends 1 (DUP).
        let mut again = publish_q2(2, false);
        again.extend(publish_q2(1, true));
        let mut want = publish_q2(3, false);
        want.extend(publish_q2(1, true));
        assert_eq!(written(&ids, &again, 5), want);
    }

    #[test]
    fn resent_pubrels_keep_the_order_their_flows_started() {
        let ids = PacketIds::default();
        // Library ids 19, 20, then 1 (its own ids came round): wire 1, 2, 3.
        for lib in [19, 20, 1] {
            written(&ids, &publish_q2(lib, false), 64);
            read(&ids, &ack(0x50, ids.shown(lib, Seen::During)), 64);
        }
        // After a reconnect the library resends the PUBRELs by its own ids.
        let mut resend = ack(0x62, 1);
        resend.extend(ack(0x62, 19));
        resend.extend(ack(0x62, 20));
        let mut want = ack(0x62, 1);
        want.extend(ack(0x62, 2));
        want.extend(ack(0x62, 3));
        assert_eq!(written(&ids, &resend, 64), want);
        // The order survives a checkpoint.
        let restored = PacketIds::decode(&ids.encode()).unwrap();
        assert_eq!(written(&restored, &resend, 64), want);
    }

    #[test]
    fn wire_ids_wrap_and_skip_ids_in_flight() {
        let ids = PacketIds::decode("65534\n1 1\n").unwrap();
        assert_eq!(ids.shown(2, Seen::Start), 65535);
        assert_eq!(ids.shown(3, Seen::Start), 2, "1 is still in flight");
        assert_eq!(ids.shown(3, Seen::During), 2);
        let round = PacketIds::decode(&ids.encode()).unwrap();
        assert_eq!(*round.0.lock().unwrap(), *ids.0.lock().unwrap());
    }

    #[test]
    fn a_refused_pubrec_ends_the_flow_and_other_packets_pass() {
        let ids = PacketIds::default();
        written(&ids, &publish_q2(4, false), 64);
        // MQTT 5 PUBREC with reason 0x87 (not authorized): no PUBREL follows.
        assert_eq!(read(&ids, &[0x50, 3, 0, 1, 0x87], 2), [0x50, 3, 0, 4, 0x87]);
        assert_eq!(ids.encode(), "1\n");
        // The broker's own flow (PUBLISH to us, its PUBREL) and QoS 0 pass as they are.
        let mut theirs = publish_q2(9, false);
        theirs.extend(ack(0x62, 9));
        theirs.extend([0x30, 4, 0, 1, b't', b'x', 0xd0, 0]);
        assert_eq!(read(&ids, &theirs, 3), theirs);
        let mut ours = ack(0x40, 9);
        ours.extend([0x30, 4, 0, 1, b't', b'x']);
        assert_eq!(written(&ids, &ours, 1), ours);
    }
}
