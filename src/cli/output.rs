//! The output option group shared by mqtt-sub and mqtt-rr.

use clap::{ArgAction, Args};

/// How received messages are printed, and when to stop waiting.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print the topic before the payload: `topic payload`
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,

    /// Do not end each message with a newline
    #[arg(short = 'N')]
    pub no_eol: bool,

    /// Print each message with FORMAT (mosquitto's -F language)
    ///
    /// %t topic, %p payload, %x/%X payload in hex (%.2:x groups bytes with ':'),
    /// %l length, %q QoS, %r retain, %m message id, %j/%J JSON, %I ISO time,
    /// %U epoch time, %f/%d payload as float/double, MQTT v5: %A topic alias,
    /// %C content type, %D correlation data, %E message expiry, %F payload
    /// format, %P user properties, %R response topic, %S subscription id.
    /// Flags: - (left align), 0 (zero pad), width, .precision. @X is
    /// strftime's %X of local time, @N nanoseconds, @@ a literal @. Escapes:
    /// \\ \0 \a \e \n \r \t \v.
    #[arg(short = 'F', value_name = "FORMAT", allow_hyphen_values = true)]
    pub format: Option<String>,

    /// Indent %j and %J JSON output with tabs
    #[arg(long = "pretty")]
    pub pretty: bool,

    /// Print one JSON object per line, lossless for binary payloads
    ///
    /// {"tst":..., "topic":..., "qos":..., "retain":..., "mid":..., "properties":{...},
    /// "payload":"<utf-8>"} or "payload_base64":"..." when the payload is not
    /// UTF-8: the format mqtt-pub --jsonl reads.
    #[arg(long = "json", conflicts_with_all = ["verbose", "format", "no_eol"])]
    pub json: bool,

    /// Show each payload decoded to JSON: sparkplug,
    /// protobuf:FILE.proto[:package.Message], json, cbor or msgpack
    ///
    /// In the default and -v output and in -F's fields the payload is the
    /// JSON text; with --json it is the JSON value. A payload that does not
    /// decode is shown as it is, after a warning on stderr. sparkplug names
    /// metrics sent by alias from their births and checks each edge node's
    /// seq and bdSeq: what does not add up is a warning, and a "warnings"
    /// field in --json.
    #[arg(long = "decode", value_name = "CODEC")]
    pub decode: Option<String>,

    /// Do not print retained messages (and, with MQTT v5, ask the broker not to send them)
    #[arg(short = 'R')]
    pub no_retained: bool,

    /// MQTT v5: which retained messages the broker sends on subscribing
    ///
    /// `always` (the default), `new` (only when the subscription did not
    /// exist yet) or `never`. -R implies `never`.
    #[arg(long = "retain-handling", value_name = "WHEN", allow_hyphen_values = true)]
    pub retain_handling: Option<String>,

    /// MQTT v5: keep the retain flag as the publisher set it
    #[arg(long = "retain-as-published")]
    pub retain_as_published: bool,

    /// Give up after SECONDS without finishing: print "Timed out", exit 27
    #[arg(short = 'W', value_name = "SECONDS", allow_hyphen_values = true)]
    pub timeout: Option<String>,

    /// Print help
    #[arg(long = "help", action = ArgAction::Help, help_heading = "Other")]
    pub help: Option<bool>,

    /// Print version
    #[arg(long = "version", action = ArgAction::Version, help_heading = "Other")]
    pub version: Option<bool>,
}
