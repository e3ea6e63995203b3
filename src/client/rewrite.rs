//! Two things mosquitto puts on the wire that the MQTT library does not,
//! done on the bytes the library writes (the top of the transport stack):
//!
//! - **MQTT 3.1** (`-V 31`). 3.1 and 3.1.1 differ only in CONNECT: 3.1 names
//!   the protocol `MQIsdp` at level 3 where 3.1.1 says `MQTT` at level 4 (and
//!   a 3.1 client id must be 1–23 characters, which [`generated_id`]
//!   respects). The first packet's protocol name and level are rewritten and
//!   its remaining length fixed; every other packet is the same on the wire.
//! - **`-D publish` properties in command-line order.** The library encodes
//!   PUBLISH properties in a fixed order; mosquitto writes them in the order
//!   given. Each PUBLISH's property list is permuted into that order (a
//!   permutation: no length changes), user properties keeping theirs.
//!
//! The stream holds back only the head of a packet it rewrites (the fixed
//! header and the part to change); payloads pass straight through. It is in
//! the stack only when one of the two is asked for.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What to rewrite.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Rewrite the first packet (CONNECT) from 3.1.1 to 3.1.
    pub mqtt31: bool,
    /// PUBLISH property identifiers in the wanted order, one entry per
    /// occurrence (MQTT 5 connections only).
    pub publish_order: Vec<u8>,
}

impl Rules {
    pub fn active(&self) -> bool {
        self.mqtt31 || self.publish_order.len() > 1
    }
}

/// The MQTT 5 identifier of a `-D publish` property name.
pub fn publish_property_id(name: &str) -> Option<u8> {
    Some(match name {
        "payload-format-indicator" => 0x01,
        "message-expiry-interval" => 0x02,
        "content-type" => 0x03,
        "response-topic" => 0x08,
        "correlation-data" => 0x09,
        "topic-alias" => 0x23,
        "user-property" => 0x26,
        _ => return None,
    })
}

/// A stream that rewrites outgoing packets by [`Rules`].
pub struct Rewrite<S> {
    inner: S,
    rules: Rules,
    first: bool,
    state: State,
}

enum State {
    /// Collecting the head of the next packet.
    Head(Vec<u8>),
    /// Writing a (rewritten) head, then passing `rest` bytes through.
    Drain {
        bytes: Vec<u8>,
        written: usize,
        rest: usize,
    },
    /// Passing the rest of a packet through.
    Pass(usize),
}

impl<S> Rewrite<S> {
    pub fn new(inner: S, rules: Rules) -> Self {
        Rewrite {
            inner,
            rules,
            first: true,
            state: State::Head(Vec::new()),
        }
    }
}

/// Read a variable byte integer at `at`: (value, bytes used), or `None` if
/// `buf` ends first.
pub(super) fn varint(buf: &[u8], at: usize) -> Option<io::Result<(usize, usize)>> {
    let mut value = 0usize;
    for i in 0..4 {
        let b = *buf.get(at + i)?;
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(Ok((value, i + 1)));
        }
    }
    Some(Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "malformed remaining length",
    )))
}

fn encode_varint(mut len: usize, out: &mut Vec<u8>) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            break;
        }
    }
}

/// How much of the packet starting `buf` must be seen before it can be
/// rewritten.
enum Need {
    /// At least this many bytes in all.
    AtLeast(usize),
    /// The head is `head` bytes of a packet of `total` bytes.
    Head { head: usize, total: usize },
}

const V311_NAME: &[u8] = b"\x00\x04MQTT\x04";
const V31_NAME: &[u8] = b"\x00\x06MQIsdp\x03";

impl Rules {
    fn need(&self, buf: &[u8], first: bool) -> io::Result<Need> {
        let Some(&kind) = buf.first() else {
            return Ok(Need::AtLeast(1));
        };
        let (remaining, len_bytes) = match varint(buf, 1) {
            None => return Ok(Need::AtLeast(buf.len() + 1)),
            Some(r) => r?,
        };
        let fixed = 1 + len_bytes;
        let total = fixed + remaining;
        let plain = Need::Head { head: fixed, total };
        if first && self.mqtt31 && kind == 0x10 {
            let head = fixed + V311_NAME.len();
            return Ok(if buf.len() < head {
                Need::AtLeast(head)
            } else {
                Need::Head { head, total }
            });
        }
        if kind >> 4 != 3 || self.publish_order.len() < 2 {
            return Ok(plain);
        }
        // PUBLISH: topic, packet id (QoS > 0), then the property list.
        let Some(topic_len) = buf.get(fixed..fixed + 2) else {
            return Ok(Need::AtLeast(fixed + 2));
        };
        let pid = if kind & 0x06 != 0 { 2 } else { 0 };
        let at = fixed + 2 + usize::from(u16::from_be_bytes([topic_len[0], topic_len[1]])) + pid;
        match varint(buf, at) {
            None => Ok(Need::AtLeast(buf.len().max(at) + 1)),
            Some(r) => {
                let (props, used) = r?;
                Ok(Need::Head {
                    head: (at + used + props).min(total),
                    total,
                })
            }
        }
    }

