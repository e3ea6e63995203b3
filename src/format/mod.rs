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
pub use time::{Stamp, latency};
pub use watch::Watch;

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
}

impl Printer {
    /// Whether the order of a message's MQTT 5 properties shows in the output.
    pub fn shows_property_order(&self) -> bool {
        matches!(&self.mode, Mode::Format(f) if f.prints_json())
    }

    /// Append `m`'s output to `out` (possibly nothing, as mosquitto prints
    /// nothing for an empty payload in the default mode).
    pub fn message(&self, m: &Message, out: &mut Vec<u8>) {
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
                json_line(m, &Stamp::now(), out);
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
