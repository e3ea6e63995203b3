//! The order of an incoming MQTT 5 PUBLISH's properties, read off the byte
//! stream.
//!
//! The library hands a PUBLISH's properties over parsed into fields, which
//! loses the order the broker sent them in; mosquitto_sub's `%j` prints them
//! in that order (a mosquitto broker keeps the publisher's). When the output
//! shows it (`ConnSettings::property_order`), a read-only layer ([`Tap`]) at
//! the top of a session's MQTT 5 stack notes the property identifiers of
//! every PUBLISH it reads, and the session gives each message its list
//! ([`PropertyOrder::take`]).

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::rewrite::varint;

/// The property orders read, oldest first, shared by the session and its
/// connections' taps.
#[derive(Clone, Debug, Default)]
pub struct PropertyOrder(Arc<Mutex<VecDeque<Seen>>>);

/// One PUBLISH as the tap saw it.
#[derive(Debug, PartialEq)]
struct Seen {
    pkid: u16,
    payload_len: usize,
    ids: Vec<u8>,
}

/// How far to look for the PUBLISH a message came from: the library hands
/// on every PUBLISH it reads, in order, so the first one matches unless it
/// dropped one.
const LOOKAHEAD: usize = 8;

impl PropertyOrder {
    /// The property identifiers, in wire order, of the PUBLISH with this
    /// packet id and payload length: the oldest one that matches, with
    /// those before it dropped; empty when none does.
    pub fn take(&self, pkid: u16, payload_len: usize) -> Vec<u8> {
        let mut q = self.0.lock().expect("property order");
        let Some(i) = q
            .iter()
            .take(LOOKAHEAD)
            .position(|s| s.pkid == pkid && s.payload_len == payload_len)
        else {
            return Vec::new();
        };
        q.drain(..i);
        q.pop_front().map(|s| s.ids).unwrap_or_default()
    }

    fn push(&self, seen: Seen) {
        let mut q = self.0.lock().expect("property order");
        // Nobody takes them on a connection that never hands messages up.
        if q.len() >= 1024 {
            q.pop_front();
        }
        q.push_back(seen);
    }
}

/// What the start of a packet says.
#[derive(Debug, PartialEq)]
enum Scanned {
    /// More bytes are needed to tell.
    More,
    /// Not a PUBLISH (or not one to read): pass this many bytes.
    Skip(usize),
    /// A PUBLISH of this many bytes.
    Publish(Seen, usize),
}

/// Read the head of the packet at the start of `p`.
fn scan(p: &[u8]) -> Scanned {
    let Some(&kind) = p.first() else {
        return Scanned::More;
    };
    let (remaining, used) = match varint(p, 1) {
        None => return Scanned::More,
        Some(Ok(v)) => v,
        // Not MQTT: the library will say so; stop reading.
        Some(Err(_)) => return Scanned::Skip(usize::MAX),
    };
    let total = 1 + used + remaining;
    if kind >> 4 != 3 {
        return Scanned::Skip(total);
    }
    let mut at = 1 + used;
    let Some(t) = p.get(at..at + 2) else {
        return Scanned::More;
    };
    at += 2 + usize::from(u16::from_be_bytes([t[0], t[1]]));
    let mut pkid = 0;
    if kind & 0x06 != 0 {
        let Some(id) = p.get(at..at + 2) else {
            return if at + 2 > total {
                Scanned::Skip(total)
            } else {
                Scanned::More
            };
        };
        pkid = u16::from_be_bytes([id[0], id[1]]);
        at += 2;
    }
    if at >= total {
        return Scanned::Skip(total);
    }
    let (len, used) = match varint(p, at) {
        None => return Scanned::More,
        Some(Ok(v)) => v,
        Some(Err(_)) => return Scanned::Skip(total),
    };
    let (start, end) = (at + used, at + used + len);
    if end > total {
        return Scanned::Skip(total);
    }
    let Some(props) = p.get(start..end) else {
        return Scanned::More;
    };
    let seen = Seen {
        pkid,
        payload_len: total - end,
        ids: identifiers(props),
    };
    Scanned::Publish(seen, total)
}

