//! The measurements: HDR histograms in microseconds (serialized so shard
//! reports merge exactly), their summaries, per-publisher sequence tracking
//! (unique, duplicate, out of order) and per-second buckets.

use std::collections::HashMap;

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

/// A latency histogram in µs, 3 significant digits, growing as needed.
///
/// Small until it holds more than [`FEW`] values: a plain list, so a client
/// that records one connect time costs a few bytes, not the ~30 KiB of an
/// HDR histogram. Clients hand full lists to the run's shared histograms
/// (`load::shared::Shared::absorb`), so each client stays small however
/// long it runs. Adding lists or histograms up is exact either way.
#[derive(Clone, Debug)]
pub struct Hist(Repr);

#[derive(Clone, Debug)]
enum Repr {
    Few(Vec<u64>),
    Full(Box<Histogram<u64>>),
}

impl Default for Hist {
    fn default() -> Hist {
        Hist(Repr::Few(Vec::new()))
    }
}

/// Values a histogram keeps as a list before it becomes an HDR histogram.
pub const FEW: usize = 64;

fn empty() -> Box<Histogram<u64>> {
    Box::new(Histogram::new(3).expect("3 significant digits is valid"))
}

impl Hist {
    /// Record `us` microseconds (0 counts as 1: the histogram starts at 1 µs).
    pub fn record(&mut self, us: u64) {
        match &mut self.0 {
            Repr::Few(v) if v.len() < FEW => v.push(us.max(1)),
            Repr::Few(_) => {
                self.full().record(us.max(1)).ok();
            }
            Repr::Full(h) => {
                h.record(us.max(1)).ok();
            }
        }
    }

    /// The HDR histogram, made from the list first if need be.
    fn full(&mut self) -> &mut Histogram<u64> {
        if let Repr::Few(v) = &self.0 {
            let mut h = empty();
            for &x in v {
                h.record(x).ok();
            }
            self.0 = Repr::Full(h);
        }
        match &mut self.0 {
            Repr::Full(h) => h,
            Repr::Few(_) => unreachable!("made full above"),
        }
    }

