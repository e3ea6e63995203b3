//! mqtt-bench's settings: the scenario, the client population, pacing, run
//! length, topics, and what to report and assert. Usage errors here exit 2
//! (mqtt-bench's code), through the same [`crate::exit::Usage`] error.

use std::time::Duration;

use super::assertion::Assertion;
use super::conn::{ConnSettings, Endpoint};
use super::number::{parse_decimal, parse_duration, parse_int};
use super::publish::parse_qos;
use crate::cli::{Common, ConnArgs, PublishArgs, ReportArgs, RunArgs, Scenario};
use crate::mqtt::{Protocol, QoS, strip_share, validate_filter, validate_publish_topic};
use crate::usage;

/// The bytes every mqtt-bench payload starts with: magic, publisher,
/// sequence number, intended send time, how late it was sent.
pub const HEADER_LEN: usize = 28;

/// Which scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioKind {
    Conn,
    Pub,
    Sub,
    Pubsub,
}

/// How publishers are paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// As fast as the inflight window and the connection allow.
    Unlimited,
    /// Messages per second over all publishers.
    Aggregate(f64),
    /// Time between two messages of one publisher.
    Interval(Duration),
}

/// What the publishers of a run send.
#[derive(Debug, Clone)]
pub struct Publishing {
    /// The topic template (`%i`: the client index, `%c`: its id, `%u`: the user).
    pub topic: String,
    pub pacing: Pacing,
    /// Payload bytes, the mqtt-bench header included.
    pub size: usize,
    pub qos: QoS,
    pub retain: bool,
    /// `--sparkplug`: the publishers are edge nodes (`topic` is their DDATA
    /// topic template, without the device).
    pub sparkplug: Option<EdgeNodes>,
}

/// `--sparkplug`'s edge nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeNodes {
    pub group: String,
    pub devices: u32,
}

impl EdgeNodes {
    /// The node id of publisher `%i`.
    pub const EDGE: &str = "edge-%i";

    /// The topic of a node's (`edge`, already filled) message of `kind`.
    pub fn topic(&self, kind: &str, edge: &str) -> String {
        format!("{}/{}/{kind}/{edge}", crate::codec::sparkplug::NAMESPACE, self.group)
    }
}

/// What the subscribers of a run subscribe to.
#[derive(Debug, Clone)]
pub struct Receiving {
    /// The filter template (may be `$share/GROUP/...`).
    pub filter: String,
    pub qos: QoS,
}

/// Who a scenario's clients are, and what they do: each scenario has just
/// the fields it uses.
#[derive(Debug, Clone)]
pub enum Load {
    /// Clients that connect and hold their connections.
    Conn {
        clients: u32,
    },
    Pub {
        publishers: u32,
        publishing: Publishing,
    },
    Sub {
        subscribers: u32,
        receiving: Receiving,
    },
    Pubsub {
        publishers: u32,
        subscribers: u32,
        publishing: Publishing,
        /// At the publishers' QoS.
        receiving: Receiving,
    },
}

impl Load {
    pub fn kind(&self) -> ScenarioKind {
        match self {
            Load::Conn { .. } => ScenarioKind::Conn,
            Load::Pub { .. } => ScenarioKind::Pub,
            Load::Sub { .. } => ScenarioKind::Sub,
            Load::Pubsub { .. } => ScenarioKind::Pubsub,
        }
    }

    pub fn publishers(&self) -> u32 {
        match self {
            Load::Pub { publishers, .. } | Load::Pubsub { publishers, .. } => *publishers,
            Load::Conn { .. } | Load::Sub { .. } => 0,
        }
    }

    pub fn subscribers(&self) -> u32 {
        match self {
            Load::Sub { subscribers, .. } | Load::Pubsub { subscribers, .. } => *subscribers,
            Load::Conn { .. } | Load::Pub { .. } => 0,
        }
    }

    /// `conn`'s clients, which neither publish nor subscribe.
    pub fn holders(&self) -> u32 {
        match self {
            Load::Conn { clients } => *clients,
            _ => 0,
        }
    }

    pub fn clients(&self) -> u32 {
        self.publishers() + self.subscribers() + self.holders()
    }

    pub fn publishing(&self) -> Option<&Publishing> {
        match self {
            Load::Pub { publishing, .. } | Load::Pubsub { publishing, .. } => Some(publishing),
            Load::Conn { .. } | Load::Sub { .. } => None,
        }
    }