/// The identifiers of a PUBLISH's properties, in order (up to the first one
/// a PUBLISH cannot carry).
fn identifiers(mut props: &[u8]) -> Vec<u8> {
    let mut ids = Vec::new();
    let string = |b: &[u8]| b.get(..2).map(|l| 2 + usize::from(u16::from_be_bytes([l[0], l[1]])));
    while let Some(&id) = props.first() {
        let rest = &props[1..];
        let size = match id {
            0x01 => Some(1),
            0x02 => Some(4),
            0x23 => Some(2),
            0x0b => varint(rest, 0).and_then(Result::ok).map(|(_, n)| n),
            0x03 | 0x08 | 0x09 => string(rest),
            0x26 => string(rest).and_then(|k| string(rest.get(k..)?).map(|v| k + v)),
            _ => None,
        };
        let Some(size) = size.filter(|s| *s <= rest.len()) else {
            break;
        };
        ids.push(id);
        props = &rest[size..];
    }
    ids
}

/// The read-only layer: bytes pass both ways untouched; what is read is
/// scanned for PUBLISH heads.
pub struct Tap<S> {
    inner: S,
    order: PropertyOrder,
    /// Bytes of the current packet still to pass unscanned.
    skip: usize,
    /// The start of the current packet, until its head is read.
    head: Vec<u8>,
}

impl<S> Tap<S> {
    pub fn new(inner: S, order: PropertyOrder) -> Self {
        Tap {
            inner,
            order,
            skip: 0,
            head: Vec::new(),
        }
    }

    /// Scan what was just read. A head that ends in this read is scanned in
    /// place; only one split between reads is copied.
    fn saw(&mut self, bytes: &[u8]) {
        let mut pos = 0;
        while pos < bytes.len() {
            let n = self.skip.min(bytes.len() - pos);
            self.skip -= n;
            pos += n;
            if pos == bytes.len() {
                return;
            }
            let held = self.head.len();
            let scanned = if held == 0 {
                scan(&bytes[pos..])
            } else {
                self.head.extend_from_slice(&bytes[pos..]);
                scan(&self.head)
            };
            let total = match scanned {
                Scanned::More => {
                    if held == 0 {
                        self.head.extend_from_slice(&bytes[pos..]);
                    }
                    return;
                }
                Scanned::Skip(total) => total,
                Scanned::Publish(seen, total) => {
                    self.order.push(seen);
                    total
                }
            };
            self.head.clear();
            // The packet's bytes from this read on are passed over.
            self.skip = total.saturating_sub(held);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.saw(&buf.filled()[before..]);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v5 PUBLISH to `t` with these property bytes and payload.
    fn publish(qos: u8, pkid: u16, props: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut body = vec![0, 1, b't'];
        if qos > 0 {
            body.extend_from_slice(&pkid.to_be_bytes());
        }
        body.push(props.len() as u8);
        body.extend_from_slice(props);
        body.extend_from_slice(payload);
        [vec![0x30 | (qos << 1), body.len() as u8], body].concat()
    }

    #[test]
    fn identifiers_in_wire_order_whatever_the_chunks() {
        // user property, content type, expiry, payload format, subscription id.
        let props = b"\x26\x00\x01k\x00\x01v\x03\x00\x02ct\x02\x00\x00\x0e\x10\x01\x01\x0b\x07";
        let stream = [
            vec![0xd0, 0], // PINGRESP
            publish(1, 9, props, b"payload"),
            publish(0, 0, b"", b"x"),
            vec![0x40, 2, 0, 9], // PUBACK
        ]
        .concat();
        for chunk in [1, 2, 3, 7, stream.len()] {
            let order = PropertyOrder::default();
            let mut tap = Tap::new(tokio::io::empty(), order.clone());
            for c in stream.chunks(chunk) {
                tap.saw(c);
            }
            assert_eq!(
                order.take(9, 7),
                vec![0x26, 0x03, 0x02, 0x01, 0x0b],
                "chunks of {chunk}"
            );
            assert_eq!(order.take(0, 1), Vec::<u8>::new(), "chunks of {chunk}");
            assert!(order.0.lock().unwrap().is_empty());
        }
    }

    #[test]
    fn a_message_without_its_publish_seen_gets_no_order() {
        let order = PropertyOrder::default();
        let mut tap = Tap::new(tokio::io::empty(), order.clone());
        tap.saw(&publish(0, 0, b"\x01\x01", b"a"));
        tap.saw(&publish(0, 0, b"\x02\x00\x00\x00\x01\x01\x01", b"bb"));
        // The first was not handed on: skipped over.
        assert_eq!(order.take(0, 2), vec![0x02, 0x01]);
        assert_eq!(order.take(5, 1), Vec::<u8>::new());
    }
}
