//! `mqtt-bench`: the arguments of the load tester, one subcommand per
//! scenario plus `merge`. Every scenario takes the shared connection options
//! (`ConnArgs`: TLS, WebSockets, MQTT v5, credentials), except that `-c`
//! counts clients here (clean session off is `--disable-clean-session`) and
//! `-M` is also spelled `--inflight`.

use clap::{ArgAction, Args, Parser, Subcommand};

use super::ConnArgs;

/// Load-test an MQTT broker: connections, publish/subscribe throughput,
/// end-to-end latency and loss, with a JSON report and pass/fail thresholds
/// for CI.
///
/// Publishers keep an absolute schedule (open loop) and write
/// {publisher, sequence, intended send time} into every payload, so latency
/// is measured from the intended time (coordinated omission corrected) and
/// every loss, duplicate and reordering is counted. `check` probes what a
/// broker supports instead. Exit codes: 0 the run worked and every --assert
/// held, 1 an assertion failed, 2 usage or configuration error, 3 the run
/// itself failed (could not connect, nothing delivered).
#[derive(Parser, Debug, Clone)]
#[command(
    name = "mqtt-bench",
    version,
    subcommand_required = true,
    arg_required_else_help = true,
    disable_help_flag = true,
    after_help = "Examples:\n  mqtt-bench conn -c 1000 --conn-rate 500 --duration 10s\n  mqtt-bench pubsub --publishers 10 --subscribers 10 --rate 10000 --duration 30s -q 1 --assert 'p99_ms<=20' --assert 'loss==0'\n  mqtt-bench pub -c 5 --rate 2000 --count 100000 --json report.json\n  mqtt-bench merge shard-*.json --json all.json\n  mqtt-bench check -h broker.example --assert qos2_exactly_once --assert 'max_packet_size>=1048576'"
)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub scenario: Scenario,

    /// Print help (-h is the broker host, as in every mqttkit tool)
    #[arg(long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,
}

/// The scenarios.
#[derive(Subcommand, Debug, Clone)]
pub enum Scenario {
    /// Open and hold connections; connect latency, failures, memory per connection
    Conn(ConnRun),
    /// Publish on an open-loop schedule; PUBACK/PUBREC/PUBCOMP latency and schedule lag
    Pub(PubRun),
    /// Subscribe and measure what arrives (latency and loss from mqtt-bench payloads)
    Sub(SubRun),
    /// Publishers and subscribers together: end-to-end latency, loss, duplicates, order
    Pubsub(PubsubRun),
    /// Check what a broker supports and whether it keeps MQTT's promises
    Check(CheckRun),
    /// Merge the JSON reports of several shards (--shard) into one
    Merge(MergeArgs),
}

/// `mqtt-bench check`.
#[derive(Args, Debug, Clone)]
#[command(
    disable_help_flag = true,
    mut_arg("protocol_version", |a| a.help(
        "The MQTT version the behaviour probes speak: 5, 311 or 31 [default: the newest the broker accepts]"
    ).long_help(None))
)]
pub struct CheckRun {
    /// Topics the probes use live under this prefix (so a check can run on
    /// a shared broker) [default: mqtt-bench/check/RANDOM]
    #[arg(
        long = "topic-prefix",
        value_name = "PREFIX",
        allow_hyphen_values = true,
        help_heading = "Check"
    )]
    pub topic_prefix: Option<String>,

    /// Largest payload to try, doubling from 1 KiB (e.g. 16MiB, 65536)
    #[arg(
        long = "max-payload",
        value_name = "BYTES",
        default_value = "16MiB",
        help_heading = "Check"
    )]
    pub max_payload: String,

    /// How long one probe may take before it counts as failed (e.g. 5s)
    #[arg(
        long = "probe-timeout",
        value_name = "DURATION",
        default_value = "5s",
        help_heading = "Check"
    )]
    pub probe_timeout: String,

    /// Write the JSON report, with each item's evidence, to FILE ('-' for stdout)
    #[arg(long = "json", value_name = "FILE", help_heading = "Report")]
    pub json: Option<String>,

    /// An item that must hold: NAME (passes), '!NAME' (does not), or
    /// 'NAME OP NUMBER' on an item's value, e.g. qos2_exactly_once,
    /// '!retain', 'max_packet_size>=1048576' (repeatable)
    #[arg(long = "assert", value_name = "EXPR", action = ArgAction::Append, help_heading = "Report")]
    pub assert: Vec<String>,

    /// Print help
    #[arg(long = "help", action = ArgAction::Help, help_heading = "Other")]
    pub help: Option<bool>,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `mqtt-bench conn`.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true, mut_arg("disable_clean_session", |a| a.short(None)), mut_arg("max_inflight", |a| a.long("inflight")))]
