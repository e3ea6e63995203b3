//! The coordinator: opens every connection (at --conn-rate), starts all
//! clients on one instant, ends the run (duration, count, all delivered or
//! --drain over, a signal) and collects the clients' outcomes. Adding them
//! up is `tally`, warnings and run failures `health`, the live line
//! `progress`.

pub(crate) mod client;
pub(crate) mod header;
pub(crate) mod pace;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod shared;
pub(crate) mod sparkplug;
pub(crate) mod sys;

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};

use crate::bench::report::Report;
use crate::bench::tally::{Facts, build, expected_now};
use crate::settings::{BenchSettings, Pacing, ScenarioKind};
use crate::signals::Signals;
use client::{ClientResult, Phase};
use plan::{Plan, Role};
use progress::Progress;
use shared::{Shared, wait_settled};

/// Run the scenario and build its report (verdicts are added by the caller).
pub async fn run(settings: BenchSettings) -> anyhow::Result<Report> {
    let plan = Arc::new(Plan::new(settings)?);
    let shared = Arc::new(Shared::default());
    let clients = clients(&plan);
    let (nofile, warnings) = open_files(&plan, clients.len());
    let started_wall = chrono::Local::now();
    let cpu0 = sys::cpu_seconds();
    let rss0 = sys::rss();
    let progress = Progress::start(plan.clone(), shared.clone());
    // Listening from the start: a signal between two phases is not lost.
    let mut signals = Signals::new()?;

    // Connect, paced.
    let (phase, rx) = watch::channel(Phase::Connecting);
    let connect_start = Instant::now();
    let (mut publishers, others, mut interrupted) = start_clients(&plan, &clients, &shared, &rx, &mut signals).await;
    let n = (publishers.len() + others.len()) as u64;
    tokio::select! {
        () = wait_settled(&shared, n) => {}
        _ = signals.recv() => interrupted = true,
    }
    let connect_phase = connect_start.elapsed();
    let rss_connected = sys::rss();
    let connected = shared.live.connected.load(Relaxed);

    // Run.
    let t0 = Instant::now() + Duration::from_millis(20);
    let measure_from = t0 + plan.settings.warmup;
    let mut end_of_publishing = measure_from;
    let mut published = Vec::new();
    if !interrupted && connected > 0 {
        let _ = phase.send(Phase::Run(t0));
        progress.running(t0);
        let publishing = std::mem::take(&mut publishers);
        (interrupted, published) =
            wait_for_end(&plan, &shared, publishing, t0, &mut end_of_publishing, &mut signals).await;
    }
    let _ = phase.send(Phase::Stop);
    let mut outcomes = collect(others.into_iter().chain(publishers)).await?;
    outcomes.extend(published);
    // Every client is done: the last second of the series ends here.
    let stopped = Instant::now();
    progress.finish();
    let ended_wall = chrono::Local::now();
    let window = measured_for(&plan, interrupted, measure_from, end_of_publishing);
    let facts = Facts {
        started: started_wall,
        ended: ended_wall,
        cpu0,
        rss0,
        rss_connected,
        connected,
        nofile,
        interrupted,
        t0,
        stopped,
    };
    let r = build(
        &plan,
        &shared,
        outcomes,
        (measure_from, window),
        connect_phase,
        &facts,
        warnings,
    );
    Ok(r)
}

/// Every client to start, subscribers first (so they are there before the
/// first message), publishers last.
fn clients(plan: &Plan) -> Vec<(Role, u32)> {
    let mut clients = Vec::new();
    for role in [Role::Subscriber, Role::Holder, Role::Publisher] {
        clients.extend(plan.indexes(role).map(|i| (role, i)));
    }
    clients
}

/// Raise the open-files limit for `clients` sockets (a paced publisher also
/// holds its pacing timer, a timerfd): the limit, and the warning when it
/// could not be raised enough (said at once and kept for the report).
fn open_files(plan: &Plan, clients: usize) -> (u64, Vec<String>) {
    let paced = match plan.settings.load.pacing() {
        Pacing::Unlimited => 0,
        _ => plan.indexes(Role::Publisher).len() as u64,
    };
    let (nofile, warn) = sys::raise_open_files(clients as u64, paced);
    let mut warnings = Vec::new();
    if let Some(w) = warn {
        crate::exit::diag(format_args!("Warning: {w}."));
        warnings.push(w);
    }
    (nofile, warnings)
}