    pub fn receiving(&self) -> Option<&Receiving> {
        match self {
            Load::Sub { receiving, .. } | Load::Pubsub { receiving, .. } => Some(receiving),
            Load::Conn { .. } | Load::Pub { .. } => None,
        }
    }

    /// The QoS messages go at: the publishers' (pub, pubsub) or the
    /// subscription's (sub).
    pub fn qos(&self) -> Option<QoS> {
        self.publishing().map(|p| p.qos).or(self.receiving().map(|r| r.qos))
    }

    pub fn pacing(&self) -> Pacing {
        self.publishing().map_or(Pacing::Unlimited, |p| p.pacing)
    }
}

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    pub load: Load,
    /// The connection every client makes (its client id is set per client).
    pub conn: ConnSettings,
    /// Client id prefix: ids are PREFIX followed by the client index.
    pub id_prefix: String,
    pub conn_rate: Option<f64>,
    /// `--ifaddr`: local addresses the clients bind to, in turn.
    pub ifaddrs: Vec<std::net::IpAddr>,
    /// `--threads`: worker threads of the runtime (1: all on the main thread).
    pub threads: usize,
    /// `-h HOST[:PORT],HOST[:PORT]...`: the brokers clients connect to, in
    /// turn (empty for one broker, `conn.endpoint`, which holds the first of
    /// a list).
    pub hosts: Vec<Endpoint>,
    /// Messages to publish in total (pub, pubsub) or to receive (sub).
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub warmup: Duration,
    pub drain: Duration,
    pub seed: u64,
    /// (index, count) of this shard.
    pub shard: (u32, u32),
    pub report: ReportSettings,
}

/// Where the report goes and what decides the exit code.
#[derive(Debug, Clone, Default)]
pub struct ReportSettings {
    pub json: Option<String>,
    pub html: Option<String>,
    pub asserts: Vec<Assertion>,
    pub baseline: Option<String>,
    /// Allowed relative regression against the baseline (0.1 = 10%).
    pub tolerance: f64,
}

impl ReportSettings {
    pub fn from_args(a: &ReportArgs) -> anyhow::Result<ReportSettings> {
        let asserts = a
            .assert
            .iter()
            .map(|e| Assertion::parse(e).map_err(|e| usage!("{e}")))
            .collect::<anyhow::Result<_>>()?;
        // A report that cannot be written is known now, not after the run.
        for (flag, path) in [("--json", &a.json), ("--html", &a.html)] {
            if let Some(p) = path.as_deref().filter(|p| *p != "-") {
                let dir = std::path::Path::new(p).parent().filter(|d| !d.as_os_str().is_empty());
                if dir.is_some_and(|d| !d.is_dir()) {
                    return Err(usage!("{flag} {p}: the directory does not exist."));
                }
            }
        }
        let tolerance = parse_percent(&a.tolerance).ok_or_else(|| {
            usage!(
                "--tolerance must be a percentage such as 10% or 0.1, not '{}'.",
                a.tolerance
            )
        })?;
        Ok(ReportSettings {
            json: a.json.clone(),
            html: a.html.clone(),
            asserts,
            baseline: a.baseline.clone(),
            tolerance,
        })
    }
}

/// `10%` → 0.1; a bare number is a fraction (`0.1`).
fn parse_percent(t: &str) -> Option<f64> {
    match t.trim().strip_suffix('%') {
        Some(p) => parse_decimal(p).map(|v| v / 100.0),
        None => parse_decimal(t),
    }
}

fn count_of(text: &str, what: &str) -> anyhow::Result<u32> {
    parse_int::<u32>(text)
        .filter(|n| *n > 0)
        .ok_or_else(|| usage!("{what} must be a whole number greater than 0, not '{text}'."))
}

fn duration_arg(text: Option<&str>, what: &str) -> anyhow::Result<Option<Duration>> {
    text.map(|t| {
        parse_duration(t).ok_or_else(|| usage!("{what} must be a duration such as 30s, 2m or 500ms, not '{t}'."))
    })
    .transpose()
}

fn positive(text: Option<&str>, what: &str) -> anyhow::Result<Option<f64>> {
    text.map(|t| {
        parse_decimal(t)
            .filter(|v| *v > 0.0)
            .ok_or_else(|| usage!("{what} must be a number greater than 0, not '{t}'."))
    })
    .transpose()
}

/// What one mqtt-bench invocation does: run a scenario, or merge reports.
#[derive(Debug, Clone)]
pub enum BenchJob {
    Run(Box<BenchSettings>),
    Check(Box<super::check::CheckSettings>),
    Merge {
        reports: Vec<String>,
        report: ReportSettings,
    },
}

