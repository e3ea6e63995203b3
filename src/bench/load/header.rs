//! The payload of every mqtt-bench message: a 28-byte header
//! `{magic "MQKB", publisher u32, sequence u64, intended send time u64 ns
//! since the Unix epoch, lag u32 µs}` (big-endian; the lag is how much later
//! than intended the message was actually sent), then seeded filler up to
//! `-s` bytes.
//! The clock maps one monotonic reading to wall time once, so in-process
//! latencies never jump with the wall clock, and separate processes on one
//! host (`pub` and `sub`) still agree.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::time::Instant;

use crate::settings::HEADER_LEN;

const MAGIC: &[u8; 4] = b"MQKB";

/// A monotonic clock anchored to the wall clock at start.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
    origin_ns: u64,
}

impl Clock {
    pub fn new() -> Clock {
        let origin = Instant::now();
        let origin_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Clock { origin, origin_ns }
    }

    /// Wall-clock nanoseconds of an instant.
    pub fn ns(&self, at: Instant) -> u64 {
        self.origin_ns + at.saturating_duration_since(self.origin).as_nanos() as u64
    }

    /// The instant of a wall-clock time (clamped to the origin).
    pub fn instant(&self, ns: u64) -> Instant {
        self.origin + Duration::from_nanos(ns.saturating_sub(self.origin_ns))
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// The decoded header of a received payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub publisher: u32,
    pub seq: u64,
    pub intended_ns: u64,
    /// Actual send time minus intended send time, µs.
    pub lag_us: u32,
}

/// Builds payloads of one size; the filler is made once from the seed.
#[derive(Debug, Clone)]
pub struct PayloadMaker {
    filler: Bytes,
}

impl PayloadMaker {
    pub fn new(size: usize, seed: u64) -> PayloadMaker {
        let mut rng = fastrand::Rng::with_seed(seed);
        let filler: Vec<u8> = (0..size.saturating_sub(HEADER_LEN))
            .map(|_| rng.u8(b'a'..=b'z'))
            .collect();
        PayloadMaker { filler: filler.into() }
    }

    pub fn make(&self, h: Header) -> Bytes {
        let mut b = BytesMut::with_capacity(HEADER_LEN + self.filler.len());
        b.put_slice(MAGIC);
        b.put_u32(h.publisher);
        b.put_u64(h.seq);
        b.put_u64(h.intended_ns);
        b.put_u32(h.lag_us);
        b.put_slice(&self.filler);
        b.freeze()
    }
}

/// The header of a payload, or `None` for a message from something else.
pub fn decode(payload: &[u8]) -> Option<Header> {
    if payload.len() < HEADER_LEN || &payload[..4] != MAGIC {
        return None;
    }
    let u32_at = |i: usize| u32::from_be_bytes(payload[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_be_bytes(payload[i..i + 8].try_into().expect("8 bytes"));
    Some(Header {
        publisher: u32_at(4),
        seq: u64_at(8),
        intended_ns: u64_at(16),
        lag_us: u32_at(24),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_filler_is_seeded() {
        let h = Header {
            publisher: 7,
            seq: 1 << 40,
            intended_ns: 1_700_000_000_123_456_789,
            lag_us: 1234,
        };
        let p = PayloadMaker::new(64, 1).make(h);
        assert_eq!(p.len(), 64);
        assert_eq!(decode(&p), Some(h));
        assert_eq!(p, PayloadMaker::new(64, 1).make(h));
        assert_ne!(p, PayloadMaker::new(64, 2).make(h));
        assert_eq!(decode(b"hello world, this is not a bench payload"), None);
    }
}
