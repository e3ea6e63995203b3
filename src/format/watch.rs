//! `mqtt-sub -w/--watch` (mosquitto 2.1): a terminal view of many topics.
//! The screen is cleared and a `Broker: HOST` line written; each topic gets
//! a line of its own, in the order topics are first seen, and its messages
//! are printed there, overwriting the previous one. Meant for single-line
//! payloads and fewer topics than the terminal has lines, as mosquitto's.

use std::collections::HashMap;

/// The lines given to topics so far.
#[derive(Debug, Default)]
pub struct Watch {
    lines: HashMap<Vec<u8>, usize>,
}

/// The first line a topic gets (line 1 is the `Broker:` line).
const FIRST: usize = 2;

impl Watch {
    /// Clear the screen and write the header.
    pub fn start(host: &str, out: &mut Vec<u8>) -> Watch {
        out.extend_from_slice(b"\x1b[2J\x1b[1;1H");
        out.extend_from_slice(format!("Broker: {host}\n").as_bytes());
        Watch::default()
    }

    /// Move the cursor to `topic`'s line (giving it one if it is new).
    pub fn place(&mut self, topic: &[u8], out: &mut Vec<u8>) {
        let next = FIRST + self.lines.len();
        let line = *self.lines.entry(topic.to_vec()).or_insert(next);
        out.extend_from_slice(format!("\x1b[{line};1H").as_bytes());
    }

    /// After a message: park the cursor below the last topic's line.
    pub fn park(&self, out: &mut Vec<u8>) {
        let last = FIRST + self.lines.len() - 1;
        out.extend_from_slice(format!("\x1b[{last};1H\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_topic_keeps_its_line() {
        let mut out = Vec::new();
        let mut w = Watch::start("localhost", &mut out);
        assert_eq!(out, b"\x1b[2J\x1b[1;1HBroker: localhost\n");
        out.clear();
        w.place(b"a", &mut out);
        w.park(&mut out);
        w.place(b"b", &mut out);
        w.place(b"a", &mut out);
        w.park(&mut out);
        assert_eq!(out, b"\x1b[2;1H\x1b[2;1H\n\x1b[3;1H\x1b[2;1H\x1b[3;1H\n");
    }
}
