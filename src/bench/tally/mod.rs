//! Adding the clients' outcomes up into a report: connections, publishing,
//! delivery accounting per subscriber or `$share` group, rates, histograms,
//! the per-second series.

pub(crate) mod health;
pub(crate) mod verdicts;

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::bench::load::client::ClientResult;
use crate::bench::load::plan::{Plan, Role};
use crate::bench::load::shared::Shared;
use crate::bench::load::sys;
use crate::bench::report::recorded::RunConfig;
use crate::bench::report::{
    self, ClientRecord, Connections, Delivery, Generator, GroupRecord, Publish, PublisherRecord, Report,
    SparkplugCounts, round3,
};
use crate::bench::stats::{Hist, SeqTrack};
use crate::client::target_of;
use crate::mqtt::QoS;
use crate::settings::{Pacing, ScenarioKind};
use health::{delivery_warnings, run_error};

/// Messages the subscribers should receive, from what publishers published.
pub fn expected_now(plan: &Plan, published: &[ClientResult]) -> u64 {
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

/// What the coordinator measured around the run, for the report.
pub struct Facts {
    pub started: chrono::DateTime<chrono::Local>,
    pub ended: chrono::DateTime<chrono::Local>,
    pub cpu0: f64,
    pub rss0: u64,
    pub rss_connected: u64,
    pub connected: u64,
    pub nofile: u64,
    pub interrupted: bool,
    /// The start of the run (second 0 of the series) and the moment every
    /// client was done (the end of its last second).
    pub t0: Instant,
    pub stopped: Instant,
}

/// The clients' outcomes, summed.
#[derive(Default)]
struct Sums {
    c: Connections,
    p: Publish,
    d: Delivery,
    hists: BTreeMap<String, Hist>,
    clients: Vec<ClientRecord>,
    /// When the first connection was lost and the last one came back.
    storm: (Option<Instant>, Option<Instant>),
    publishers: Vec<PublisherRecord>,
    trackers: Vec<(u32, BTreeMap<u32, SeqTrack>)>,
    last_acked: Option<Instant>,
    last_received: Option<Instant>,
    bytes: u64,
    measured_acked: u64,
    sparkplug: SparkplugCounts,
}

impl Sums {
    fn of(plan: &Plan, outcomes: Vec<ClientResult>) -> Sums {
        let mut sums = Sums {
            c: Connections {
                attempted: outcomes.len() as u64,
                ..Connections::default()
            },
            p: Publish {
                qos: plan.settings.load.qos().map_or(0, |q| q as u8),
                ..Publish::default()
            },
            ..Sums::default()
        };
        let (mut next_pub, mut next_sub) = (
            plan.indexes(Role::Publisher).start,
            plan.indexes(Role::Subscriber).start,
        );
        for mut o in outcomes {
            sums.connection(plan, &mut o);
            sums.sparkplug.add(&o.sparkplug);
            match o.role {
                Some(Role::Publisher) => {
                    sums.publisher(plan, next_pub, &o);
                    next_pub += 1;
                }
                Some(Role::Subscriber) => {
                    sums.subscriber(next_sub, o);
                    next_sub += 1;
                }
                _ => {}
            }
        }
        sums
    }

    fn connection(&mut self, plan: &Plan, o: &mut ClientResult) {
        let c = &mut self.c;
        if o.connected {
            c.succeeded += 1;
        } else {
            c.failed += 1;
            *c.errors.entry(o.connect_error.clone().unwrap_or_default()).or_default() += 1;
        }
        for (name, h) in o.hists_mut() {
            if !h.is_empty() {
                self.hists.entry(name.to_string()).or_default().add(h);
            }
        }
        add(&mut c.suback_errors, &o.suback_errors);
        add(&mut c.disconnects, &o.disconnects);
        c.reconnects += o.reconnects;
        c.reconnect_failures += o.reconnect_failures;
        c.still_down += u64::from(o.down_at_end);
        self.storm.0 = match (self.storm.0, o.first_lost) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.storm.1 = self.storm.1.max(o.last_back.filter(|_| o.first_lost.is_some()));
        let role = o.role.unwrap_or(Role::Holder);
        let host = plan.host_for(role, o.index);
        let broker = target_of(host.unwrap_or(&plan.settings.conn.endpoint));
        if host.is_some() {
            self.clients.push(ClientRecord {
                id: plan.client_id(role, o.index),
                broker: broker.clone(),
            });
        }
        let b = c.brokers.entry(broker).or_default();
        b.attempted += 1;
        b.succeeded += u64::from(o.connected);
        b.disconnects += o.disconnects.values().sum::<u64>();
        b.reconnects += o.reconnects;
    }

    fn publisher(&mut self, plan: &Plan, i: u32, o: &ClientResult) {
        self.publishers.push(PublisherRecord {
            id: plan.publisher_id(i),
            topic: plan.topic_for(i),
            published: o.published,
        });
        let p = &mut self.p;
        p.published += o.published;
        p.measured += o.measured_published;
        p.acked += o.acked;
        p.late += o.late;
        p.no_subscribers += o.no_subscribers;
        add(&mut p.refused, &o.refused);
        self.measured_acked += o.measured_acked;
        self.last_acked = self.last_acked.max(o.last_acked);
    }

    fn subscriber(&mut self, i: u32, o: ClientResult) {
        let d = &mut self.d;
        d.received += o.received;
        d.foreign += o.foreign;
        d.measured += o.measured_received;
        self.bytes += o.bytes;
        self.last_received = self.last_received.max(o.last_received);
        self.trackers.push((i, o.tracker.into_iter().collect()));
    }
}

/// Add the clients' outcomes up.
/// Rates: offered over the publishing window; acknowledged and delivered
/// from the start of measuring to the last measured acknowledgement or
/// arrival in pubsub and pub (a backlog the broker drains after publishing
/// ended lowers them), over the whole window in sub.
pub fn build(
    plan: &Plan,
    shared: &Shared,
    outcomes: Vec<ClientResult>,
    (measure_from, window): (Instant, Duration),
    connect_phase: Duration,
    facts: &Facts,
    warnings: Vec<String>,
) -> Report {
    let s = &plan.settings;
    let secs = window.as_secs_f64().max(1e-9);
    let Sums {
        mut c,
        mut p,
        d,
        mut hists,
        clients,
        storm,
        publishers,
        trackers,
        last_acked,
        last_received,
        bytes,
        measured_acked,
        sparkplug,
    } = Sums::of(plan, outcomes);
    // What clients handed over during the run.
    shared.drain_hists_into(&mut hists);
    connect_figures(&mut c, storm, connect_phase);
    let until = |last| rate_seconds(s.kind(), secs, measure_from, last);
    publish_rates(&mut p, plan, secs, measured_acked as f64 / until(last_acked));
    let groups = groups(plan, &trackers.iter().map(|(i, t)| (*i, t)).collect::<Vec<_>>());
    let delivery = delivery(d, bytes, until(last_received), report::account(&publishers, &groups));
    let end = active_end(
        s.kind(),
        measure_from + window,
        [last_acked, last_received],
        facts.stopped,
    );
    let series = series(shared, facts.t0, end);
    c.peak_reconnect_rate = report::peak_reconnects(&series);
    let (latency, histograms) = report::histograms(&hists);
    let generator = generator(facts, delivery.measured, p.measured);
    let mut r = Report {
        schema: report::SCHEMA,
        tool: format!("mqtt-bench {}", env!("CARGO_PKG_VERSION")),
        scenario: s.kind(),
        config: RunConfig::of(s),
        started: facts.started.to_rfc3339(),
        ended: facts.ended.to_rfc3339(),
        shards: vec![s.shard.0],
        shard_count: s.shard.1,
        window_s: round3(window.as_secs_f64()),
        connections: c,
        publish: p,
        delivery,
        sparkplug: sparkplug_section(plan, sparkplug),
        latency,
        histograms,
        series,
        clients,
        publishers,
        groups,
        generator,
        warnings: Vec::new(),
        run_error: None,
        verdicts: Vec::new(),
        outcome: report::Conclusion::Pass,
    };
    r.warnings = warnings_for(&r, facts, warnings);
    r.run_error = run_error(&r);
    r
}

/// The subscribers' counts and rates over `rx_secs`, with the loss,
/// duplicate and order accounting against the publishers.
fn delivery(d: Delivery, bytes: u64, rx_secs: f64, accounted: Delivery) -> Delivery {
    Delivery {
        received: d.received,
        foreign: d.foreign,
        measured: d.measured,
        delivered_rate: round3(d.measured as f64 / rx_secs),
        bytes_rate: round3(bytes as f64 / rx_secs),
        ..accounted
    }
}

/// The report's Sparkplug section: in a run of edge nodes, or one that heard some.
fn sparkplug_section(plan: &Plan, counts: SparkplugCounts) -> Option<SparkplugCounts> {
    let nodes = plan.settings.load.publishing().is_some_and(|p| p.sparkplug.is_some());
    (nodes || counts != SparkplugCounts::default()).then_some(counts)
}

/// The seconds a rate is counted over: the measured window, or in pub and
/// pubsub up to the last measured acknowledgement or arrival if later.
fn rate_seconds(kind: ScenarioKind, secs: f64, measure_from: Instant, last: Option<Instant>) -> f64 {
    match kind {
        ScenarioKind::Sub | ScenarioKind::Conn => secs,
        _ => last.map_or(secs, |l| {
            l.saturating_duration_since(measure_from).as_secs_f64().max(secs)
        }),
    }
}

/// The publish rates: offered over the window, acknowledged (none at QoS
/// 0) as given, and the target.
fn publish_rates(p: &mut Publish, plan: &Plan, secs: f64, acked_rate: f64) {
    p.offered_rate = round3(p.measured as f64 / secs);
    p.acked_rate = round3(acked_rate);
    if plan.settings.load.qos() == Some(QoS::AtMostOnce) {
        p.acked = 0;
        p.acked_rate = 0.0;
    }
    p.target_rate = target_rate(plan);
}

/// How long connecting took, at what rate, and (after a storm of lost
/// connections, all of them back) how long until the last came back.
fn connect_figures(c: &mut Connections, storm: (Option<Instant>, Option<Instant>), connect_phase: Duration) {
    if let (Some(first), Some(last), 0) = (storm.0, storm.1, c.still_down) {
        c.all_reconnected_s = Some(round3(last.saturating_duration_since(first).as_secs_f64()));
    }
    c.connect_phase_s = round3(connect_phase.as_secs_f64());
    c.connect_rate = round3(c.succeeded as f64 / connect_phase.as_secs_f64().max(1e-9));
}

/// Where the run's activity ends: with the last publish, acknowledgement or
/// arrival (pub, pubsub) — not with the drain that waited for more.
fn active_end(kind: ScenarioKind, publishing_end: Instant, last: [Option<Instant>; 2], stopped: Instant) -> Instant {
    match kind {
        ScenarioKind::Pub | ScenarioKind::Pubsub => std::iter::once(publishing_end)
            .chain(last.into_iter().flatten())
            .max()
            .map_or(stopped, |end| end.min(stopped)),
        ScenarioKind::Sub | ScenarioKind::Conn => stopped,
    }
}

/// The generator's own costs (per message: per delivered one, or per
/// published one when nothing is received).
fn generator(f: &Facts, delivered: u64, published: u64) -> Generator {
    let cpu_s = ((sys::cpu_seconds() - f.cpu0) * 1000.0).round() / 1000.0;
    let measured = if delivered > 0 { delivered } else { published };
    Generator {
        cpus: sys::cpus(),
        cpu_s,
        cpu_us_per_message: report::per_message(cpu_s, measured),
        max_rss_bytes: sys::max_rss(),
        open_files_limit: f.nofile,
        rss_per_connection_bytes: f
            .rss_connected
            .saturating_sub(f.rss0)
            .checked_div(f.connected)
            .unwrap_or(0),
    }
}

/// The coordinator's warnings, then the ones the figures call for.
fn warnings_for(r: &Report, f: &Facts, mut warnings: Vec<String>) -> Vec<String> {
    if f.interrupted {
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
    warnings.extend(delivery_warnings(r));
    warnings
}

/// The per-second series the clients recorded; the last second is as long
/// as the run was active in it (until `end`).
fn series(shared: &Shared, t0: Instant, end: Instant) -> Vec<report::Second> {
    let buckets = std::mem::take(&mut *shared.series.lock().expect("no panics while holding the lock"));
    let ran = end.saturating_duration_since(t0).as_secs_f64();
    buckets
        .into_iter()
        .map(|(t, b)| report::second(t, &b, round3((ran - t as f64).clamp(0.001, 1.0))))
        .collect()
}

/// The publishing rate asked of this generator (its share of the publishers).
fn target_rate(plan: &Plan) -> Option<f64> {
    let s = &plan.settings;
    let local = plan.indexes(Role::Publisher).len();
    match s.load.pacing() {
        Pacing::Unlimited => None,
        Pacing::Aggregate(r) => Some(round3(r * local as f64 / f64::from(s.load.publishers().max(1)))),
        Pacing::Interval(i) => Some(round3(local as f64 / i.as_secs_f64())),
    }
}

fn add(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}
