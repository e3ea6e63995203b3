//! mqtt-sub's and mqtt-rr's settings: filters, the output mode, counts and
//! timeouts, validated with mosquitto_sub's and mosquitto_rr's messages.

use std::time::Duration;

use super::Source;
use super::conn::{ConnSettings, SessionOptions};
use super::number::{parse_decimal, parse_int, shown};
use super::publish::{LineSources, check_publish_topic, message_source, parse_qos};
use crate::cli::{OutputArgs, RrArgs, SubArgs};
use crate::exit;
use crate::format::{Format, Mode, Printer};
use crate::mqtt::{Protocol, QoS, validate_filter};
use crate::usage;

/// How messages are printed, and when waiting ends.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub printer: Printer,
    /// `-R`: skip retained messages.
    pub no_retained: bool,
    pub retain_as_published: bool,
    /// The subscription's retain handling (MQTT 5): 0 always, 1 new
    /// subscriptions only, 2 never (`--retain-handling`; `-R` makes it 2).
    pub retain_handling: u8,
    /// `-W`.
    pub timeout: Option<Duration>,
}

impl OutputSettings {
    fn from_args(a: &OutputArgs, mosquitto_wording: bool) -> anyhow::Result<OutputSettings> {
        let mode = if a.json {
            Mode::Json
        } else if let Some(f) = &a.format {
            Mode::Format(Format::parse(f).map_err(|e| usage!("{e}"))?)
        } else if a.verbose {
            Mode::Verbose
        } else {
            Mode::Payload
        };
        let decode = super::publish::parse_codec("--decode", a.decode.as_deref())?;
        let timeout = match a.timeout.as_deref() {
            None => None,
            Some(w) => Some(Duration::from_secs(
                parse_int::<u64>(w)
                    .filter(|w| *w >= 1)
                    .ok_or_else(|| usage!("Invalid timeout \"{}\".\n", shown(w, mosquitto_wording)))?,
            )),
        };
        let retain_handling = match a.retain_handling.as_deref() {
            None | Some("always") => 0,
            Some("new") => 1,
            Some("never") => 2,
            Some(other) => return Err(usage!("Unknown value '{other}' for --retain-handling.\n")),
        };
        // -R asks for none, whatever else was said (the output is the same:
        // -R also skips retained messages here).
        let retain_handling = if a.no_retained { 2 } else { retain_handling };
        Ok(OutputSettings {
            printer: Printer {
                mode,
                eol: !a.no_eol,
                pretty: a.pretty,
                decode: decode.map(crate::codec::Decoder::new),
            },
            no_retained: a.no_retained,
            retain_as_published: a.retain_as_published,
            retain_handling,
            timeout,
        })
    }
}

/// Validated mqtt-sub settings.
#[derive(Debug, Clone)]
pub struct SubSettings {
    pub conn: ConnSettings,
    pub session: SessionOptions,
    pub filters: Vec<String>,
    pub filter_out: Vec<String>,
    pub unsubscribe: Vec<String>,
    pub qos: QoS,
    pub count: Option<u64>,
    pub exit_after_subscribe: bool,
    /// With only `-U`: end once every UNSUBSCRIBE is acknowledged (mqtt-sub;
    /// mosquitto_sub 2.1 stays until -W or a signal).
    pub exit_after_unsubscribe: bool,
    /// `--random-filter`, as a fraction 0.001–1.0.
    pub random_filter: Option<f64>,
    pub remove_retained: bool,
    pub retained_only: bool,
    pub exec: Option<String>,
    /// `-w/--watch`: each topic on a line of its own (a terminal view).
    pub watch: bool,
    /// `--message-rate`: count the messages each second instead of printing them.
    pub message_rate: bool,
    /// mqtt-rr `--latency`: print the time from request to response.
    pub latency: bool,
    pub output: OutputSettings,
}