impl BenchJob {
    fn run(common: &Common, load: impl FnOnce() -> anyhow::Result<Load>) -> anyhow::Result<BenchJob> {
        Ok(BenchJob::Run(Box::new(BenchSettings::from_args(common, load)?)))
    }

    /// `--quiet` (a merge has no connection, and no such option).
    pub fn quiet(&self) -> bool {
        match self {
            BenchJob::Run(s) => s.conn.quiet,
            BenchJob::Check(s) => s.conn.quiet,
            BenchJob::Merge { .. } => false,
        }
    }

    pub fn from_args(args: crate::cli::BenchArgs) -> anyhow::Result<BenchJob> {
        Ok(match &args.scenario {
            Scenario::Merge(m) => BenchJob::Merge {
                reports: m.reports.clone(),
                report: ReportSettings::from_args(&m.report)?,
            },
            Scenario::Check(c) => BenchJob::Check(Box::new(super::check::CheckSettings::from_args(c)?)),
            Scenario::Conn(a) => BenchJob::run(&a.common, || {
                Ok(Load::Conn {
                    clients: count_of(&a.clients, "-c")?,
                })
            })?,
            Scenario::Pub(a) => BenchJob::run(&a.common, || {
                Ok(Load::Pub {
                    publishers: count_of(&a.clients, "-c")?,
                    publishing: publishing(&a.publish)?,
                })
            })?,
            Scenario::Sub(a) => BenchJob::run(&a.common, || {
                Ok(Load::Sub {
                    subscribers: count_of(&a.clients, "-c")?,
                    receiving: receiving(a.topic.clone(), parse_qos(Some(&a.qos))?)?,
                })
            })?,
            Scenario::Pubsub(a) => BenchJob::run(&a.common, || {
                let c = count_of(&a.clients, "-c")?;
                let publishers = a.publishers.as_deref().map_or(Ok(c), |p| count_of(p, "--publishers"))?;
                let subscribers = a
                    .subscribers
                    .as_deref()
                    .map_or(Ok(c), |p| count_of(p, "--subscribers"))?;
                let publishing = publishing(&a.publish)?;
                let filter = a.filter.clone().unwrap_or_else(|| match &publishing.sparkplug {
                    // Births and deaths too: each node's seq runs through them.
                    Some(nodes) => format!("{}/{}/#", crate::codec::sparkplug::NAMESPACE, nodes.group),
                    None => default_filter(&publishing.topic),
                });
                Ok(Load::Pubsub {
                    publishers,
                    subscribers,
                    receiving: receiving(filter, publishing.qos)?,
                    publishing,
                })
            })?,
        })
    }
}

impl BenchSettings {
    /// Validate a scenario's arguments: the ones every scenario has, then
    /// its own (`load`).
    fn from_args(common: &Common, load: impl FnOnce() -> anyhow::Result<Load>) -> anyhow::Result<BenchSettings> {
        let (conn_args, run) = (&common.conn, &common.run);
        let mut conn = conn_settings(conn_args)?;
        let id_prefix = conn_args
            .id_prefix
            .clone()
            .unwrap_or_else(|| format!("mqtt-bench-{}-", std::process::id()));
        let report = ReportSettings::from_args(&common.report)?;
        let load = load()?;
        let conn_rate = positive(run.conn_rate.as_deref(), "--conn-rate")?;
        let ifaddrs = ifaddrs(run.ifaddr.as_deref(), &conn)?;
        let hosts = hosts(&mut conn)?;
        let length = RunLength::from_args(run, load.kind())?;
        Ok(BenchSettings {
            load,
            conn,
            id_prefix,
            conn_rate,
            ifaddrs,
            threads: length.threads,
            hosts,
            count: length.count,
            duration: length.duration,
            warmup: length.warmup,
            drain: length.drain,
            seed: length.seed,
            shard: length.shard,
            report,
        })
    }

    pub fn kind(&self) -> ScenarioKind {
        self.load.kind()
    }
}

