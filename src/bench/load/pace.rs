//! The publishers' pacing clock: a timerfd per paced publisher, which the
//! runtime's epoll watches like a socket, set to go off a little before
//! each send time; the rest of the wait is a short spin.
//!
//! tokio's timer counts whole milliseconds: a publisher that sleeps until
//! its next send time wakes up to a millisecond late (0.5–1 ms on average),
//! and that lag is added to every latency the run measures. A timerfd
//! expires to the microsecond, but the process still runs some tens of
//! microseconds after it (the interrupt, the scheduler; more on a virtual
//! machine). The ticker learns the low end of that delay and asks to be
//! woken that much early: most wake-ups still come a little after the send
//! time, the few early ones spin for the microseconds left. The same one
//! wake-up per message as a plain sleep.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Duration;

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

/// The most a wake-up is asked early: a spin never lasts longer.
const MOST_EARLY: Duration = Duration::from_micros(50);
/// The delay estimate falls by this fraction of the gap to a shorter
/// wake-up delay and rises by the other towards a longer one: it settles
/// near the shortest delays (a slow turn of the runtime, when other tasks
/// ran first, moves it little), so few wake-ups come early and spin.
const FALL: u32 = 2;
const RISE: u32 = 32;

/// A timerfd that `AsyncFd` can watch.
struct Timer(TimerFd);

impl AsRawFd for Timer {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// Waits until a given instant, to a few microseconds.
pub struct Ticker {
    fd: AsyncFd<Timer>,
    /// How late the process runs after its timer expires (learnt).
    delay: Duration,
}

impl Ticker {
    pub fn new() -> io::Result<Ticker> {
        let fd = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // `with_interest` is deprecated because a generic `T` may change its
        // raw fd; a `Timer` cannot, so this use is sound.
        #[allow(deprecated)]
        let fd = AsyncFd::with_interest(Timer(fd), Interest::READABLE)?;
        Ok(Ticker {
            fd,
            delay: Duration::ZERO,
        })
    }

    /// Wait until `at`; never returns before it. Returns at once when `at`
    /// has passed (a publisher behind its schedule does not wait).
    pub async fn until(&mut self, at: Instant) -> io::Result<()> {
        let now = Instant::now();
        if at <= now {
            return Ok(());
        }
        let wake = at - self.delay;
        if wake <= now {
            // Closer than a wake-up's delay: let the other tasks run once
            // rather than spin them out.
            tokio::task::yield_now().await;
        } else {
            // Relative to now: tokio's Instant has no clock reading to give
            // the kernel, but both count CLOCK_MONOTONIC.
            self.fd.get_ref().0.set(
                Expiration::OneShot(TimeSpec::from_duration(wake - now)),
                TimerSetTimeFlags::empty(),
            )?;
            loop {
                let mut ready = self.fd.readable().await?;
                match ready
                    .try_io(|fd| nix::unistd::read(fd.get_ref().0.as_fd(), &mut [0u8; 8]).map_err(io::Error::from))
                {
                    Ok(result) => {
                        result?;
                        // Expired once, read: the next wait starts unready
                        // (not with a read that finds nothing).
                        ready.clear_ready();
                        break;
                    }
                    // Not expired after all (read again when it is).
                    Err(_would_block) => {}
                }
            }
            self.learn(Instant::now().saturating_duration_since(wake));
        }
        // Woken early: the rest is shorter than the learnt delay.
        while Instant::now() < at {
            std::hint::spin_loop();
        }
        Ok(())
    }

    /// Move the delay estimate a step towards one measured wake-up delay.
    fn learn(&mut self, late: Duration) {
        let d = self.delay;
        let next = if late > d {
            d + (late - d) / RISE
        } else {
            d - (d - late) / FALL
        };
        self.delay = next.min(MOST_EARLY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_come_on_time_and_learn_the_wake_up_delay() {
        let rt = crate::runtime(1).unwrap();
        rt.block_on(async {
            let interval = Duration::from_micros(500);
            let first = Instant::now() + Duration::from_millis(2);
            let mut t = Ticker::new().unwrap();
            for k in 0..200u32 {
                let at = first + interval * k;
                t.until(at).await.unwrap();
                // Never early; how late is for the benchmarks to say.
                assert!(Instant::now() >= at);
            }
            // Wake-ups always come some time after the timer: the estimate
            // has moved off zero, and stays bounded.
            assert!(t.delay > Duration::ZERO);
            assert!(t.delay <= MOST_EARLY);
        });
    }

    #[test]
    fn a_passed_instant_does_not_wait() {
        let rt = crate::runtime(1).unwrap();
        rt.block_on(async {
            let mut t = Ticker::new().unwrap();
            let before = Instant::now();
            t.until(before - Duration::from_millis(5)).await.unwrap();
            t.until(before).await.unwrap();
            assert!(t.delay == Duration::ZERO, "no wake-up was learnt");
        });
    }
}
