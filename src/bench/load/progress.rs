//! Live progress on stderr while mqtt-bench runs.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::plan::Plan;
use super::shared::Shared;

/// Live progress on stderr: a spinner line on a terminal, otherwise one
/// plain line a second (none with --quiet).
pub struct Progress {
    t0: Arc<std::sync::Mutex<Option<Instant>>>,
    task: JoinHandle<()>,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn start(plan: Arc<Plan>, shared: Arc<Shared>) -> Progress {
        let quiet = crate::exit::quiet();
        let t0: Arc<std::sync::Mutex<Option<Instant>>> = Arc::default();
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        let (bar2, t02) = (bar.clone(), t0.clone());
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut last = (0u64, 0u64);
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            loop {
                tick.tick().await;
                let l = &shared.live;
                let (sent, received) = (l.sent.load(Relaxed), l.received.load(Relaxed));
                let line = match *t02.lock().expect("no panics while holding the lock") {
                    None => format!(
                        "{:>5.1}s connecting: {} connected, {} failed of {}",
                        started.elapsed().as_secs_f64(),
                        l.connected.load(Relaxed),
                        l.failed.load(Relaxed),
                        plan.settings.load.clients()
                    ),
                    Some(t0) => format!(
                        "{:>5.1}s sent {} ({}/s), acked {}, received {} ({}/s), disconnects {}",
                        Instant::now().saturating_duration_since(t0).as_secs_f64(),
                        sent,
                        sent - last.0,
                        l.acked.load(Relaxed),
                        received,
                        received - last.1,
                        l.disconnects.load(Relaxed)
                    ),
                };
                last = (sent, received);
                match &bar2 {
                    Some(b) => b.set_message(line),
                    None if !quiet => crate::exit::eprint_line(format_args!("{line}")),
                    None => {}
                }
            }
        });
        Progress { t0, task, bar }
    }

    pub fn running(&self, t0: Instant) {
        *self.t0.lock().expect("no panics while holding the lock") = Some(t0);
    }

    pub fn finish(self) {
        self.task.abort();
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