pub struct ConnRun {
    /// Number of connections
    #[arg(
        short = 'c',
        long = "clients",
        value_name = "N",
        default_value = "100",
        help_heading = "Load"
    )]
    pub clients: String,

    #[command(flatten)]
    pub common: Common,
}

/// `mqtt-bench pub`.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true, mut_arg("disable_clean_session", |a| a.short(None)), mut_arg("max_inflight", |a| a.long("inflight")))]
pub struct PubRun {
    /// Number of publishers
    #[arg(
        short = 'c',
        long = "clients",
        value_name = "N",
        default_value = "1",
        help_heading = "Load"
    )]
    pub clients: String,

    #[command(flatten)]
    pub publish: PublishArgs,

    #[command(flatten)]
    pub common: Common,
}

/// `mqtt-bench sub`.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true, mut_arg("disable_clean_session", |a| a.short(None)), mut_arg("max_inflight", |a| a.long("inflight")))]
pub struct SubRun {
    /// Number of subscribers
    #[arg(
        short = 'c',
        long = "clients",
        value_name = "N",
        default_value = "1",
        help_heading = "Load"
    )]
    pub clients: String,

    /// Topic filter template (%i client index, %c client id, %u user name;
    /// $share/GROUP/... for shared subscriptions)
    #[arg(
        short = 't',
        long = "topic",
        value_name = "FILTER",
        default_value = "mqtt-bench/#",
        allow_hyphen_values = true,
        help_heading = "Messages"
    )]
    pub topic: String,

    /// Subscription QoS: 0, 1 or 2
    #[arg(
        short = 'q',
        long = "qos",
        value_name = "QOS",
        default_value = "0",
        help_heading = "Messages"
    )]
    pub qos: String,

    #[command(flatten)]
    pub common: Common,
}

/// `mqtt-bench pubsub`.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true, mut_arg("disable_clean_session", |a| a.short(None)), mut_arg("max_inflight", |a| a.long("inflight")))]
pub struct PubsubRun {
    /// Number of publishers and of subscribers (each, unless set separately)
    #[arg(
        short = 'c',
        long = "clients",
        value_name = "N",
        default_value = "1",
        help_heading = "Load"
    )]
    pub clients: String,

    /// Number of publishers [default: -c]
    #[arg(long = "publishers", value_name = "N", help_heading = "Load")]
    pub publishers: Option<String>,

    /// Number of subscribers [default: -c]
    #[arg(long = "subscribers", value_name = "N", help_heading = "Load")]
    pub subscribers: Option<String>,

    /// Subscribers' topic filter template [default: the topic template with
    /// every level holding %i, %c or %u replaced by +]
    ///
    /// With $share/GROUP/FILTER each message goes to exactly one member of
    /// the group, and the report counts any message delivered to two.
    #[arg(
        long = "filter",
        value_name = "FILTER",
        allow_hyphen_values = true,
        help_heading = "Messages"
    )]
    pub filter: Option<String>,

    #[command(flatten)]
    pub publish: PublishArgs,

    #[command(flatten)]
    pub common: Common,
}

/// What every scenario takes: run length, report, connection.
#[derive(Args, Debug, Clone)]
pub struct Common {
    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// What publishers send and how fast.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Messages")]
pub struct PublishArgs {
    /// Topic template: %i client index, %c client id, %u user name
    #[arg(
        short = 't',
        long = "topic",
        value_name = "TOPIC",
        default_value = "mqtt-bench/%i",
        allow_hyphen_values = true
    )]
    pub topic: String,

    /// Aggregate messages per second over all publishers [default: as fast
    /// as the inflight window allows]
    #[arg(long = "rate", value_name = "PER_SECOND", conflicts_with = "interval")]
    pub rate: Option<String>,

    /// Time between messages of each publisher (e.g. 10ms, 1s)
    #[arg(long = "interval", value_name = "DURATION")]
    pub interval: Option<String>,

    /// Payload size in bytes (at least 28: the mqtt-bench header)
    #[arg(short = 's', long = "size", value_name = "BYTES", default_value = "64")]
    pub size: String,

    /// Quality of service: 0, 1 or 2
    #[arg(short = 'q', long = "qos", value_name = "QOS", default_value = "0")]
    pub qos: String,

    /// Publish with the retain flag
    #[arg(short = 'r', long = "retain")]
    pub retain: bool,

    /// Each publisher is a Sparkplug B edge node: NDEATH as its will, NBIRTH
    /// and a DBIRTH per device on connecting, then DDATA (with seq and
    /// aliases) at the rate asked; a rebirth request (NCMD) is answered
    ///
    /// The topics are spBv1.0/GROUP/KIND/edge-%i[/dev-N] (no -t); pubsub's
    /// subscribers take spBv1.0/GROUP/# and check each node's seq.
    #[arg(long = "sparkplug", conflicts_with_all = ["topic", "retain"])]
    pub sparkplug: bool,

    /// The Sparkplug group of the edge nodes
    #[arg(
        long = "sparkplug-group",
        value_name = "GROUP",
        default_value = "mqtt-bench",
        requires = "sparkplug"
    )]
    pub sparkplug_group: String,

    /// Devices per edge node (each DDATA is one device's, in turn)
    #[arg(
        long = "sparkplug-devices",
        value_name = "N",
        default_value = "1",
        requires = "sparkplug"
    )]
    pub sparkplug_devices: String,
}

