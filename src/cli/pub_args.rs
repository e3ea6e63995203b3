//! `mqtt-pub`: the arguments of the mosquitto_pub-compatible publisher.

use clap::{ArgAction, Parser};

use super::{ConnArgs, PayloadArgs};

/// Publish MQTT messages: one, a file, stdin, or one per line / per JSON line.
///
/// Flag-compatible with mosquitto_pub, but it exits 0 only when every message
/// was confirmed by the broker (QoS 1 PUBACK, QoS 2 PUBCOMP) and the
/// DISCONNECT was sent. Exit codes: 0 success, 1 usage/config/connect error,
/// 1-5 or 128-162 the broker refused the connection (CONNACK code), 7 the
/// connection was lost with messages unconfirmed, 128-162 a v5 PUBACK/PUBREC
/// rejected a message (its reason code). SIGINT/SIGTERM during -l or --jsonl
/// stop reading, wait up to 5 s for confirmations (a second signal: none),
/// print the counts and exit 130/143, or 7 if some stayed unconfirmed.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "mqtt-pub",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
    after_help = "Examples:\n  mqtt-pub -t sensors/temp -m 21.5 -q 1\n  seq 1 1000 | mqtt-pub -t numbers -l -q 1\n  mqtt-sub --json -t 'a/#' -C 100 > cap.jsonl; mqtt-pub --jsonl < cap.jsonl\n  mqtt-pub --replay cap.jsonl --speed 4"
)]
pub struct PubArgs {
    /// Topic to publish to
    #[arg(short = 't', long = "topic", value_name = "TOPIC", allow_hyphen_values = true)]
    pub topic: Option<String>,

    #[command(flatten)]
    pub payload: PayloadArgs,

    /// Send one message per line of stdin (the '\n' is removed, '\r' kept; an empty line is an empty message)
    #[arg(short = 'l', long = "stdin-line", action = ArgAction::Count, help_heading = "Message (exactly one of these)")]
    pub stdin_line: u8,

    /// Read one JSON object per line of stdin and publish it
    ///
    /// Each line is {"topic": "...", "payload": "<utf-8 text>"} or
    /// {"topic": "...", "payload_base64": "..."}, with optional "qos",
    /// "retain" and, for MQTT v5, "properties" (content-type, response-topic,
    /// correlation-data, message-expiry-interval, payload-format-indicator,
    /// user-properties as [{"key":"value"}, ...]). -t, -q and -r give the
    /// defaults. This is the format mqtt-sub --json writes, so a capture can
    /// be replayed.
    #[arg(long = "jsonl", action = ArgAction::Count, help_heading = "Message (exactly one of these)")]
    pub jsonl: u8,

    /// Publish a capture (the JSON lines mqtt-sub --json writes; - for stdin)
    /// with the gaps between its "tst" times
    ///
    /// Each line's topic, payload, qos, retain and properties are sent as
    /// --jsonl sends them, paced by the line's "tst": the first at once, each
    /// later one when as much time has passed as between the two captures
    /// (divided by --speed). A file is read through before connecting, so a
    /// line that is not valid, lacks "tst" or is earlier than the one before
    /// sends nothing (--speed max needs no times).
    #[arg(
        long = "replay",
        value_name = "FILE",
        help_heading = "Message (exactly one of these)"
    )]
    pub replay: Option<String>,

    /// --replay this many times faster than captured (2.5, 0.5, ...), or
    /// max: as fast as confirmed delivery allows [default: 1]
    #[arg(long = "speed", value_name = "X")]
    pub speed: Option<String>,

    /// Read each message as JSON text and send it encoded: sparkplug,
    /// protobuf:FILE.proto[:package.Message], json, cbor or msgpack
    ///
    /// -m, -f, -s and each -l line are JSON documents; a --jsonl line's
    /// "payload" is the value to encode ("payload_base64" is sent as it is).
    #[arg(long = "encode", value_name = "CODEC")]
    pub encode: Option<String>,

    /// Quality of service: 0, 1 or 2 [default: 0]
    #[arg(short = 'q', long = "qos", value_name = "QOS", allow_hyphen_values = true)]
    pub qos: Option<String>,

    /// Ask the broker to retain the message
    #[arg(short = 'r', long = "retain")]
    pub retain: bool,

    /// Publish the message COUNT times (-m, -f, -s, -n)
    #[arg(long = "repeat", value_name = "COUNT", allow_hyphen_values = true)]
    pub repeat: Option<String>,

    /// Wait SECONDS (fractions allowed) after each repeated message is confirmed
    #[arg(long = "repeat-delay", value_name = "SECONDS", allow_hyphen_values = true)]
    pub repeat_delay: Option<String>,

    /// Publish at most N messages per second, on an absolute schedule (-l, --jsonl, --repeat)
    #[arg(long = "rate", value_name = "N", allow_hyphen_values = true)]
    pub rate: Option<String>,

    #[command(flatten)]
    pub conn: ConnArgs,

    /// Print help
    #[arg(long = "help", action = ArgAction::Help, help_heading = "Other")]
    pub help: Option<bool>,

    /// Print version
    #[arg(long = "version", action = ArgAction::Version, help_heading = "Other")]
    pub version: Option<bool>,
}

impl crate::Binary for PubArgs {
    const NAME: &'static str = "mqtt-pub";
    const DEFAULTS_FILE: bool = true;
}
