//! mqtt-pub's settings: the message source, QoS, retain, repetition and pacing.

use std::path::PathBuf;
use std::time::Duration;

use super::conn::ConnSettings;
use super::number::{parse_decimal, parse_int};
use crate::cli::{PayloadArgs, PubArgs};
use crate::codec::Codec;
use crate::mqtt::{Protocol, QoS, validate_publish_topic};
use crate::{exit, usage};

/// Where the payload(s) come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `-m`: the argument's bytes.
    Message(Vec<u8>),
    /// `-f`: the whole file.
    File(PathBuf),
    /// `-s`: all of stdin as one message.
    Stdin,
    /// `-l`: one message per line of stdin.
    Lines,
    /// `-n`: a zero-length payload.
    Null,
    /// `--jsonl`: one JSON object (topic, payload, qos, ...) per line of stdin.
    JsonLines,
    /// `--replay FILE` (`-`: stdin): `--jsonl` lines paced by their `tst`.
    Replay(PathBuf),
}

impl Source {
    /// One message per line of input, read as it goes.
    pub fn is_lines(&self) -> bool {
        matches!(self, Source::Lines | Source::JsonLines | Source::Replay(_))
    }
}

/// `--speed`: how a replay is paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// The captured gaps divided by this.
    Times(f64),
    /// No pauses: as fast as confirmed delivery allows.
    Max,
}

/// Validated mqtt-pub settings.
#[derive(Debug, Clone)]
pub struct PubSettings {
    pub conn: ConnSettings,
    /// The topic from `-t`/`-L`; optional only with `--jsonl`, whose lines may carry one.
    pub topic: Option<String>,
    pub source: Source,
    pub qos: QoS,
    pub retain: bool,
    pub repeat: u64,
    pub repeat_delay: Duration,
    /// Messages per second, on an absolute schedule.
    pub rate: Option<f64>,
    /// `--encode`: each message's JSON text sent in this format.
    pub encode: Option<Codec>,
    /// `--speed` of a `--replay` (1 without it).
    pub speed: Speed,
}

/// `--decode`/`--encode CODEC`.
pub fn parse_codec(flag: &str, name: Option<&str>) -> anyhow::Result<Option<Codec>> {
    name.map(|n| Codec::parse(n).map_err(|why| usage!("{flag} {n}: {why}.")))
        .transpose()
}

impl PubSettings {
    pub fn from_args(args: PubArgs, mosquitto_wording: bool) -> anyhow::Result<PubSettings> {
        let (conn, url_topic) = ConnSettings::from_args(&args.conn, Protocol::V311, mosquitto_wording, "Invalid id.")?;
        // What is wrong with the values given comes before what is missing.
        let lines = LineSources {
            stdin_line: args.stdin_line,
            jsonl: args.jsonl,
            replay: args.replay,
        };
        let source = message_source(args.payload, lines)?;
        // -t and -L both set the topic; -t wins (it is the more specific).
        let topic = args.topic.or(url_topic);
        if let Some(t) = &topic {
            check_publish_topic(t, "publish topic", mosquitto_wording)?;
        }
        let qos = parse_qos(args.qos.as_deref())?;
        let encode = parse_codec("--encode", args.encode.as_deref())?;
        if encode.is_some() && source == Some(Source::Null) {
            return Err(usage!("--encode needs a message: -n sends none."));
        }
        let repeat = match args.repeat.as_deref() {
            None => 1,
            Some(r) => parse_int::<u64>(r)
                .filter(|r| *r > 0)
                .ok_or_else(|| usage!("--repeat argument must be >0.\n"))?,
        };
        let repeat_delay = match args.repeat_delay.as_deref() {
            None => Duration::ZERO,
            Some(d) => Duration::from_secs_f64(
                parse_decimal(d).ok_or_else(|| usage!("--repeat-delay argument must be >=0.0.\n"))?,
            ),
        };
        let source = match source {
            Some(source) if topic.is_some() || matches!(source, Source::JsonLines | Source::Replay(_)) => source,
            // mosquitto_pub follows this one with its usage text on stdout.
            _ if mosquitto_wording => {
                return Err(exit::usage_text("Both topic and message must be supplied."));
            }
            _ => return Err(usage!("Both topic and message must be supplied.")),
        };
        // What mosquitto finds only when it connects comes after what is missing.
        let conn = conn?;
        if (repeat > 1 || !repeat_delay.is_zero()) && source.is_lines() {
            return Err(usage!(
                "--repeat and --repeat-delay apply to -m, -f, -s and -n, not to -l, --jsonl or --replay."
            ));
        }
        let speed = parse_speed(args.speed.as_deref(), &source)?;
        if args.rate.is_some() && matches!(source, Source::Replay(_)) {
            return Err(usage!(
                "--rate does not pace a --replay: its captured times do (--speed X to change them)."
            ));
        }
        let rate = match args.rate.as_deref() {
            None => None,
            Some(r) => Some(
                parse_decimal(r)
                    .filter(|r| *r > 0.0)
                    .ok_or_else(|| usage!("--rate must be a number of messages per second greater than 0."))?,
            ),
        };
        if let Source::Message(m) = &source {
            check_payload_len(m.len())?;
        }
        Ok(PubSettings {
            conn,
            topic,
            source,
            qos,
            retain: args.retain,
            repeat,
            repeat_delay,
            rate,
            encode,
            speed,
        })
    }
}

