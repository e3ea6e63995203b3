//! The one reconnect schedule: pauses growing from `first` to `max`,
//! doubling after each failure, with a random spread so clients dropped
//! together do not come back together. Used for `--connect-retry` (no
//! spread: a lone client), mqtt-sub's reconnects, and mqtt-bench's herd
//! (full spread, seeded so a run can be repeated).

use std::time::Duration;

/// How much of each pause is random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Exactly the schedule.
    None,
    /// ±25 % around it.
    Quarter,
    /// Anywhere below it ("full jitter").
    Full,
}

/// Pauses between attempts.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
    spread: Spread,
    rng: fastrand::Rng,
}

impl Backoff {
    /// `rng`: a seeded one for reproducible runs, else `fastrand::Rng::new()`.
    pub fn new(first: Duration, max: Duration, spread: Spread, rng: fastrand::Rng) -> Backoff {
        Backoff {
            first,
            max,
            next: first,
            spread,
            rng,
        }
    }

    /// The pause before the next attempt; each call doubles the schedule.
    pub fn next_pause(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        match self.spread {
            Spread::None => d,
            Spread::Quarter => d.mul_f64(0.75 + self.rng.f64() / 2.0),
            Spread::Full => Duration::from_nanos(self.rng.u64(0..(d.as_nanos() as u64).max(1))),
        }
    }

    /// A success: start again from the first pause.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_maximum_within_its_spread() {
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(50), ms(200), Spread::None, fastrand::Rng::with_seed(1));
        let plain: Vec<Duration> = (0..4).map(|_| b.next_pause()).collect();
        assert_eq!(plain, [ms(50), ms(100), ms(200), ms(200)]);
        b.reset();
        assert_eq!(b.next_pause(), ms(50));
        let mut q = Backoff::new(ms(100), ms(100), Spread::Quarter, fastrand::Rng::with_seed(2));
        let mut f = Backoff::new(ms(100), ms(100), Spread::Full, fastrand::Rng::with_seed(3));
        for _ in 0..100 {
            assert!((ms(75)..=ms(125)).contains(&q.next_pause()));
            assert!(f.next_pause() < ms(100));
        }
    }
}
