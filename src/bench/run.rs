//! The coordinator: opens every connection (at --conn-rate), starts all
//! clients on one instant, ends the run (duration, count, all delivered or
//! --drain over, Ctrl-C), collects the clients' outcomes into the report,
//! and shows progress on stderr meanwhile.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};

use super::client::{self, Outcome, Phase};
use super::plan::{Plan, Role};
use super::report::{self, Connections, Delivery, Generator, GroupRecord, Publish, PublisherRecord, Report, round3};
use super::shared::{Shared, wait_settled};
use super::stats::{Hist, SeqTrack};
use super::sys;
use crate::exit::Program;
use crate::mqtt::QoS;
use crate::settings::{BenchSettings, Endpoint, Kind, Pacing};
use crate::signals::Signals;

/// Run the scenario and build its report (verdicts are added by the caller).
pub async fn run(settings: BenchSettings, program: &Program) -> anyhow::Result<Report> {
    let quiet = settings.conn.quiet;
    let plan = Arc::new(Plan::new(settings));
    let shared = Arc::new(Shared::default());
    let mut clients: Vec<(Role, u32)> = Vec::new();
    for role in [Role::Subscriber, Role::Holder, Role::Publisher] {
        clients.extend(plan.indexes(role).map(|i| (role, i)));
    }
    let mut warnings = Vec::new();
    let (nofile, warn) = sys::raise_open_files(clients.len() as u64);
    if let Some(w) = warn {
        program.diag(quiet, format_args!("Warning: {w}."));
        warnings.push(w);
    }
    let started_wall = chrono::Local::now();
    let cpu0 = sys::cpu_seconds();
    let rss0 = sys::rss();
    let progress = Progress::start(plan.clone(), shared.clone(), quiet);
    // Listening from the start: a signal between two phases is not lost.
    let mut signals = Signals::new()?;

    // Connect, paced.
    let (phase, rx) = watch::channel(Phase::Connecting);
    let connect_start = Instant::now();
    // Publishers apart: the run ends when they are done.
    let (mut publishers, mut others) = (Vec::new(), Vec::with_capacity(clients.len()));
    let mut interrupted = false;
    for (k, (role, index)) in clients.iter().copied().enumerate() {
        if let Some(rate) = plan.settings.conn_rate {
            let at = connect_start + Duration::from_secs_f64(k as f64 / rate);
            tokio::select! {
                () = sleep_until(at) => {}
                _ = signals.recv() => { interrupted = true; break; }
            }
        }
        let task = client::run(plan.clone(), role, index, shared.clone(), rx.clone());
        match role {
            Role::Publisher => publishers.push(tokio::spawn(task)),
            _ => others.push(tokio::spawn(task)),
        }
    }
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
    let mut outcomes = Vec::with_capacity(n as usize);
    for h in others.into_iter().chain(publishers) {
        outcomes.push(h.await?);
    }
    outcomes.extend(published);
    progress.finish();
    let ended_wall = chrono::Local::now();
    let window = match plan.settings.kind {
        Kind::Pub | Kind::Pubsub => end_of_publishing.saturating_duration_since(measure_from),
        _ => Instant::now().saturating_duration_since(measure_from),
    };
    let window = match plan.settings.duration {
        Some(d) if !interrupted && plan.settings.count.is_none() => d,
        _ => window,
    };
    let mut r = build(&plan, &shared, outcomes, (measure_from, window), connect_phase);
    r.started = started_wall.to_rfc3339();
    r.ended = ended_wall.to_rfc3339();
    r.generator.cpu_s = ((sys::cpu_seconds() - cpu0) * 1000.0).round() / 1000.0;
    let per = if r.delivery.measured > 0 {
        r.delivery.measured
    } else {
        r.publish.measured
    };
    r.generator.cpu_us_per_message = report::per_message(r.generator.cpu_s, per);
    r.generator.max_rss_bytes = sys::max_rss();
    r.generator.open_files_limit = nofile;
    r.generator.rss_per_connection_bytes = rss_connected.saturating_sub(rss0).checked_div(connected).unwrap_or(0);
    if interrupted {
        warnings.push("interrupted: the run was cut short".into());
    }
    if let (Some(target), true) = (r.publish.target_rate, r.publish.measured > 0)
        && r.publish.offered_rate < 0.95 * target
    {
        warnings.push(format!(
            "offered {:.0} msg/s of the {target:.0} asked: the generator or the inflight window (-M) was the bottleneck, not only the broker",
            r.publish.offered_rate
        ));
    }
    warnings.extend(delivery_warnings(&r));
    r.warnings.extend(warnings);
    r.run_error = run_error(&r);
    Ok(r)
}