impl SubSettings {
    pub fn from_args(args: SubArgs, mosquitto_wording: bool) -> anyhow::Result<SubSettings> {
        let (conn, url_topic) = ConnSettings::from_args(
            &args.conn,
            Protocol::V311,
            mosquitto_wording,
            "Invalid id and/or clean_session.",
        )?;
        let output = OutputSettings::from_args(&args.output, mosquitto_wording)?;
        let mut filters = args.topic;
        filters.extend(url_topic);
        for (list, what) in [
            (&filters, "subscription topic"),
            (&args.filter_out, "filter topic"),
            (&args.unsubscribe, "unsubscribe topic"),
        ] {
            for f in list {
                validate_filter(f, what).map_err(|e| usage!("{e}"))?;
            }
        }
        let qos = parse_qos(args.qos.as_deref())?;
        let count = args.count.as_deref().map(|c| count(c, mosquitto_wording)).transpose()?;
        let random_filter = args.random_filter.as_deref().map(random_filter).transpose()?;
        if filters.is_empty() && args.unsubscribe.is_empty() {
            return Err(usage!(
                "You must specify a topic to subscribe to (-t) or unsubscribe from (-U)."
            ));
        }
        // What mosquitto finds only when it connects comes after what is missing.
        let conn = conn?;
        if output.no_retained && args.retained_only {
            // mosquitto_sub puts a blank line before this one.
            return Err(exit::said(
                exit::Exit::Error,
                "\nError: Combining '-R' and '--retained-only' makes no sense.",
            ));
        }
        let session = SessionOptions::subscriber(count, output.printer.shows_property_order());
        Ok(SubSettings {
            conn,
            session,
            filters,
            filter_out: args.filter_out,
            unsubscribe: args.unsubscribe,
            qos,
            count,
            exit_after_subscribe: args.exit_after_subscribe,
            exit_after_unsubscribe: !mosquitto_wording,
            random_filter,
            remove_retained: args.remove_retained,
            retained_only: args.retained_only,
            exec: args.exec,
            // --message-rate prints no message, so there is nothing to watch.
            watch: args.watch && !args.message_rate,
            message_rate: args.message_rate,
            latency: false,
            output,
        })
    }
}

/// `-C`: at least one.
fn count(c: &str, mosquitto_wording: bool) -> anyhow::Result<u64> {
    parse_int::<u64>(c)
        .filter(|c| *c >= 1)
        .ok_or_else(|| usage!("Invalid message count \"{}\".\n", shown(c, mosquitto_wording)))
}

/// `--random-filter`: a percentage, as the fraction of messages printed.
fn random_filter(r: &str) -> anyhow::Result<f64> {
    let percent = parse_decimal(r)
        .filter(|r| (0.1..=100.0).contains(r))
        .ok_or_else(|| usage!("--random-filter chance must be between 0.1-100.0\n"))?;
    Ok(percent / 100.0)
}

/// Validated mqtt-rr settings.
#[derive(Debug, Clone)]
pub struct RrSettings {
    pub conn: ConnSettings,
    pub session: SessionOptions,
    pub topic: String,
    pub response_topic: String,
    pub source: Source,
    pub qos: QoS,
    /// `--latency`.
    pub latency: bool,
    pub output: OutputSettings,
}

impl RrSettings {
    pub fn from_args(args: RrArgs, mosquitto_wording: bool) -> anyhow::Result<RrSettings> {
        let (conn, url_topic) = ConnSettings::from_args(
            &args.conn,
            Protocol::V5,
            mosquitto_wording,
            "Invalid id and/or clean_session.",
        )?;
        let output = OutputSettings::from_args(&args.output, mosquitto_wording)?;
        let source = message_source(args.payload, LineSources::default())?;
        let topic = args.topic.or(url_topic);
        if let Some(t) = &topic {
            check_publish_topic(t, "publish topic", mosquitto_wording)?;
        }
        if let Some(t) = &args.response_topic {
            check_publish_topic(t, "response topic", mosquitto_wording)?;
        }
        let qos = parse_qos(args.qos.as_deref())?;
        let (Some(topic), Some(response_topic), Some(source)) = (topic, args.response_topic, source) else {
            return Err(usage!("All of topic, message, and response topic must be supplied."));
        };
        let conn = conn?;
        if conn.props.publish.response_topic.is_some() {
            return Err(usage!("Error in PUBLISH properties: Duplicate response topic."));
        }
        let session = SessionOptions::requester(args.latency, output.printer.shows_property_order());
        Ok(RrSettings {
            conn,
            session,
            topic,
            response_topic,
            source,
            qos,
            latency: args.latency,
            output,
        })
    }

    /// The listening half: subscribed to the response topic at the
    /// request's QoS until the first answer (`-C 1`), with nothing of
    /// mqtt-sub's own options.
    pub fn listener(self) -> SubSettings {
        SubSettings {
            conn: self.conn,
            session: self.session,
            filters: vec![self.response_topic],
            filter_out: Vec::new(),
            unsubscribe: Vec::new(),
            qos: self.qos,
            count: Some(1),
            exit_after_subscribe: false,
            exit_after_unsubscribe: false,
            random_filter: None,
            remove_retained: false,
            retained_only: false,
            exec: None,
            watch: false,
            message_rate: false,
            latency: self.latency,
            output: self.output,
        }
    }
}
