//! The report: one schema-versioned JSON document (config, counts,
//! percentiles, serialized histograms, per-second series, verdicts), built
//! from the clients' outcomes or merged from shard reports.

pub(crate) mod export;
pub(crate) mod html;
pub(crate) mod recorded;
pub(crate) mod text;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bench::stats::{Bucket, Hist, SeqTrack, Summary};
use crate::mqtt::{strip_share, topic_matches};
use crate::settings::ScenarioKind;
pub use export::Conclusion;
use recorded::RunConfig;

/// Bumped when a field changes meaning; readers refuse other versions.
/// 2: connection phases, reconnect storms and brokers in `connections`,
/// reconnects per second in `series`, `clients` with a host list.
pub const SCHEMA: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: u32,
    pub tool: String,
    pub scenario: ScenarioKind,
    /// The resolved configuration, every default explicit, password redacted.
    pub config: RunConfig,
    pub started: String,
    pub ended: String,
    /// Shards this report covers (several after `merge`) and their total.
    pub shards: Vec<u32>,
    pub shard_count: u32,
    /// Length of the measured window (after warm-up), seconds.
    pub window_s: f64,
    pub connections: Connections,
    pub publish: Publish,
    pub delivery: Delivery,
    /// `--sparkplug` (or Sparkplug traffic heard): births, deaths, seq gaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparkplug: Option<SparkplugCounts>,
    /// Summaries of the histograms, µs.
    pub latency: BTreeMap<String, Summary>,
    /// The histograms themselves (HdrHistogram V2, deflate, base64), for merging.
    pub histograms: BTreeMap<String, String>,
    pub series: Vec<Second>,
    /// Each client's broker, when clients were spread over several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientRecord>,
    /// Each publisher of this report: what it sent where.
    pub publishers: Vec<PublisherRecord>,
    /// Each receiving unit (a subscriber, or a whole $share group) and what
    /// it got from each publisher.
    pub groups: Vec<GroupRecord>,
    pub generator: Generator,
    pub warnings: Vec<String>,
    /// Why the run itself failed (exit 3), if it did.
    pub run_error: Option<String>,
    pub verdicts: Vec<Verdict>,
    /// The verdict on the whole run (set with the verdicts, by the caller).
    pub outcome: Conclusion,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Connections {
    pub attempted: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Connect failures by message (CONNACK reason, socket or TLS error).
    pub errors: BTreeMap<String, u64>,
    pub suback_errors: BTreeMap<String, u64>,
    /// Connections per second achieved while connecting.
    pub connect_rate: f64,
    pub connect_phase_s: f64,
    /// Unexpected disconnects during the run, by cause, and reconnects.
    pub disconnects: BTreeMap<String, u64>,
    pub reconnects: u64,
    /// Attempts to connect again that failed (the broker still away).
    pub reconnect_failures: u64,
    /// Reconnects in the busiest second: what the herd put on the broker.
    pub peak_reconnect_rate: u64,
    /// Connections lost and not back when the run ended.
    pub still_down: u64,
    /// From the first lost connection to the last one back, seconds (none
    /// while any is still down).
    pub all_reconnected_s: Option<f64>,
    /// Connections by broker (`-h HOST,HOST...` spreads clients over several).
    pub brokers: BTreeMap<String, BrokerCounts>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BrokerCounts {
    pub attempted: u64,
    pub succeeded: u64,
    pub disconnects: u64,
    pub reconnects: u64,
}

impl BrokerCounts {
    fn add(&mut self, o: &BrokerCounts) {
        self.attempted += o.attempted;
        self.succeeded += o.succeeded;
        self.disconnects += o.disconnects;
        self.reconnects += o.reconnects;
    }
}

/// One client and the broker it was given (listed with several brokers).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientRecord {
    pub id: String,
    pub broker: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Publish {
    pub qos: u8,
    pub published: u64,
    /// Published inside the measured window.
    pub measured: u64,
    pub acked: u64,
    pub refused: BTreeMap<String, u64>,
    pub no_subscribers: u64,
    pub target_rate: Option<f64>,
    pub offered_rate: f64,
    pub acked_rate: f64,
    /// Sends more than 1 ms behind their schedule.
    pub late: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    /// Messages the receivers should have got (publishes × fan-out).
    pub expected: u64,
    /// Every message that arrived, duplicates and foreign ones included.
    pub received: u64,
    /// Distinct mqtt-bench messages that arrived.
    pub unique: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
    pub loss_ratio: f64,
    /// Messages without an mqtt-bench header.
    pub foreign: u64,
    /// Arrived with an intended send time inside the measured window.
    pub measured: u64,
    pub delivered_rate: f64,
    pub bytes_rate: f64,
}

/// What a run's Sparkplug traffic (`--sparkplug`) added up to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SparkplugCounts {
    /// NBIRTH and DBIRTH messages the subscribers heard, NDEATH too.
    pub births: u64,
    pub deaths: u64,
    /// Jumps in a node's seq, and the messages they skipped.
    pub seq_gaps: u64,
    pub seq_skipped: u64,
    /// Rebirth requests the edge nodes answered.
    pub rebirths: u64,
}