    /// The bytes to send for a packet head.
    fn apply(&self, head: &[u8], first: bool) -> Vec<u8> {
        let (remaining, len_bytes) = match varint(head, 1) {
            Some(Ok(v)) => v,
            _ => return head.to_vec(),
        };
        let fixed = 1 + len_bytes;
        if first && self.mqtt31 && head[0] == 0x10 && head[fixed..].starts_with(V311_NAME) {
            let mut out = Vec::with_capacity(head.len() + 3);
            out.push(0x10);
            encode_varint(remaining - V311_NAME.len() + V31_NAME.len(), &mut out);
            out.extend_from_slice(V31_NAME);
            out.extend_from_slice(&head[fixed + V311_NAME.len()..]);
            return out;
        }
        if head[0] >> 4 == 3 {
            let mut out = head.to_vec();
            reorder_publish_properties(&mut out, fixed, &self.publish_order);
            return out;
        }
        head.to_vec()
    }
}

/// The length of one property (identifier included) at the start of `p`.
fn property_len(p: &[u8]) -> Option<usize> {
    let u16_at = |i: usize| p.get(i..i + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    Some(match *p.first()? {
        0x01 => 2,
        0x02 => 5,
        0x23 => 3,
        0x03 | 0x08 | 0x09 => 3 + u16_at(1)?,
        0x0b => 1 + p[1..].iter().take(4).position(|b| b & 0x80 == 0)? + 1,
        0x26 => {
            let key = u16_at(1)?;
            3 + key + 2 + u16_at(3 + key)?
        }
        _ => return None,
    })
}

/// Permute the property list of the PUBLISH head `out` (fixed header
/// `fixed` bytes long) into `order`; left alone if anything is unexpected.
fn reorder_publish_properties(out: &mut [u8], fixed: usize, order: &[u8]) {
    let Some(topic) = out
        .get(fixed..fixed + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    else {
        return;
    };
    let pid = if out[0] & 0x06 != 0 { 2 } else { 0 };
    let at = fixed + 2 + topic + pid;
    let Some(Ok((len, used))) = varint(out, at) else { return };
    let start = at + used;
    let Some(props) = out.get(start..start + len) else {
        return;
    };
    let mut entries: Vec<&[u8]> = Vec::new();
    let mut rest = props;
    while !rest.is_empty() {
        match property_len(rest) {
            Some(n) if n <= rest.len() => {
                entries.push(&rest[..n]);
                rest = &rest[n..];
            }
            _ => return,
        }
    }
    // Each entry takes the first unused slot of its identifier; entries the
    // command line did not name keep their order after the named ones.
    let mut used_slots = vec![false; order.len()];
    let mut keyed: Vec<(usize, &[u8])> = entries
        .into_iter()
        .map(|e| {
            let slot = order
                .iter()
                .enumerate()
                .position(|(i, id)| *id == e[0] && !used_slots[i]);
            if let Some(i) = slot {
                used_slots[i] = true;
            }
            (slot.unwrap_or(order.len()), e)
        })
        .collect();
    keyed.sort_by_key(|(slot, _)| *slot);
    let sorted: Vec<u8> = keyed.iter().flat_map(|(_, e)| e.iter().copied()).collect();
    out[start..start + len].copy_from_slice(&sorted);
}

/// A client id for MQTT 3.1 when none is given: `mosq-` and 18 random
/// letters and digits, as libmosquitto makes them (3.1 brokers refuse an
/// empty id and ids over 23 characters).
pub fn generated_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut random = [0u8; 18];
    // Should the OS refuse randomness, the clock will do: the id only needs to be unlikely to clash.
    if getrandom::fill(&mut random).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, b) in random.iter_mut().enumerate() {
            *b = (nanos >> (i * 7)) as u8 ^ (std::process::id() as u8).rotate_left(i as u32);
        }
    }
    let tail: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("mosq-{tail}")
}