    /// An HDR histogram of the values (a copy, or the histogram itself).
    fn hdr(&self) -> std::borrow::Cow<'_, Histogram<u64>> {
        match &self.0 {
            Repr::Full(h) => std::borrow::Cow::Borrowed(&**h),
            Repr::Few(_) => std::borrow::Cow::Owned(*self.clone().full_box()),
        }
    }

    fn full_box(mut self) -> Box<Histogram<u64>> {
        self.full();
        match self.0 {
            Repr::Full(h) => h,
            Repr::Few(_) => unreachable!("made full above"),
        }
    }

    pub fn add(&mut self, other: &Hist) {
        match &other.0 {
            Repr::Few(v) => v.iter().for_each(|&x| self.record(x)),
            Repr::Full(o) => {
                self.full().add(&**o).ok();
            }
        }
    }

    pub fn len(&self) -> u64 {
        match &self.0 {
            Repr::Few(v) => v.len() as u64,
            Repr::Full(h) => h.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the list is full, so the values are better handed to the
    /// run's shared histogram.
    pub fn is_due(&self) -> bool {
        match &self.0 {
            Repr::Few(v) => v.len() >= FEW,
            Repr::Full(_) => true,
        }
    }

    /// The value at quantile `q` (0 when empty).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.is_empty() {
            return 0;
        }
        self.hdr().value_at_quantile(q)
    }

    /// V2 + deflate + base64: the HdrHistogram interchange format.
    pub fn encode(&self) -> String {
        let mut buf = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&*self.hdr(), &mut buf)
            .expect("serializing to memory");
        base64::engine::general_purpose::STANDARD.encode(buf)
    }

    pub fn decode(text: &str) -> anyhow::Result<Hist> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text)?;
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| anyhow::anyhow!("bad histogram: {e:?}"))?;
        let mut out = empty();
        let _ = out.add(&h);
        Ok(Hist(Repr::Full(out)))
    }

    pub fn summary(&self) -> Summary {
        if self.is_empty() {
            return Summary::default();
        }
        let h = self.hdr();
        let q = |p: f64| h.value_at_quantile(p);
        Summary {
            count: h.len(),
            min_us: h.min(),
            mean_us: round2(h.mean()),
            stddev_us: round2(h.stdev()),
            p50_us: q(0.5),
            p90_us: q(0.9),
            p95_us: q(0.95),
            p99_us: q(0.99),
            p999_us: q(0.999),
            max_us: h.max(),
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Percentiles of one histogram, in µs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub min_us: u64,
    pub mean_us: f64,
    pub stddev_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p95_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

/// What one receiver saw of one publisher's sequence numbers.
#[derive(Debug, Clone, Default)]
pub struct SeqTrack {
    seen: Vec<u64>,
    next: u64,
    pub unique: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
}

impl SeqTrack {
    /// Record sequence number `seq`; false when it was seen before.
    pub fn record(&mut self, seq: u64) -> bool {
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        if word >= self.seen.len() {
            self.seen.resize(word + 1, 0);
        }
        if self.seen[word] & (1 << bit) != 0 {
            self.duplicates += 1;
            return false;
        }
        self.seen[word] |= 1 << bit;
        self.unique += 1;
        if seq + 1 < self.next {
            self.out_of_order += 1;
        }
        self.next = self.next.max(seq + 1);
        true
    }

    /// One past the highest sequence number seen.
    pub fn max_seen(&self) -> u64 {
        self.next
    }

    /// Fold another member of a shared-subscription group into this one: a
    /// message both received is a duplicate (it should reach exactly one).
    pub fn merge(&mut self, other: &SeqTrack) {
        if other.seen.len() > self.seen.len() {
            self.seen.resize(other.seen.len(), 0);
        }
        let mut both = 0;
        for (mine, theirs) in self.seen.iter_mut().zip(&other.seen) {
            both += u64::from((*mine & theirs).count_ones());
            *mine |= theirs;
        }
        self.unique = self.unique + other.unique - both;
        self.duplicates += other.duplicates + both;
        self.out_of_order += other.out_of_order;
        self.next = self.next.max(other.next);
    }
}

/// Sequence tracking of one receiver, per publisher id.
pub type Tracker = HashMap<u32, SeqTrack>;

/// One second of the run, as one task saw it.
#[derive(Debug, Clone, Default)]
pub struct Bucket {
    pub sent: u64,
    pub acked: u64,
    pub received: u64,
    pub bytes: u64,
    pub e2e: Hist,
    /// Connections lost, and connections made again.
    pub disconnects: u64,
    pub reconnects: u64,
}

impl Bucket {
    pub fn add(&mut self, o: &Bucket) {
        self.sent += o.sent;
        self.acked += o.acked;
        self.received += o.received;
        self.bytes += o.bytes;
        self.e2e.add(&o.e2e);
        self.disconnects += o.disconnects;
        self.reconnects += o.reconnects;
    }

    pub fn is_empty(&self) -> bool {
        self.sent + self.acked + self.received + self.disconnects + self.reconnects == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_count_duplicates_and_reordering() {
        let mut t = SeqTrack::default();
        for s in [0, 1, 3, 2, 3, 200] {
            t.record(s);
        }
        assert_eq!((t.unique, t.duplicates, t.out_of_order, t.max_seen()), (5, 1, 1, 201));
    }

    #[test]
    fn group_members_receiving_the_same_message_count_as_duplicates() {
        let (mut a, mut b) = (SeqTrack::default(), SeqTrack::default());
        for s in [0, 2, 4] {
            a.record(s);
        }
        for s in [1, 2, 3, 100] {
            b.record(s);
        }
        a.merge(&b);
        assert_eq!((a.unique, a.duplicates, a.max_seen()), (6, 1, 101));
    }

    #[test]
    fn histograms_survive_encoding() {
        let mut h = Hist::default();
        for v in 1..=1000 {
            h.record(v * 10);
        }
        let back = Hist::decode(&h.encode()).unwrap();
        assert_eq!(back.summary(), h.summary());
        assert_eq!(h.summary().p50_us, 5003);
    }
}
