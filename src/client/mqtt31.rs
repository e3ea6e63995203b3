//! MQTT 3.1 (`-V 31`) on top of the library's MQTT 3.1.1.
//!
//! The two versions differ only in CONNECT: 3.1 names the protocol `MQIsdp`
//! at level 3 where 3.1.1 says `MQTT` at level 4 (and a 3.1 client id must
//! be 1–23 characters, which [`generated_id`] respects). Every other packet
//! is the same on the wire. So the stream under the library holds back the
//! first packet it is given, rewrites that CONNECT's protocol name and level,
//! and is transparent from then on.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stream that rewrites the first (CONNECT) packet from 3.1.1 to 3.1.
pub struct Mqtt31<S> {
    inner: S,
    state: State,
}

enum State {
    /// Collecting the CONNECT packet.
    Collect(Vec<u8>),
    /// Writing the rewritten bytes: what, and how much is written.
    Drain(Vec<u8>, usize),
    /// Transparent.
    Pass,
}

impl<S> Mqtt31<S> {
    pub fn new(inner: S) -> Self {
        Mqtt31 {
            inner,
            state: State::Collect(Vec::new()),
        }
    }
}

/// The length of a packet's fixed header and its remaining length, once
/// enough bytes are there to tell.
fn packet_extent(buf: &[u8]) -> Option<(usize, usize)> {
    let mut remaining = 0usize;
    for (i, &b) in buf.iter().enumerate().skip(1).take(4) {
        remaining |= usize::from(b & 0x7f) << (7 * (i - 1));
        if b & 0x80 == 0 {
            return Some((i + 1, remaining));
        }
    }
    None
}

fn encode_remaining(mut len: usize, out: &mut Vec<u8>) {
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

const V311_HEADER: &[u8] = b"\x00\x04MQTT\x04";
const V31_HEADER: &[u8] = b"\x00\x06MQIsdp\x03";

/// The bytes to send for `buf` once it holds the whole first packet: the
/// CONNECT rewritten, followed by whatever came after it. `None` while the
/// packet is incomplete.
pub fn rewrite(buf: &[u8]) -> Option<io::Result<Vec<u8>>> {
    let (header, remaining) = packet_extent(buf)?;
    if buf.len() < header + remaining {
        return None;
    }
    let body = &buf[header..header + remaining];
    if buf[0] != 0x10 || !body.starts_with(V311_HEADER) {
        return Some(Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "MQTT 3.1: the first packet is not a 3.1.1 CONNECT",
        )));
    }
    let mut out = Vec::with_capacity(buf.len() + 3);
    out.push(0x10);
    encode_remaining(remaining - V311_HEADER.len() + V31_HEADER.len(), &mut out);
    out.extend_from_slice(V31_HEADER);
    out.extend_from_slice(&body[V311_HEADER.len()..]);
    out.extend_from_slice(&buf[header + remaining..]);
    Some(Ok(out))
}

/// A client id for MQTT 3.1 when none is given: `mosq-` and 18 random
/// letters and digits, as libmosquitto makes them (3.1 brokers refuse an
/// empty id and ids over 23 characters).
pub fn generated_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut random = [0u8; 18];
    // Falls back to the clock should the OS refuse randomness: the id only needs to be unlikely to clash.
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

impl<S: AsyncWrite + Unpin> Mqtt31<S> {
    /// Write out a rewritten CONNECT still held back.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let State::Drain(bytes, written) = &mut self.state {
            if *written == bytes.len() {
                self.state = State::Pass;
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

impl<S: AsyncRead + Unpin> AsyncRead for Mqtt31<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Mqtt31<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let State::Collect(held) = &mut this.state {
            held.extend_from_slice(buf);
            match rewrite(held) {
                None => {}
                Some(Ok(out)) => this.state = State::Drain(out, 0),
                Some(Err(e)) => return Poll::Ready(Err(e)),
            }
            // The bytes are taken; they go out with the rewritten CONNECT.
            return Poll::Ready(Ok(buf.len()));
        }
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_write(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
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

    #[test]
    fn connect_becomes_mqisdp_level_3() {
        // CONNECT, clean session, keep-alive 60, client id "ab", then a PINGREQ.
        let v311 = b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02ab\xc0\x00";
        assert!(rewrite(&v311[..5]).is_none());
        let out = rewrite(v311).unwrap().unwrap();
        assert_eq!(out, b"\x10\x10\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x02ab\xc0\x00");
    }

    #[test]
    fn remaining_length_grows_across_a_byte_boundary() {
        let mut v311 = vec![0x10, 126];
        v311.extend_from_slice(b"\x00\x04MQTT\x04\x02\x00\x3c");
        v311.extend_from_slice(&[0x00, 114]);
        v311.extend(std::iter::repeat_n(b'x', 114));
        assert_eq!(v311.len(), 128);
        let out = rewrite(&v311).unwrap().unwrap();
        assert_eq!(&out[..3], &[0x10, 0x80, 0x01]);
        assert_eq!(out.len(), 131);
    }

    #[test]
    fn generated_ids_fit_mqtt_31() {
        let id = generated_id();
        assert_eq!(id.len(), 23);
        assert!(id.starts_with("mosq-") && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_ne!(id, generated_id());
    }
}
