//! `mqtt-rr`: the arguments of the mosquitto_rr-compatible request/response client.

use clap::Parser;

use super::{ConnArgs, OutputArgs, PayloadArgs};

/// MQTT request/response: publish a request, print the response.
///
/// Subscribes to the response topic (-e), publishes the message to -t and
/// prints the first response. With MQTT v5 (the default) the request carries
/// the response-topic and a correlation-data property, and responses with
/// other correlation data are skipped; with -V 311 or -V 31 the first message
/// on the response topic is the answer. Exit codes: 0 a response was printed, 1 usage/config/connect
/// error or the subscription was refused, 1-5 or 128-162 the broker refused
/// the connection, 27 -W timed out.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "mqtt-rr",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
    after_help = "Example:\n  mqtt-rr -t service/time -e replies/me -m now -W 5"
)]
pub struct RrArgs {
    /// Topic to send the request to
    #[arg(short = 't', long = "topic", value_name = "TOPIC", allow_hyphen_values = true)]
    pub topic: Option<String>,

    /// Response topic: where the answer is expected
    #[arg(short = 'e', value_name = "TOPIC", allow_hyphen_values = true)]
    pub response_topic: Option<String>,

    #[command(flatten)]
    pub payload: PayloadArgs,

    /// Quality of service of the request and the response subscription [default: 0]
    #[arg(short = 'q', long = "qos", value_name = "QOS", allow_hyphen_values = true)]
    pub qos: Option<String>,

    /// Print the time from sending the request to receiving the response
    ///
    /// After the response, as `Latency: 1.234567ms` (ns, µs or ms; seconds
    /// with nine decimals from one second up). Turns Nagle's algorithm off.
    #[arg(long = "latency")]
    pub latency: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

impl crate::Binary for RrArgs {
    const NAME: &'static str = "mqtt-rr";
    const DEFAULTS_FILE: bool = true;
}