/// How long the measured part lasted: `--duration` when it ran its course,
/// else until publishing ended (pub, pubsub) or until now.
fn measured_for(plan: &Plan, interrupted: bool, from: Instant, end_of_publishing: Instant) -> Duration {
    match plan.settings.duration {
        Some(d) if !interrupted && plan.settings.count.is_none() => d,
        _ => match plan.settings.kind() {
            ScenarioKind::Pub | ScenarioKind::Pubsub => end_of_publishing.saturating_duration_since(from),
            _ => Instant::now().saturating_duration_since(from),
        },
    }
}

/// Spawn every client, at `--conn-rate` if given: (publishers, the others,
/// interrupted). Publishers apart: the run ends when they are done.
async fn start_clients(
    plan: &Arc<Plan>,
    clients: &[(Role, u32)],
    shared: &Arc<Shared>,
    rx: &watch::Receiver<Phase>,
    signals: &mut Signals,
) -> (Vec<JoinHandle<ClientResult>>, Vec<JoinHandle<ClientResult>>, bool) {
    let start = Instant::now();
    let (mut publishers, mut others) = (Vec::new(), Vec::with_capacity(clients.len()));
    for (k, &(role, index)) in clients.iter().enumerate() {
        if let Some(rate) = plan.settings.conn_rate {
            let at = start + Duration::from_secs_f64(k as f64 / rate);
            tokio::select! {
                () = sleep_until(at) => {}
                _ = signals.recv() => return (publishers, others, true),
            }
        }
        let task = client::run(plan.clone(), role, index, shared.clone(), rx.clone());
        match role {
            Role::Publisher => publishers.push(tokio::spawn(task)),
            _ => others.push(tokio::spawn(task)),
        }
    }
    (publishers, others, false)
}

/// The clients' outcomes. A client task that died (a panic: a bug, not a
/// broker's doing) fails the run — an error without an exit code of its own,
/// so mqtt-bench exits 3, never 1 ("an assertion failed").
async fn collect(handles: impl IntoIterator<Item = JoinHandle<ClientResult>>) -> anyhow::Result<Vec<ClientResult>> {
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(h.await.map_err(|e| anyhow::anyhow!("a client task died: {e}"))?);
    }
    Ok(outcomes)
}

/// Wait until the run is over: (interrupted, the publishers' outcomes).
/// Publishers end by themselves (duration or count, then their
/// acknowledgements).
async fn wait_for_end(
    plan: &Plan,
    shared: &Shared,
    publishers: Vec<JoinHandle<ClientResult>>,
    t0: Instant,
    end_of_publishing: &mut Instant,
    signals: &mut Signals,
) -> (bool, Vec<ClientResult>) {
    let s = &plan.settings;
    let end = s.duration.map(|d| t0 + s.warmup + d);
    let signal = signals.recv();
    tokio::pin!(signal);
    let mut interrupted = false;
    if s.load.publishing().is_some() {
        let mut published = Vec::with_capacity(publishers.len());
        for mut h in publishers {
            // Ctrl-C stops the schedules; the publishers then settle (drain).
            let r = loop {
                tokio::select! {
                    r = &mut h => break r,
                    _ = &mut signal, if !interrupted => {
                        interrupted = true;
                        shared.stop();
                    }
                }
            };
            published.push(r.unwrap_or_else(|_| ClientResult {
                role: Some(Role::Publisher),
                ..ClientResult::default()
            }));
        }
        *end_of_publishing = Instant::now();
        if s.kind() == ScenarioKind::Pubsub {
            let expected = expected_now(plan, &published);
            let drain_end = Instant::now() + s.drain;
            while shared.live.unique.load(Relaxed) < expected && Instant::now() < drain_end && !interrupted {
                tokio::select! {
                    () = sleep(Duration::from_millis(10)) => {}
                    _ = &mut signal => interrupted = true,
                }
            }
        }
        return (interrupted, published);
    }
    // sub and conn: until the duration is over or (sub) --count arrived.
    loop {
        let arrived = shared.live.received.load(Relaxed);
        if s.count.is_some_and(|c| arrived >= c) || end.is_some_and(|e| Instant::now() >= e) {
            return (false, Vec::new());
        }
        tokio::select! {
            () = sleep(Duration::from_millis(10)) => {}
            _ = &mut signal => return (true, Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{self, Codes, Program};

    #[test]
    fn a_client_task_that_dies_fails_the_run_with_exit_3() {
        let rt = crate::runtime(1).unwrap();
        let err = rt
            .block_on(async {
                let fine = tokio::spawn(async { ClientResult::default() });
                let dies = tokio::spawn(async { panic!("a bug in a client task") });
                collect([fine, dies]).await
            })
            .unwrap_err();
        assert!(err.to_string().starts_with("a client task died"), "{err}");
        let program = Program {
            name: "mqtt-bench".into(),
        };
        assert_eq!(exit::report(&program, &err, Codes::Bench), 3);
    }
}
