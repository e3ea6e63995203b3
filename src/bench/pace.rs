//! The publishers' pacing clock: a periodic timerfd per paced publisher,
//! which the runtime's epoll watches like a socket.
//!
//! tokio's timer counts whole milliseconds: a publisher that sleeps until
//! its next send time wakes up to a millisecond late (0.5–1 ms on average),
//! and that lag is added to every latency the run measures. A timerfd
//! expires to the microsecond, and a periodic one needs no re-arming: one
//! read per send, the same number of wake-ups as a sleep per message.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::time::Duration;

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

/// Ticks at `first`, `first + interval`, `first + 2 × interval`, ...
pub struct Ticker {
    /// The timerfd (non-blocking): a read takes the expirations so far.
    fd: AsyncFd<File>,
}

impl Ticker {
    pub fn new(first: Instant, interval: Duration) -> io::Result<Ticker> {
        let fd = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // Relative to now: tokio's Instant has no clock reading to give the
        // kernel, but both count CLOCK_MONOTONIC.
        let delay = first
            .saturating_duration_since(Instant::now())
            .max(Duration::from_nanos(1));
        fd.set(
            Expiration::IntervalDelayed(TimeSpec::from_duration(delay), TimeSpec::from_duration(interval)),
            TimerSetTimeFlags::empty(),
        )?;
        let file = File::from(OwnedFd::from(fd));
        // `with_interest` is deprecated because a generic `T` may change its
        // raw fd; a `File` cannot, so this use is sound (and needs no `unsafe`).
        #[allow(deprecated)]
        let fd = AsyncFd::with_interest(file, Interest::READABLE)?;
        Ok(Ticker { fd })
    }

    /// Wait until `at` (one of the ticks, or later). Ticks missed while the
    /// publisher was busy are not waited for again.
    pub async fn until(&self, at: Instant) -> io::Result<()> {
        while Instant::now() < at {
            let mut ready = self.fd.readable().await?;
            match ready.try_io(|fd| fd.get_ref().read(&mut [0u8; 8])) {
                Ok(result) => drop(result?),
                // Not expired after all (read again when it is).
                Err(_would_block) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_come_on_time() {
        let rt = crate::runtime(1).unwrap();
        rt.block_on(async {
            let interval = Duration::from_micros(500);
            let first = Instant::now() + Duration::from_millis(2);
            let t = Ticker::new(first, interval).unwrap();
            for k in 0..20u32 {
                let at = first + interval * k;
                t.until(at).await.unwrap();
                // Never early; how late is for the benchmarks to say.
                assert!(Instant::now() >= at);
            }
        });
    }
}
