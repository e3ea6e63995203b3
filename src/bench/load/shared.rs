//! State the clients of one run share: live counters for the progress line,
//! the per-second series, the handshake limiter, and the ready count.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

use crate::bench::stats::{Bucket, Hist};

/// Connections being opened at once: more only fill the broker's accept
/// backlog, and SYN retransmits would then count as connect latency.
pub const HANDSHAKES: usize = 64;

/// Counters read by the progress line (exact totals come from the clients).
#[derive(Debug, Default)]
pub struct Live {
    pub connected: AtomicU64,
    pub failed: AtomicU64,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub received: AtomicU64,
    pub unique: AtomicU64,
    pub disconnects: AtomicU64,
}

#[derive(Debug)]
pub struct Shared {
    pub live: Live,
    pub series: Mutex<BTreeMap<u64, Bucket>>,
    /// The values clients handed over ([`Shared::absorb`]), by histogram.
    pub hists: Mutex<BTreeMap<&'static str, Hist>>,
    pub handshakes: Semaphore,
    pub ready: Notify,
    stopping: AtomicBool,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            live: Live::default(),
            series: Mutex::default(),
            hists: Mutex::default(),
            handshakes: Semaphore::new(HANDSHAKES),
            ready: Notify::new(),
            stopping: AtomicBool::new(false),
        }
    }
}

impl Shared {
    pub fn client_ready(&self) {
        self.live.connected.fetch_add(1, Relaxed);
        self.ready.notify_one();
    }

    pub fn client_failed(&self) {
        self.live.failed.fetch_add(1, Relaxed);
        self.ready.notify_one();
    }

    /// Clients that finished connecting, either way.
    pub fn settled(&self) -> u64 {
        self.live.connected.load(Relaxed) + self.live.failed.load(Relaxed)
    }

    /// Tell publishers to stop their schedules (a signal, or --count reached).
    pub fn stop(&self) {
        self.stopping.store(true, Relaxed);
    }

    /// Move a client's values of histogram `name` into the run's: a client
    /// keeps a short list at most ([`Hist`]).
    pub fn absorb(&self, name: &'static str, h: &mut Hist) {
        let values = std::mem::take(h);
        let mut hists = self.hists.lock().expect("no panics while holding the lock");
        hists.entry(name).or_default().add(&values);
    }

    /// Add what clients handed over to `into` (and forget it here).
    pub fn drain_hists_into(&self, into: &mut BTreeMap<String, Hist>) {
        let handed = std::mem::take(&mut *self.hists.lock().expect("no panics while holding the lock"));
        for (name, h) in handed {
            into.entry(name.to_string()).or_default().add(&h);
        }
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Relaxed)
    }
}

/// A task's view of the current second: counts locally, hands the second to
/// the shared series when the next one begins.
#[derive(Debug)]
pub struct Seconds {
    t0: Instant,
    current: u64,
    bucket: Bucket,
    shared: Arc<Shared>,
}

impl Seconds {
    pub fn new(t0: Instant, shared: Arc<Shared>) -> Seconds {
        Seconds {
            t0,
            current: 0,
            bucket: Bucket::default(),
            shared,
        }
    }

    pub fn t0(&self) -> Instant {
        self.t0
    }

    /// The bucket of the second `at` falls in.
    pub fn bucket(&mut self, at: Instant) -> &mut Bucket {
        let second = at.saturating_duration_since(self.t0).as_secs();
        if second != self.current {
            self.flush();
            self.current = second;
        }
        &mut self.bucket
    }

    /// Hand the second over early when its latencies fill their list.
    pub fn flush_if_due(&mut self) {
        if self.bucket.e2e.is_due() {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        let b = std::mem::take(&mut self.bucket);
        if !b.is_empty() {
            let mut series = self.shared.series.lock().expect("no panics while holding the lock");
            series.entry(self.current).or_default().add(&b);
        }
    }
}

/// Wait until `n` clients settled (each connect attempt ends by itself:
/// CONNACK, refusal or the connection timeout).
pub async fn wait_settled(shared: &Shared, n: u64) {
    while shared.settled() < n {
        // A notification may have been missed between the check and the
        // wait; look again at least every 100 ms.
        let _ = tokio::time::timeout(Duration::from_millis(100), shared.ready.notified()).await;
    }
}