impl<S: AsyncWrite + Unpin> Rewrite<S> {
    /// Write out a held-back head.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let State::Drain { bytes, written, rest } = &mut self.state {
            if *written == bytes.len() {
                self.state = State::Pass(*rest);
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewrite<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewrite<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Drain { .. } => match this.poll_drain(cx) {
                    Poll::Ready(Ok(())) => {}
                    other => return other.map_ok(|()| 0),
                },
                State::Pass(0) => this.state = State::Head(Vec::new()),
                State::Pass(rest) => {
                    let n = buf.len().min(*rest);
                    let r = Pin::new(&mut this.inner).poll_write(cx, &buf[..n]);
                    if let (State::Pass(rest), Poll::Ready(Ok(k))) = (&mut this.state, &r) {
                        *rest -= k;
                    }
                    return r;
                }
                State::Head(held) => {
                    if buf.is_empty() {
                        return Poll::Ready(Ok(0));
                    }
                    // Take bytes until the head is known to be complete.
                    let mut taken = 0;
                    loop {
                        match this.rules.need(held, this.first)? {
                            Need::AtLeast(n) => {
                                if taken == buf.len() {
                                    return Poll::Ready(Ok(taken));
                                }
                                let more = n.saturating_sub(held.len()).max(1).min(buf.len() - taken);
                                held.extend_from_slice(&buf[taken..taken + more]);
                                taken += more;
                            }
                            Need::Head { head, .. } if held.len() < head => {
                                if taken == buf.len() {
                                    return Poll::Ready(Ok(taken));
                                }
                                let more = (head - held.len()).min(buf.len() - taken);
                                held.extend_from_slice(&buf[taken..taken + more]);
                                taken += more;
                            }
                            Need::Head { head, total } => {
                                // `held` may hold more than the head if a write ran past it.
                                let extra = held.len() - head;
                                let bytes = this.rules.apply(&held[..head], this.first);
                                this.first = false;
                                let rest = total - head - extra;
                                let mut bytes = bytes;
                                bytes.extend_from_slice(&held[head..]);
                                this.state = State::Drain {
                                    bytes,
                                    written: 0,
                                    rest,
                                };
                                return Poll::Ready(Ok(taken));
                            }
                        }
                    }
                }
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Write `chunks` through a Rewrite and return what came out.
    fn through(rules: Rules, chunks: &[&[u8]]) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut w = Rewrite::new(Vec::new(), rules);
            for c in chunks {
                w.write_all(c).await.unwrap();
            }
            w.flush().await.unwrap();
            w.inner
        })
    }

    const CONNECT_311: &[u8] = b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02ab";
    const CONNECT_31: &[u8] = b"\x10\x10\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x02ab";

    #[test]
    fn connect_becomes_mqisdp_level_3_however_it_is_written() {
        let rules = Rules {
            mqtt31: true,
            ..Rules::default()
        };
        let ping = b"\xc0\x00";
        let whole = [CONNECT_311, ping].concat();
        assert_eq!(through(rules.clone(), &[&whole]), [CONNECT_31, ping].concat());
        // Byte by byte, and split inside the protocol name.
        let bytes: Vec<&[u8]> = whole.chunks(1).collect();
        assert_eq!(through(rules.clone(), &bytes), [CONNECT_31, ping].concat());
        assert_eq!(through(rules, &[&whole[..5], &whole[5..]]), [CONNECT_31, ping].concat());
    }

    #[test]
    fn remaining_length_grows_across_a_byte_boundary() {
        let mut v311 = vec![0x10, 126];
        v311.extend_from_slice(b"\x00\x04MQTT\x04\x02\x00\x3c");
        v311.extend_from_slice(&[0x00, 114]);
        v311.extend(std::iter::repeat_n(b'x', 114));
        let rules = Rules {
            mqtt31: true,
            ..Rules::default()
        };
        let out = through(rules, &[&v311]);
        assert_eq!(&out[..3], &[0x10, 0x80, 0x01]);
        assert_eq!(out.len(), v311.len() + 3);
    }

    #[test]
    fn publish_properties_follow_the_command_line() {
        // QoS 1 PUBLISH to "t", pid 1, properties as a library writes them:
        // payload-format 1, user-property a=b, content-type "c", user-property d=e.
        let props: &[u8] = b"\x01\x01\x26\x00\x01a\x00\x01b\x03\x00\x01c\x26\x00\x01d\x00\x01e";
        let mut publish = vec![0x32, (2 + 1 + 2 + 1 + props.len() + 2) as u8, 0, 1, b't', 0, 1];
        publish.push(props.len() as u8);
        publish.extend_from_slice(props);
        publish.extend_from_slice(b"hi");
        // The command line: user-property, content-type, user-property, payload-format.
        let rules = Rules {
            mqtt31: false,
            publish_order: vec![0x26, 0x03, 0x26, 0x01],
        };
        let expected_props: &[u8] = b"\x26\x00\x01a\x00\x01b\x03\x00\x01c\x26\x00\x01d\x00\x01e\x01\x01";
        let mut expected = publish[..8].to_vec();
        expected.extend_from_slice(expected_props);
        expected.extend_from_slice(b"hi");
        let twice = [&publish[..], &publish[..]].concat();
        assert_eq!(
            through(rules.clone(), &[&twice]),
            [&expected[..], &expected[..]].concat()
        );
        let bytes: Vec<&[u8]> = twice.chunks(3).collect();
        assert_eq!(through(rules, &bytes), [&expected[..], &expected[..]].concat());
    }

    #[test]
    fn generated_ids_fit_mqtt_31() {
        let id = generated_id();
        assert_eq!(id.len(), 23);
        assert!(id.starts_with("mosq-") && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_ne!(id, generated_id());
    }
}