fn publishing(a: &PublishArgs) -> anyhow::Result<Publishing> {
    validate_publish_topic(&fill_probe(&a.topic), "topic").map_err(|e| usage!("{e}"))?;
    let size = parse_int::<usize>(&a.size)
        .filter(|n| (HEADER_LEN..=super::MAX_PAYLOAD).contains(n))
        .ok_or_else(|| {
            usage!(
                "-s must be between {HEADER_LEN} (the mqtt-bench header: publisher, sequence, intended send time, lag) and {} bytes, not '{}'.",
                super::MAX_PAYLOAD,
                a.size
            )
        })?;
    let qos = parse_qos(Some(&a.qos))?;
    let sparkplug = a.sparkplug.then(|| edge_nodes(a)).transpose()?;
    let pacing = match (
        positive(a.rate.as_deref(), "--rate")?,
        duration_arg(a.interval.as_deref(), "--interval")?,
    ) {
        (Some(r), _) => Pacing::Aggregate(r),
        (None, Some(i)) if !i.is_zero() => Pacing::Interval(i),
        (None, Some(_)) => return Err(usage!("--interval must be greater than 0.")),
        (None, None) => Pacing::Unlimited,
    };
    let topic = match &sparkplug {
        Some(nodes) => nodes.topic("DDATA", EdgeNodes::EDGE),
        None => a.topic.clone(),
    };
    Ok(Publishing {
        topic,
        pacing,
        size,
        qos,
        retain: a.retain,
        sparkplug,
    })
}

fn edge_nodes(a: &PublishArgs) -> anyhow::Result<EdgeNodes> {
    let group = &a.sparkplug_group;
    if group.is_empty() || group.contains(['/', '+', '#']) {
        return Err(usage!(
            "--sparkplug-group must be one topic level without + or #, not '{group}'."
        ));
    }
    let devices = parse_int::<u32>(&a.sparkplug_devices)
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| {
            usage!(
                "--sparkplug-devices must be between 1 and 1000, not '{}'.",
                a.sparkplug_devices
            )
        })?;
    Ok(EdgeNodes {
        group: group.clone(),
        devices,
    })
}

fn receiving(filter: String, qos: QoS) -> anyhow::Result<Receiving> {
    let plain = strip_share(&filter)
        .ok_or_else(|| usage!("Invalid filter '{filter}': a shared subscription is $share/GROUP/FILTER."))?;
    validate_filter(&fill_probe(plain), "subscription topic").map_err(|e| usage!("{e}"))?;
    Ok(Receiving { filter, qos })
}

/// How long a run lasts and how it is cut: count, duration, warm-up, drain,
/// seed, shard, threads.
struct RunLength {
    count: Option<u64>,
    duration: Option<Duration>,
    warmup: Duration,
    drain: Duration,
    seed: u64,
    shard: (u32, u32),
    threads: usize,
}

impl RunLength {
    fn from_args(r: &RunArgs, kind: ScenarioKind) -> anyhow::Result<RunLength> {
        let count = r
            .count
            .as_deref()
            .map(|c| {
                parse_int::<u64>(c)
                    .filter(|n| *n > 0)
                    .ok_or_else(|| usage!("--count must be a whole number greater than 0, not '{c}'."))
            })
            .transpose()?;
        if count.is_some() && kind == ScenarioKind::Conn {
            return Err(usage!(
                "--count does not apply to conn; use --duration to hold the connections."
            ));
        }
        let threads = match r.threads.as_deref() {
            Some(t) => count_of(t, "--threads")? as usize,
            None => 1,
        };
        let duration = match duration_arg(r.duration.as_deref(), "--duration")? {
            None if count.is_none() => Some(Duration::from_secs(10)),
            d => d,
        };
        let warmup = duration_arg(r.warmup.as_deref(), "--warmup")?.unwrap_or_default();
        let drain = duration_arg(r.drain.as_deref(), "--drain")?.unwrap_or(Duration::from_secs(5));
        let seed = match r.seed.as_deref() {
            None => {
                let mut b = [0u8; 8];
                getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
                u64::from_le_bytes(b)
            }
            Some(t) => parse_int(t).ok_or_else(|| usage!("--seed must be a whole number, not '{t}'."))?,
        };
        let shard = match r.shard.as_deref() {
            None => (0, 1),
            Some(sh) => sh
                .split_once('/')
                .and_then(|(i, n)| Some((parse_int::<u32>(i)?, parse_int::<u32>(n)?)))
                .filter(|(i, n)| *n > 0 && i < n)
                .ok_or_else(|| usage!("--shard must be I/N with 0 <= I < N (e.g. 0/3), not '{sh}'."))?,
        };
        Ok(RunLength {
            count,
            duration,
            warmup,
            drain,
            seed,
            shard,
            threads,
        })
    }
}