/// Wait until the run is over: (interrupted, the publishers' outcomes).
/// Publishers end by themselves (duration or count, then their
/// acknowledgements).
async fn wait_for_end(
    plan: &Plan,
    shared: &Shared,
    publishers: Vec<JoinHandle<Outcome>>,
    t0: Instant,
    end_of_publishing: &mut Instant,
    signals: &mut Signals,
) -> (bool, Vec<Outcome>) {
    let s = &plan.settings;
    let end = s.duration.map(|d| t0 + s.warmup + d);
    let signal = signals.recv();
    tokio::pin!(signal);
    let mut interrupted = false;
    if s.kind == Kind::Pub || s.kind == Kind::Pubsub {
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
            published.push(r.unwrap_or_else(|_| Outcome {
                role: Some(Role::Publisher),
                ..Outcome::default()
            }));
        }
        *end_of_publishing = Instant::now();
        if s.kind == Kind::Pubsub {
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

/// Messages the subscribers should receive, from what publishers published.
fn expected_now(plan: &Plan, published: &[Outcome]) -> u64 {
    let publishers: Vec<PublisherRecord> = plan
        .indexes(Role::Publisher)
        .zip(published)
        .map(|(i, o)| PublisherRecord {
            id: plan.publisher_id(i),
            topic: plan.topic_for(i),
            published: o.published,
        })
        .collect();
    report::account(&publishers, &groups(plan, &[])).expected
}

/// The receiving units: one per subscriber, one per $share group.
fn groups(plan: &Plan, subscribers: &[(u32, &BTreeMap<u32, SeqTrack>)]) -> Vec<GroupRecord> {
    let mut out: Vec<GroupRecord> = Vec::new();
    let mut shared_at: BTreeMap<String, usize> = BTreeMap::new();
    let mut tracks: Vec<BTreeMap<u32, SeqTrack>> = Vec::new();
    for i in plan.indexes(Role::Subscriber) {
        let filter = plan.filter_for(i);
        let mine = subscribers.iter().find(|(j, _)| *j == i).map(|(_, t)| *t);
        let slot = match shared_at.get(&filter) {
            Some(&g) if filter.starts_with("$share/") => g,
            _ => {
                if filter.starts_with("$share/") {
                    shared_at.insert(filter.clone(), out.len());
                }
                out.push(GroupRecord {
                    filter,
                    members: 0,
                    from: BTreeMap::new(),
                });
                tracks.push(BTreeMap::new());
                out.len() - 1
            }
        };
        out[slot].members += 1;
        for (pid, t) in mine.into_iter().flatten() {
            tracks[slot].entry(*pid).or_default().merge(t);
        }
    }
    for (g, t) in out.iter_mut().zip(&tracks) {
        g.add_tracks(t);
    }
    out
}

/// Add the clients' outcomes up.
/// Rates: offered over the publishing window; acknowledged and delivered
/// from the start of measuring to the last measured acknowledgement or
/// arrival in pubsub and pub (a backlog the broker drains after publishing
/// ended lowers them), over the whole window in sub.
fn build(
    plan: &Plan,
    shared: &Shared,
    outcomes: Vec<Outcome>,
    (measure_from, window): (Instant, Duration),
    connect_phase: Duration,
) -> Report {
    let s = &plan.settings;
    let secs = window.as_secs_f64().max(1e-9);
    let mut hists: BTreeMap<String, Hist> = BTreeMap::new();
    let mut c = Connections {
        attempted: outcomes.len() as u64,
        connect_phase_s: round3(connect_phase.as_secs_f64()),
        ..Connections::default()
    };
    let mut p = Publish {
        qos: s.qos as u8,
        ..Publish::default()
    };
    let mut d = Delivery::default();
    let mut publishers = Vec::new();
    let (pub_indexes, sub_indexes) = (plan.indexes(Role::Publisher), plan.indexes(Role::Subscriber));
    let (mut next_pub, mut next_sub) = (pub_indexes.start, sub_indexes.start);
    let mut trackers: Vec<(u32, BTreeMap<u32, SeqTrack>)> = Vec::new();
    let (mut last_acked, mut last_received, mut bytes, mut measured_acked) = (None, None, 0u64, 0u64);
    for o in outcomes {
        if o.connected {
            c.succeeded += 1;
        } else {
            c.failed += 1;
            *c.errors.entry(o.connect_error.clone().unwrap_or_default()).or_default() += 1;
        }
        for (name, h) in [
            ("connect", &o.connect),
            ("suback", &o.suback),
            ("puback", &o.puback),
            ("pubrec", &o.pubrec),
            ("pubcomp", &o.pubcomp),
            ("e2e", &o.e2e),
            ("service", &o.service),
            ("lag", &o.lag),
        ] {
            if !h.is_empty() {
                hists.entry(name.to_string()).or_default().add(h);
            }
        }
        add(&mut c.suback_errors, &o.suback_errors);
        add(&mut c.disconnects, &o.disconnects);
        c.reconnects += o.reconnects;
        match o.role {
            Some(Role::Publisher) => {
                let i = next_pub;
                next_pub += 1;
                publishers.push(PublisherRecord {
                    id: plan.publisher_id(i),
                    topic: plan.topic_for(i),
                    published: o.published,
                });
                p.published += o.published;
                p.measured += o.measured_published;
                p.acked += o.acked;
                measured_acked += o.measured_acked;
                p.late += o.late;
                p.no_subscribers += o.no_subscribers;
                add(&mut p.refused, &o.refused);
                last_acked = last_acked.max(o.last_acked);
            }
            Some(Role::Subscriber) => {
                let i = next_sub;
                next_sub += 1;
                d.received += o.received;
                d.foreign += o.foreign;
                d.measured += o.measured_received;
                bytes += o.bytes;
                last_received = last_received.max(o.last_received);
                trackers.push((i, o.tracker.into_iter().collect()));
            }
            _ => {}
        }
    }
    c.connect_rate = round3(c.succeeded as f64 / connect_phase.as_secs_f64().max(1e-9));
    p.offered_rate = round3(p.measured as f64 / secs);
    let until = |last: Option<Instant>| match s.kind {
        Kind::Sub | Kind::Conn => secs,
        _ => last.map_or(secs, |l| {
            l.saturating_duration_since(measure_from).as_secs_f64().max(secs)
        }),
    };
    p.acked_rate = round3(measured_acked as f64 / until(last_acked));
    let rx_secs = until(last_received);
    if s.qos == QoS::AtMostOnce {
        p.acked = 0;
        p.acked_rate = 0.0;
    }
    let local_pubs = f64::from(pub_indexes.len() as u32) / f64::from(s.publishers.max(1));
    p.target_rate = match s.pacing {
        Pacing::Unlimited => None,
        Pacing::Aggregate(r) => Some(round3(r * local_pubs)),
        Pacing::Interval(i) => Some(round3(pub_indexes.len() as f64 / i.as_secs_f64())),
    };
    let subs: Vec<(u32, &BTreeMap<u32, SeqTrack>)> = trackers.iter().map(|(i, t)| (*i, t)).collect();
    let groups = groups(plan, &subs);
    let accounted = report::account(&publishers, &groups);
    let delivery = Delivery {
        received: d.received,
        foreign: d.foreign,
        measured: d.measured,
        delivered_rate: round3(d.measured as f64 / rx_secs),
        bytes_rate: round3(bytes as f64 / rx_secs),
        ..accounted
    };
    let (latency, histograms) = report::histograms(&hists);
    let series = std::mem::take(&mut *shared.series.lock().expect("no panics while holding the lock"));
    let series = series
        .into_iter()
        .map(|(t, b)| report::second(t, b.sent, b.acked, b.received, b.bytes, &b.e2e))
        .collect();
    Report {
        schema: report::SCHEMA,
        tool: format!("mqtt-bench {}", env!("CARGO_PKG_VERSION")),
        scenario: s.kind,
        config: config(s),
        started: String::new(),
        ended: String::new(),
        shards: vec![s.shard.0],
        shard_count: s.shard.1,
        window_s: round3(window.as_secs_f64()),
        connections: c,
        publish: p,
        delivery,
        latency,
        histograms,
        series,
        publishers,
        groups,
        generator: Generator {
            cpus: sys::cpus(),
            ..Generator::default()
        },
        warnings: Vec::new(),
        run_error: None,
        verdicts: Vec::new(),
        outcome: String::new(),
    }
}

fn add(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

/// Loss, duplicates and unacknowledged publishes are never only a number.
fn delivery_warnings(r: &Report) -> Vec<String> {
    let (p, d, c) = (&r.publish, &r.delivery, &r.connections);
    let mut w = Vec::new();
    if d.lost > 0 {
        w.push(format!("{} of {} expected messages were lost", d.lost, d.expected));
    }
    if d.duplicated > 0 {
        let qos2 = if p.qos == 2 || r.config["qos"] == 2 {
            " (at QoS 2: exactly once was broken)"
        } else {
            ""
        };
        w.push(format!("{} messages arrived more than once{qos2}", d.duplicated));
    }
    if p.qos > 0 && p.acked < p.published {
        w.push(format!(
            "{} of {} publishes were never acknowledged",
            p.published - p.acked,
            p.published
        ));
    }
    let dropped: u64 = c.disconnects.values().sum();
    if dropped > 0 {
        w.push(format!("{dropped} unexpected disconnects, {} reconnects", c.reconnects));
    }
    w
}

/// Why the run itself failed (exit 3), if it did: a client could not
/// connect or subscribe, or nothing was published or delivered.
fn run_error(r: &Report) -> Option<String> {
    let c = &r.connections;
    if c.attempted > 0 && c.succeeded == 0 {
        let why = c.errors.keys().next().cloned().unwrap_or_default();
        return Some(format!("no client could connect ({why})"));
    }
    if c.failed > 0 {
        return Some(format!("{} of {} clients could not connect", c.failed, c.attempted));
    }
    if !c.suback_errors.is_empty() {
        let n: u64 = c.suback_errors.values().sum();
        return Some(format!("{n} subscriptions failed"));
    }
    let p = &r.publish;
    let d = &r.delivery;
    match r.scenario {
        Kind::Pub | Kind::Pubsub if p.published == 0 => Some("nothing was published".into()),
        Kind::Pub if p.qos > 0 && p.acked == 0 => Some("no publish was acknowledged".into()),
        Kind::Sub if d.received == 0 => Some("nothing was received".into()),
        Kind::Pubsub if d.unique == 0 => Some("nothing was delivered to the subscribers".into()),
        _ => None,
    }
}

/// The resolved configuration, every default explicit, the password redacted.
fn config(s: &BenchSettings) -> serde_json::Value {
    let c = &s.conn;
    let broker = match &c.endpoint {
        Endpoint::Tcp { host, port } => {
            let scheme = match (c.tls.is_some(), c.websocket.is_some()) {
                (false, false) => "mqtt",
                (true, false) => "mqtts",
                (false, true) => "ws",
                (true, true) => "wss",
            };
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            format!("{scheme}://{host}:{port}{}", c.websocket.as_deref().unwrap_or(""))
        }
        Endpoint::Unix(p) => format!("unix:{}", p.display()),
    };
    let (pacing, rate, interval_ms) = match s.pacing {
        Pacing::Unlimited => ("unlimited", None, None),
        Pacing::Aggregate(r) => ("aggregate", Some(r), None),
        Pacing::Interval(i) => ("interval", None, Some(i.as_secs_f64() * 1000.0)),
    };
    serde_json::json!({
        "broker": broker,
        "protocol": match c.protocol {
            crate::mqtt::Protocol::V5 => 5,
            crate::mqtt::Protocol::V311 => 4,
            crate::mqtt::Protocol::V31 => 3,
        },
        "tls": c.tls.is_some(),
        "username": c.credentials.username,
        "password": c.credentials.password.as_ref().map(|_| "<redacted>"),
        "id_prefix": s.id_prefix,
        "keepalive_s": c.keepalive,
        "clean_session": c.clean,
        "inflight": c.max_inflight,
        "publishers": s.publishers,
        "subscribers": if s.kind == Kind::Conn { 0 } else { s.subscribers },
        "connections": if s.kind == Kind::Conn { s.subscribers } else { s.publishers + s.subscribers },
        "conn_rate": s.conn_rate,
        "topic": s.topic,
        "filter": s.filter,
        "qos": s.qos as u8,
        "retain": s.retain,
        "payload_bytes": s.size,
        "pacing": pacing,
        "rate": rate,
        "interval_ms": interval_ms,
        "count": s.count,
        "duration_s": s.duration.map(|d| d.as_secs_f64()),
        "warmup_s": s.warmup.as_secs_f64(),
        "drain_s": s.drain.as_secs_f64(),
        "seed": s.seed,
        "shard": format!("{}/{}", s.shard.0, s.shard.1),
    })
}

/// Live progress on stderr: a spinner line on a terminal, otherwise one
/// plain line a second (none with --quiet).
struct Progress {
    t0: Arc<std::sync::Mutex<Option<Instant>>>,
    task: JoinHandle<()>,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn start(plan: Arc<Plan>, shared: Arc<Shared>, quiet: bool) -> Progress {
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
                        plan.settings.publishers + plan.settings.subscribers
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

    fn running(&self, t0: Instant) {
        *self.t0.lock().expect("no panics while holding the lock") = Some(t0);
    }

    fn finish(self) {
        self.task.abort();
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