impl SparkplugCounts {
    pub fn add(&mut self, o: &SparkplugCounts) {
        self.births += o.births;
        self.deaths += o.deaths;
        self.seq_gaps += o.seq_gaps;
        self.seq_skipped += o.seq_skipped;
        self.rebirths += o.rebirths;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Second {
    pub t: u64,
    pub sent: u64,
    pub acked: u64,
    pub received: u64,
    pub bytes: u64,
    pub e2e_p50_us: u64,
    pub e2e_p99_us: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub e2e: String,
    /// Connections lost and made again in this second.
    pub disconnects: u64,
    pub reconnects: u64,
    /// How much of the second the run covered (1 but for the last one):
    /// counts ÷ span are per-second rates.
    pub span_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublisherRecord {
    pub id: u32,
    pub topic: String,
    pub published: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupRecord {
    pub filter: String,
    pub members: u32,
    /// Publisher id → [unique, duplicates, out of order, highest sequence + 1].
    pub from: BTreeMap<u32, [u64; 4]>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Generator {
    pub cpus: usize,
    pub cpu_s: f64,
    /// Generator CPU per message delivered (or published, without receivers).
    pub cpu_us_per_message: f64,
    pub max_rss_bytes: u64,
    pub rss_per_connection_bytes: u64,
    pub open_files_limit: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub check: String,
    pub value: Option<f64>,
    pub pass: bool,
}

impl GroupRecord {
    pub fn add_tracks(&mut self, tracks: &BTreeMap<u32, SeqTrack>) {
        for (pid, t) in tracks {
            self.from
                .insert(*pid, [t.unique, t.duplicates, t.out_of_order, t.max_seen()]);
        }
    }
}

/// Expected, lost, duplicated and reordered messages from what publishers
/// sent and what each receiving unit got. A publisher this report does not
/// know (another shard or process) is judged by its sequence numbers: the
/// messages below its highest one that never came are lost.
pub fn account(publishers: &[PublisherRecord], groups: &[GroupRecord]) -> Delivery {
    let mut d = Delivery::default();
    let by_id: BTreeMap<u32, &PublisherRecord> = publishers.iter().map(|p| (p.id, p)).collect();
    for g in groups {
        let filter = strip_share(&g.filter).unwrap_or(&g.filter);
        let matching = |p: &PublisherRecord| topic_matches(filter, p.topic.as_bytes());
        for p in publishers.iter().filter(|p| matching(p)) {
            d.expected += p.published;
            let unique = g.from.get(&p.id).map_or(0, |c| c[0]);
            d.lost += p.published.saturating_sub(unique);
        }
        for (pid, [unique, dup, ooo, next]) in &g.from {
            d.unique += unique;
            d.duplicated += dup;
            d.out_of_order += ooo;
            if !by_id.get(pid).is_some_and(|p| matching(p)) {
                d.expected += next;
                d.lost += next.saturating_sub(*unique);
            }
        }
    }
    d.loss_ratio = if d.expected == 0 {
        0.0
    } else {
        d.lost as f64 / d.expected as f64
    };
    d
}

/// Summaries of every non-empty histogram, and their encodings.
pub fn histograms(h: &BTreeMap<String, Hist>) -> (BTreeMap<String, Summary>, BTreeMap<String, String>) {
    h.iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(k, h)| ((k.clone(), h.summary()), (k.clone(), h.encode())))
        .unzip()
}

/// Combine shard reports: counts add up, percentiles come from the merged
/// histograms, delivery is accounted again over every shard's publishers.
pub fn merge(reports: Vec<Report>) -> anyhow::Result<Report> {
    let mut it = reports.into_iter();
    let mut m = it.next().ok_or_else(|| anyhow::anyhow!("nothing to merge"))?;
    let mut hists = decode_all(&m.histograms)?;
    let mut series = series_map(&m.series)?;
    for r in it {
        if r.scenario != m.scenario {
            anyhow::bail!("cannot merge a {:?} report with a {:?} report", r.scenario, m.scenario);
        }
        m.started = m.started.min(r.started);
        m.ended = m.ended.max(r.ended);
        m.shards.extend(r.shards);
        m.window_s = m.window_s.max(r.window_s);
        m.connections.absorb(r.connections);
        m.publish.absorb(r.publish);
        if let Some(theirs) = &r.sparkplug {
            m.sparkplug.get_or_insert_default().add(theirs);
        }
        let d = &mut m.delivery;
        d.received += r.delivery.received;
        d.foreign += r.delivery.foreign;
        d.measured += r.delivery.measured;
        d.delivered_rate += r.delivery.delivered_rate;
        d.bytes_rate += r.delivery.bytes_rate;
        for (k, h) in decode_all(&r.histograms)? {
            hists.entry(k).or_default().add(&h);
        }
        for (t, (s, span)) in series_map(&r.series)? {
            let e = series.entry(t).or_insert((Bucket::default(), 0.0));
            e.0.add(&s);
            // Shards ran side by side: the second is as long as the longest.
            e.1 = f64::max(e.1, span);
        }
        m.clients.extend(r.clients);
        m.publishers.extend(r.publishers);
        m.groups = merge_groups(std::mem::take(&mut m.groups), r.groups);
        let g = &mut m.generator;
        g.cpu_s += r.generator.cpu_s;
        g.max_rss_bytes += r.generator.max_rss_bytes;
        g.rss_per_connection_bytes = g.rss_per_connection_bytes.max(r.generator.rss_per_connection_bytes);
        m.warnings.extend(r.warnings);
        if m.run_error.is_none() {
            m.run_error = r.run_error;
        }
    }
    let (received, foreign, measured, rate, bytes_rate) = (
        m.delivery.received,
        m.delivery.foreign,
        m.delivery.measured,
        m.delivery.delivered_rate,
        m.delivery.bytes_rate,
    );
    m.delivery = Delivery {
        received,
        foreign,
        measured,
        delivered_rate: rate,
        bytes_rate,
        ..account(&m.publishers, &m.groups)
    };
    m.publishers.sort_by_key(|p| p.id);
    m.shards.sort_unstable();
    let per = if m.delivery.measured > 0 {
        m.delivery.measured
    } else {
        m.publish.measured
    };
    m.generator.cpu_us_per_message = per_message(m.generator.cpu_s, per);
    (m.latency, m.histograms) = histograms(&hists);
    m.series = series.iter().map(|(t, (b, span))| second(*t, b, *span)).collect();
    m.connections.peak_reconnect_rate = peak_reconnects(&m.series);
    m.verdicts.clear();
    Ok(m)
}

impl Connections {
    /// Add another shard's connections to these.
    fn absorb(&mut self, r: Connections) {
        self.attempted += r.attempted;
        self.succeeded += r.succeeded;
        self.failed += r.failed;
        add_maps(&mut self.errors, r.errors);
        add_maps(&mut self.suback_errors, r.suback_errors);
        add_maps(&mut self.disconnects, r.disconnects);
        self.reconnects += r.reconnects;
        self.reconnect_failures += r.reconnect_failures;
        // Shards' clocks are their own: the longest storm of any shard,
        // none while a shard has connections still down.
        self.still_down += r.still_down;
        self.all_reconnected_s = match (self.all_reconnected_s, r.all_reconnected_s) {
            _ if self.still_down > 0 => None,
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (k, b) in r.brokers {
            self.brokers.entry(k).or_default().add(&b);
        }
        self.connect_rate += r.connect_rate;
        self.connect_phase_s = self.connect_phase_s.max(r.connect_phase_s);
    }
}

impl Publish {
    /// Add another shard's publishing to this.
    fn absorb(&mut self, r: Publish) {
        self.published += r.published;
        self.measured += r.measured;
        self.acked += r.acked;
        add_maps(&mut self.refused, r.refused);
        self.no_subscribers += r.no_subscribers;
        self.target_rate = match (self.target_rate, r.target_rate) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.offered_rate += r.offered_rate;
        self.acked_rate += r.acked_rate;
        self.late += r.late;
    }
}

/// Three decimals, for figures in the report.
pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// CPU microseconds per message.
pub fn per_message(cpu_s: f64, messages: u64) -> f64 {
    if messages == 0 {
        0.0
    } else {
        (cpu_s * 1e6 / messages as f64 * 100.0).round() / 100.0
    }
}

pub fn second(t: u64, b: &Bucket, span_s: f64) -> Second {
    let s = b.e2e.summary();
    Second {
        t,
        sent: b.sent,
        acked: b.acked,
        received: b.received,
        bytes: b.bytes,
        e2e_p50_us: s.p50_us,
        e2e_p99_us: s.p99_us,
        e2e: if b.e2e.is_empty() {
            String::new()
        } else {
            b.e2e.encode()
        },
        disconnects: b.disconnects,
        reconnects: b.reconnects,
        span_s,
    }
}

/// Reconnects in the busiest second of the series.
pub fn peak_reconnects(series: &[Second]) -> u64 {
    series.iter().map(|s| s.reconnects).max().unwrap_or(0)
}

fn decode_all(h: &BTreeMap<String, String>) -> anyhow::Result<BTreeMap<String, Hist>> {
    h.iter().map(|(k, v)| Ok((k.clone(), Hist::decode(v)?))).collect()
}

fn series_map(s: &[Second]) -> anyhow::Result<BTreeMap<u64, (Bucket, f64)>> {
    s.iter()
        .map(|s| {
            let e2e = if s.e2e.is_empty() {
                Hist::default()
            } else {
                Hist::decode(&s.e2e)?
            };
            let b = Bucket {
                sent: s.sent,
                acked: s.acked,
                received: s.received,
                bytes: s.bytes,
                e2e,
                disconnects: s.disconnects,
                reconnects: s.reconnects,
            };
            Ok((s.t, (b, s.span_s)))
        })
        .collect()
}

fn add_maps(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k).or_default() += v;
    }
}

/// Shared-subscription groups with one name in several shards are one
/// group; their members' counts add up (a message that two shards' members
/// both got cannot be told apart from two messages here).
fn merge_groups(mut a: Vec<GroupRecord>, b: Vec<GroupRecord>) -> Vec<GroupRecord> {
    for g in b {
        match a
            .iter_mut()
            .find(|x| x.filter == g.filter && g.filter.starts_with("$share/"))
        {
            Some(x) => {
                x.members += g.members;
                for (pid, c) in g.from {
                    let e = x.from.entry(pid).or_default();
                    *e = [e[0] + c[0], e[1] + c[1], e[2] + c[2], e[3].max(c[3])];
                }
            }
            None => a.push(g),
        }
    }
    a
}

impl export::Document for Report {
    fn text(&self) -> String {
        text::summary(self)
    }

    fn json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }

    fn html(&self, text: &str) -> Option<String> {
        Some(html::page(self, text))
    }

    fn conclusion(&self) -> Conclusion {
        self.outcome
    }

    fn failure(&self) -> String {
        format!("the run failed: {}", self.run_error.as_deref().unwrap_or(""))
    }

    fn assertions(&self) -> (usize, usize) {
        let failed = self.verdicts.iter().filter(|v| !v.pass).count();
        (failed, self.verdicts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publisher(id: u32, topic: &str, published: u64) -> PublisherRecord {
        PublisherRecord {
            id,
            topic: topic.into(),
            published,
        }
    }

    #[test]
    fn accounting_counts_fan_out_loss_and_unknown_publishers() {
        let pubs = [publisher(0, "b/0", 10), publisher(1, "b/1", 10)];
        let all = GroupRecord {
            filter: "b/+".into(),
            members: 1,
            from: BTreeMap::from([(0, [10, 1, 0, 10]), (1, [8, 0, 2, 10])]),
        };
        let one = GroupRecord {
            filter: "b/1".into(),
            members: 1,
            // Publisher 7 is not in this report: judged by its sequence numbers.
            from: BTreeMap::from([(1, [10, 0, 0, 10]), (7, [4, 0, 0, 5])]),
        };
        let d = account(&pubs, &[all, one]);
        assert_eq!(
            (d.expected, d.unique, d.lost, d.duplicated, d.out_of_order),
            (35, 32, 3, 1, 2)
        );
    }
}
