//! `mqtt-sub`: the arguments of the mosquitto_sub-compatible subscriber.

use clap::{ArgAction, Parser};

use super::{ConnArgs, OutputArgs};

/// Subscribe to MQTT topics and print the messages.
///
/// Flag- and output-compatible with mosquitto_sub. Exit codes: 0 success
/// (-C reached, -E, a signal, a closed output pipe), 1 usage/config/connect
/// error, 1-5 or 128-162 the broker refused the connection (CONNACK code),
/// 27 -W timed out.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "mqtt-sub",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
    after_help = "Examples:\n  mqtt-sub -t 'sensors/#' -v\n  mqtt-sub -t a/b -C 1 -W 10\n  mqtt-sub -t '#' --json | jq .topic"
)]
pub struct SubArgs {
    /// Topic filter to subscribe to (repeatable; all go in one SUBSCRIBE)
    #[arg(short = 't', long = "topic", value_name = "FILTER", action = ArgAction::Append, allow_hyphen_values = true)]
    pub topic: Vec<String>,

    /// Do not print messages whose topic matches FILTER (repeatable)
    #[arg(short = 'T', long = "filter-out", value_name = "FILTER", action = ArgAction::Append, allow_hyphen_values = true)]
    pub filter_out: Vec<String>,

    /// Unsubscribe from FILTER after subscribing (repeatable)
    #[arg(short = 'U', long = "unsubscribe", value_name = "FILTER", action = ArgAction::Append, allow_hyphen_values = true)]
    pub unsubscribe: Vec<String>,

    /// Quality of service for the subscriptions: 0, 1 or 2 [default: 0]
    #[arg(short = 'q', long = "qos", value_name = "QOS", allow_hyphen_values = true)]
    pub qos: Option<String>,

    /// Exit after COUNT messages
    ///
    /// With QoS 1/2 the COUNTth message's handshake completes first, and later
    /// messages are not acknowledged, so a persistent session keeps them.
    #[arg(short = 'C', value_name = "COUNT", allow_hyphen_values = true)]
    pub count: Option<String>,

    /// Exit once the subscriptions are acknowledged
    #[arg(short = 'E')]
    pub exit_after_subscribe: bool,

    /// Print only PERCENT % of the messages, at random (0.1-100)
    #[arg(long = "random-filter", value_name = "PERCENT", allow_hyphen_values = true)]
    pub random_filter: Option<String>,

    /// Clear each retained message received (publish an empty retained message)
    ///
    /// With -C, --retained-only or -W the program still ends on its own.
    #[arg(long = "remove-retained")]
    pub remove_retained: bool,

    /// Print only retained messages; exit at the first live one
    #[arg(long = "retained-only")]
    pub retained_only: bool,

    /// Run COMMAND (with sh -c) for each message, in order, one at a time
    ///
    /// The payload is on its stdin; MQTT_TOPIC, MQTT_QOS and MQTT_RETAIN are in
    /// its environment. A failing command is reported on stderr and the
    /// subscription goes on.
    #[arg(long = "exec", value_name = "COMMAND", allow_hyphen_values = true)]
    pub exec: Option<String>,

    /// Print the number of messages received each second instead of the messages
    ///
    /// One line a second, `N msgs/s`, until -W or a signal ends the run
    /// (-C is not reached: no message is printed).
    #[arg(long = "message-rate")]
    pub message_rate: bool,

    /// Print each topic on a line of its own, overwritten by its next message
    ///
    /// A terminal view of many topics (mosquitto 2.1): the screen is cleared,
    /// topics get lines in the order they are first seen. For single-line
    /// payloads and fewer topics than the terminal has lines; works with -v
    /// and -F.
    #[arg(short = 'w', long = "watch")]
    pub watch: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl crate::Binary for SubArgs {
    const NAME: &'static str = "mqtt-sub";
    const DEFAULTS_FILE: bool = true;
}