/// `--speed X` (a factor above 0, or `max`), only with `--replay`.
fn parse_speed(text: Option<&str>, source: &Source) -> anyhow::Result<Speed> {
    let Some(text) = text else {
        return Ok(Speed::Times(1.0));
    };
    if !matches!(source, Source::Replay(_)) {
        return Err(usage!("--speed paces a --replay; without one, --rate paces messages."));
    }
    if text == "max" {
        return Ok(Speed::Max);
    }
    parse_decimal(text)
        .filter(|x| *x > 0.0 && x.is_finite())
        .map(Speed::Times)
        .ok_or_else(|| usage!("--speed must be a number greater than 0 (2 is twice as fast) or max, not {text}."))
}

/// mqtt-pub's sources of one message per line (none for the others).
#[derive(Default)]
pub(crate) struct LineSources {
    pub stdin_line: u8,
    pub jsonl: u8,
    pub replay: Option<String>,
}

/// The one message source among `-m -f -s -n` and mqtt-pub's `-l --jsonl
/// --replay` (counting the defaults file too, as mosquitto does), or `None`.
pub(crate) fn message_source(p: PayloadArgs, lines: LineSources) -> anyhow::Result<Option<Source>> {
    let LineSources {
        stdin_line,
        jsonl,
        replay,
    } = lines;
    let given = p.message.len()
        + p.file.len()
        + usize::from(p.stdin_file)
        + usize::from(stdin_line)
        + usize::from(p.null_message)
        + usize::from(jsonl)
        + usize::from(replay.is_some());
    if given > 1 {
        return Err(usage!("Only one type of message can be sent at once.\n"));
    }
    Ok(if let Some(m) = p.message.into_iter().next() {
        Some(Source::Message(m.into_bytes()))
    } else if let Some(f) = p.file.into_iter().next() {
        Some(Source::File(PathBuf::from(f)))
    } else if p.stdin_file > 0 {
        Some(Source::Stdin)
    } else if stdin_line > 0 {
        Some(Source::Lines)
    } else if p.null_message > 0 {
        Some(Source::Null)
    } else if jsonl > 0 {
        Some(Source::JsonLines)
    } else {
        replay.map(|file| Source::Replay(PathBuf::from(file)))
    })
}

/// A topic to publish to (`label`: "publish topic", "will topic", ...).
/// Under a mosquitto name an empty one gets mosquitto 2.1's sentence, which
/// asks about wildcards; ours says it is empty.
pub(crate) fn check_publish_topic(topic: &str, label: &str, mosquitto_wording: bool) -> anyhow::Result<()> {
    match validate_publish_topic(topic, label) {
        Err(_) if topic.is_empty() && mosquitto_wording => {
            Err(usage!("Invalid {label} '', does it contain '+' or '#'?"))
        }
        r => r.map_err(|e| usage!("{e}")),
    }
}

/// `-q`: 0, 1 or 2 (default 0).
pub(crate) fn parse_qos(q: Option<&str>) -> anyhow::Result<QoS> {
    match q {
        None => Ok(QoS::AtMostOnce),
        Some(q) => parse_int::<u8>(q)
            .and_then(QoS::from_u8)
            .ok_or_else(|| usage!("Invalid QoS given: {q}")),
    }
}

/// The largest payload accepted: mosquitto_pub's limit, the packet's (the
/// remaining length also holds the topic).
pub const MAX_PAYLOAD: usize = crate::mqtt::MAX_PACKET_SIZE;

pub fn check_payload_len(len: usize) -> anyhow::Result<()> {
    if len > MAX_PAYLOAD {
        return Err(usage!("Message length must be less than {MAX_PAYLOAD} bytes.\n"));
    }
    Ok(())
}