/// The connection settings every client shares.
fn conn_settings(a: &ConnArgs) -> anyhow::Result<ConnSettings> {
    if a.id.is_some() {
        return Err(usage!(
            "-i gives one client id; mqtt-bench runs many clients: use -I PREFIX."
        ));
    }
    if a.will.will_topic.is_some() {
        return Err(usage!("mqtt-bench does not send wills."));
    }
    let (conn, url_topic) = ConnSettings::from_args(a, Protocol::V311, false, "")?;
    let conn = conn?;
    if url_topic.is_some_and(|t| !t.is_empty()) {
        return Err(usage!(
            "mqtt-bench takes topics from -t/--filter, not from the URL path."
        ));
    }
    Ok(conn)
}

/// The template with placeholders filled by sample values, for validation.
fn fill_probe(template: &str) -> String {
    template.replace("%i", "0").replace("%c", "c").replace("%u", "u")
}

/// `mqtt-bench/%i` → `mqtt-bench/+`: the subscribers' default filter catches
/// what every publisher sends.
pub fn default_filter(topic: &str) -> String {
    topic
        .split('/')
        .map(|level| if level.contains(['%']) { "+" } else { level })
        .collect::<Vec<_>>()
        .join("/")
}

/// `--ifaddr ADDR[,ADDR...]`: local IP addresses (not with `-A`, which binds
/// every client to one).
fn ifaddrs(list: Option<&str>, conn: &ConnSettings) -> anyhow::Result<Vec<std::net::IpAddr>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    if conn.bind.is_some() {
        return Err(usage!(
            "-A binds every client to one address; --ifaddr gives them several: use one of the two."
        ));
    }
    list.split(',')
        .map(|a| {
            a.trim().parse().map_err(|_| {
                usage!("Invalid --ifaddr address '{a}': give local IP addresses, such as 127.0.0.2,127.0.0.3.")
            })
        })
        .collect()
}

/// `-h HOST[:PORT],HOST[:PORT]...`: several brokers (a cluster's nodes),
/// each on its own port or the one given; the connection settings keep the
/// first.
fn hosts(conn: &mut ConnSettings) -> anyhow::Result<Vec<Endpoint>> {
    let Endpoint::Tcp { host, port } = &conn.endpoint else {
        return Ok(Vec::new());
    };
    if !host.contains(',') {
        return Ok(Vec::new());
    }
    let bad = || {
        usage!(
            "Invalid host list '{host}': give hosts separated by commas, each with an optional :PORT, such as node1,node2:1884."
        )
    };
    let list = host
        .split(',')
        .map(|entry| {
            let entry = entry.trim();
            let (h, p) = match entry.strip_prefix('[') {
                // [v6] or [v6]:port
                Some(rest) => {
                    let (h, after) = rest.split_once(']').ok_or_else(bad)?;
                    (h, after.strip_prefix(':'))
                }
                // host:port; a bare IPv6 address has more than one ':'
                None => match entry.split_once(':') {
                    Some((h, p)) if !p.contains(':') => (h, Some(p)),
                    _ => (entry, None),
                },
            };
            let port = match p {
                Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad)?,
                None => *port,
            };
            if h.is_empty() {
                return Err(bad());
            }
            Ok(Endpoint::Tcp {
                host: h.to_string(),
                port,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    conn.endpoint = list[0].clone();
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lists_take_ports_and_ipv6() {
        let mut c = ConnSettings::from_args(&ConnArgs::default(), Protocol::V311, false, "")
            .unwrap()
            .0
            .unwrap();
        c.endpoint = Endpoint::Tcp {
            host: "a, b:1884,[::1]:1885,::2".into(),
            port: 1883,
        };
        let tcp = |h: &str, p| Endpoint::Tcp {
            host: h.into(),
            port: p,
        };
        assert_eq!(
            hosts(&mut c).unwrap(),
            vec![tcp("a", 1883), tcp("b", 1884), tcp("::1", 1885), tcp("::2", 1883)]
        );
        assert_eq!(c.endpoint, tcp("a", 1883));
        for bad in ["a,,b", "a,b:0", "a,b:x", "a,[::1"] {
            c.endpoint = tcp(bad, 1883);
            assert!(hosts(&mut c).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_filter_replaces_placeholder_levels() {
        assert_eq!(default_filter("mqtt-bench/%i"), "mqtt-bench/+");
        assert_eq!(default_filter("a/%c/x/%u-%i"), "a/+/x/+");
        assert_eq!(default_filter("plain/topic"), "plain/topic");
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10%"), Some(0.1));
        assert_eq!(parse_percent("0.25"), Some(0.25));
        assert_eq!(parse_percent("x"), None);
    }
}