/// How long a run lasts and how it is made reproducible.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Run")]
pub struct RunArgs {
    /// Connections opened per second [default: as fast as possible]
    #[arg(long = "conn-rate", value_name = "PER_SECOND", help_heading = "Load")]
    pub conn_rate: Option<String>,

    /// Local source addresses, given to the clients in turn (past the
    /// ~28,000 ports one address has per broker)
    #[arg(long = "ifaddr", value_name = "ADDR[,ADDR...]", help_heading = "Load")]
    pub ifaddr: Option<String>,

    /// Threads the clients run on [default: 1; more for a generator with
    /// many cores to spare — on a small machine one thread leaves the
    /// cores to the broker and costs less per message]
    #[arg(long = "threads", value_name = "N", help_heading = "Load")]
    pub threads: Option<String>,

    /// Messages to publish in total (pub, pubsub) or to receive (sub)
    #[arg(long = "count", value_name = "N")]
    pub count: Option<String>,

    /// Length of the measured run (e.g. 30s, 2m) [default: 10s, unless --count]
    #[arg(long = "duration", value_name = "DURATION")]
    pub duration: Option<String>,

    /// Time before measuring starts: its messages are checked for loss but
    /// left out of latency and rate figures [default: 0s]
    #[arg(long = "warmup", value_name = "DURATION")]
    pub warmup: Option<String>,

    /// After publishing ends, how long to wait for late messages before
    /// counting the missing ones as lost [default: 5s; ends early when all arrived]
    #[arg(long = "drain", value_name = "DURATION")]
    pub drain: Option<String>,

    /// Seed for everything random (payload filler, connection jitter)
    #[arg(long = "seed", value_name = "N")]
    pub seed: Option<String>,

    /// Run shard I of N (0-based): a disjoint slice of client indexes, ids and
    /// topics; combine the reports with `mqtt-bench merge`
    #[arg(long = "shard", value_name = "I/N")]
    pub shard: Option<String>,
}

/// Reports and verdicts.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Report")]
pub struct ReportArgs {
    /// Write the JSON report to FILE ('-' for stdout)
    #[arg(long = "json", value_name = "FILE")]
    pub json: Option<String>,

    /// Write a self-contained HTML report with SVG charts to FILE
    #[arg(long = "html", value_name = "FILE")]
    pub html: Option<String>,

    /// A threshold that sets the exit code, e.g. 'p99_ms<=20', 'loss==0',
    /// 'rate>=9500' (repeatable; metrics are listed in the README)
    #[arg(long = "assert", value_name = "EXPR", action = ArgAction::Append)]
    pub assert: Vec<String>,

    /// Compare against a saved JSON report: rates may not drop and latencies
    /// may not grow by more than --tolerance
    #[arg(long = "baseline", value_name = "FILE")]
    pub baseline: Option<String>,

    /// Allowed regression against --baseline (e.g. 10%)
    #[arg(long = "tolerance", value_name = "PERCENT", default_value = "10%")]
    pub tolerance: String,

    /// Print help
    #[arg(long = "help", action = ArgAction::Help, help_heading = "Other")]
    pub help: Option<bool>,
}

/// `mqtt-bench merge`.
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true)]
pub struct MergeArgs {
    /// JSON reports written by --json (from --shard runs)
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<String>,

    #[command(flatten)]
    pub report: ReportArgs,
}

impl crate::Binary for BenchArgs {
    const NAME: &'static str = "mqtt-bench";
    const DEFAULTS_FILE: bool = false;
    const CODES: crate::exit::Codes = crate::exit::Codes::Bench;
}
