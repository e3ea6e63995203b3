//! mosquitto_sub's output: the default and `-v` modes, the `-F` language
//! (parsed once, rendered per message; mosquitto 2.1 semantics, reference
//! §2.2–2.3), `%j`/`%J` JSON, and mqttkit's lossless `--json` lines.

pub mod json;
mod lines;
mod spec;
mod time;
mod watch;

pub use lines::json_line;
pub use spec::Format;
pub use time::{Stamp, latency, parse_tst};
pub use watch::Watch;

use bytes::Bytes;

use crate::codec::{Decoder, Reading};
use crate::mqtt::Message;

/// How each message is printed.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The payload.
    Payload,
    /// `-v`: topic, a space, the payload.
    Verbose,
    /// `-F FORMAT`.
    Format(Format),
    /// `--json`: one lossless JSON object per line.
    Json,
}

/// Renders messages in one mode.
#[derive(Debug, Clone)]
pub struct Printer {
    pub mode: Mode,
    /// End each message with a newline (`-N` turns it off).
    pub eol: bool,
    /// `--pretty` for `%j`/`%J`.
    pub pretty: bool,
    /// `--decode`: payloads shown as the JSON they decode to (the decoder
    /// remembers what earlier messages said, so each run has its own copy).
    pub decode: Option<Decoder>,
}

impl Printer {
    /// Whether the order of a message's MQTT 5 properties shows in the output.
    pub fn shows_property_order(&self) -> bool {
        matches!(&self.mode, Mode::Format(f) if f.prints_json())
    }

    /// Append `m`'s output to `out` (possibly nothing, as mosquitto prints
    /// nothing for an empty payload in the default mode). With `--decode`,
    /// a payload that decodes is shown as JSON (an empty one has nothing to
    /// decode); one that does not is shown as it is, after a warning. What
    /// the decoder finds amiss (a Sparkplug sequence gap) is a warning line
    /// too, and a `warnings` field in `--json`.
    pub fn message(&mut self, m: &Message, out: &mut Vec<u8>) {
        let Some(decoder) = self.decode.as_mut().filter(|_| !m.payload.is_empty()) else {
            return self.as_sent(m, None, out);
        };
        let topic = m.topic_str();
        match decoder.read(&topic, &m.payload) {
            Ok(reading) => {
                for w in &reading.warnings {
                    crate::exit::diag(format_args!("Warning: {topic}: {w}."));
                }
                let codec = decoder.codec().name();
                self.decoded(m, codec, &reading, out);
            }
            Err(why) => {
                crate::exit::diag(format_args!(
                    "Warning: cannot decode the payload on topic {topic} as {}: {why}; shown as it is.",
                    decoder.codec().name()
                ));
                self.as_sent(m, None, out);
            }
        }
    }

    /// `m` read as `reading`: the JSON value in a `--json` line, its text
    /// as the payload everywhere else.
    fn decoded(&self, m: &Message, codec: &str, reading: &Reading, out: &mut Vec<u8>) {
        if let Mode::Json = self.mode {
            return self.as_sent(m, Some((codec, reading)), out);
        }
        let text = serde_json::to_vec(&reading.value).expect("JSON to memory");
        let shown = Message {
            payload: Bytes::from(text),
            ..m.clone()
        };
        self.as_sent(&shown, None, out);
    }

    fn as_sent(&self, m: &Message, decoded: Option<(&str, &Reading)>, out: &mut Vec<u8>) {
        match &self.mode {
            Mode::Payload => {
                if !m.payload.is_empty() {
                    out.extend_from_slice(&m.payload);
                    self.end(out);
                }
            }
            Mode::Verbose => {
                if m.payload.is_empty() {
                    if self.eol {
                        out.extend_from_slice(&m.topic);
                        out.extend_from_slice(b" (null)\n");
                    }
                } else {
                    out.extend_from_slice(&m.topic);
                    out.push(b' ');
                    out.extend_from_slice(&m.payload);
                    self.end(out);
                }
            }
            Mode::Format(f) => {
                f.render(m, self.pretty, out);
                self.end(out);
            }
            Mode::Json => {
                json_line(m, &Stamp::now(), decoded, out);
                out.push(b'\n');
            }
        }
    }

    fn end(&self, out: &mut Vec<u8>) {
        if self.eol {
            out.push(b'\n');
        }
    }
}
