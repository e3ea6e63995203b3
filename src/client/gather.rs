//! Fewer, larger writes for the lean connection at full speed.
//!
//! On loopback a write costs more than handling the messages it carries:
//! the kernel delivers it into the broker's socket and wakes the broker in
//! the writer's time. A subscriber that answers every PUBLISH with a write of
//! its own, and a publisher that refills its window one place at a time as
//! each PUBACK comes, spend most of their CPU in those writes. So both wait
//! a little for company: a subscriber's acknowledgements go several to a
//! write, and a full window takes new publishes once a quarter of it is
//! free. Neither ever waits for long, nor while anything else is to be
//! written.
//!
//! A peer may give nothing more until it has our answer — a broker with a
//! window of its own smaller than the wait, or one whose acknowledgements
//! sit in its socket (Nagle's algorithm) until our next packet acknowledges
//! its last. A wait that ran out of time shows how many the peer gives
//! without an answer; later waits stop at that many, and grow back by one
//! after a run of waits that filled up.

use std::time::Duration;

use tokio::time::Instant;

/// The longest wait (tokio's timer: it goes off within the next millisecond).
pub const WAIT: Duration = Duration::from_millis(1);
/// Waits that filled up in a row before the target grows by one.
const RISE: u16 = 64;

/// Waiting for `target` things to go together (at most [`WAIT`]).
#[derive(Debug, Clone)]
pub struct Gather {
    /// When this wait began (`None`: not waiting).
    since: Option<Instant>,
    target: u16,
    most: u16,
    filled: u16,
}

impl Gather {
    pub fn new(most: u16) -> Gather {
        let most = most.max(1);
        Gather {
            since: None,
            target: most,
            most,
            filled: 0,
        }
    }

    /// A new upper bound (a window's size known after CONNACK); what was
    /// learnt stays within it.
    pub fn set_most(&mut self, most: u16) {
        self.most = most.max(1);
        self.target = self.target.min(self.most);
    }

    /// Start waiting, unless waiting already.
    pub fn start(&mut self, now: Instant) {
        self.since.get_or_insert(now);
    }

    pub fn waiting(&self) -> bool {
        self.since.is_some()
    }

    /// When the wait ends at the latest.
    pub fn until(&self) -> Option<Instant> {
        self.since.map(|t| t + WAIT)
    }

    /// Whether to wait for more, with `have` gathered.
    pub fn waits(&self, have: u16, now: Instant) -> bool {
        have < self.target && self.until().is_some_and(|t| now < t)
    }

    /// The wait ends with `have` gathered: learn from it.
    pub fn end(&mut self, have: u16, now: Instant) {
        if let Some(until) = self.until() {
            if have >= self.target {
                self.filled += 1;
                if self.filled >= RISE {
                    self.target = (self.target + 1).min(self.most);
                    self.filled = 0;
                }
            } else if now >= until {
                self.target = have.max(1);
                self.filled = 0;
            }
        }
        self.since = None;
    }

    /// Forget the current wait (nothing learnt).
    pub fn cancel(&mut self) {
        self.since = None;
    }
}

/// A subscriber's acknowledgements of the broker's messages, waiting in the
/// write buffer for company.
#[derive(Debug, Clone)]
pub struct AckHold {
    /// Their bytes: the whole write buffer while they wait (a buffer of
    /// another length holds something that must go now).
    bytes: usize,
    count: u16,
    gather: Gather,
}

/// Acknowledgements written together at most.
const ACKS_MOST: u16 = 8;

impl AckHold {
    pub fn new() -> AckHold {
        AckHold {
            bytes: 0,
            count: 0,
            gather: Gather::new(ACKS_MOST),
        }
    }

    /// An acknowledgement was appended to the write buffer, which grew from
    /// `from` to `to` bytes. Only one appended to an empty buffer starts a
    /// hold.
    pub fn add(&mut self, from: usize, to: usize, now: Instant) {
        if !self.gather.waiting() && from > 0 {
            return;
        }
        self.gather.start(now);
        self.bytes += to - from;
        self.count = self.count.saturating_add(1);
    }

    pub fn until(&self) -> Option<Instant> {
        self.gather.until()
    }

    /// Whether a write buffer of `len` bytes may wait for more.
    pub fn waits(&self, len: usize, now: Instant) -> bool {
        len > 0 && len == self.bytes && self.gather.waits(self.count, now)
    }

    /// The write buffer, `len` bytes, is being written: learn from the
    /// hold (when it held the buffer alone), and start afresh.
    pub fn flushing(&mut self, len: usize, now: Instant) {
        if len == self.bytes {
            self.gather.end(self.count, now);
        }
        self.clear();
    }

    /// Nothing is held any more (a new connection's empty buffer); nothing
    /// learnt.
    pub fn clear(&mut self) {
        self.gather.cancel();
        self.bytes = 0;
        self.count = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gathering_waits_for_its_target_or_its_time() {
        let t0 = Instant::now();
        let mut g = Gather::new(8);
        assert!(!g.waits(0, t0), "not waiting before it starts");
        g.start(t0);
        assert!(g.waits(3, t0));
        assert!(!g.waits(8, t0), "the target reached");
        assert!(!g.waits(3, t0 + WAIT), "the time is up");
    }

    #[test]
    fn a_wait_that_ran_out_learns_what_the_peer_gives_and_grows_back() {
        let t0 = Instant::now();
        let mut g = Gather::new(8);
        g.start(t0);
        g.end(3, t0 + WAIT);
        assert_eq!(g.target, 3);
        // Ended early for another reason (not the time): nothing learnt.
        g.start(t0);
        g.end(1, t0);
        assert_eq!(g.target, 3);
        for _ in 0..RISE {
            g.start(t0);
            g.end(3, t0);
        }
        assert_eq!(g.target, 4);
        // Never beyond the most, nor below one.
        g.set_most(2);
        assert_eq!(g.target, 2);
        g.start(t0);
        g.end(0, t0 + WAIT);
        assert_eq!(g.target, 1);
    }

    #[test]
    fn acknowledgements_wait_only_while_they_are_all_the_buffer_holds() {
        let t0 = Instant::now();
        let mut h = AckHold::new();
        h.add(0, 2, t0);
        h.add(2, 4, t0);
        assert!(h.waits(4, t0));
        assert!(!h.waits(30, t0), "something else was appended");
        assert!(!h.waits(4, t0 + WAIT));
        h.flushing(4, t0 + WAIT);
        assert_eq!(h.gather.target, 2, "the broker gave two without an answer");
        // An acknowledgement after other bytes starts no hold.
        h.add(26, 30, t0);
        assert!(!h.waits(30, t0));
        assert!(!h.waits(4, t0));
    }
}
