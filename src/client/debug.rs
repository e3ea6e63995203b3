//! mosquitto's `-d` lines (reference §6), printed to stdout in event order:
//! `Client <id> sending PUBLISH (d0, q1, r0, m1, 'topic', ... (5 bytes))`.
//! The id is the client id, the broker-assigned one after a v5 CONNACK, or
//! `null` (mosquitto 2.1 prints `(null)` on the CONNACK line only).

use std::collections::VecDeque;
use std::fmt::Arguments;
use std::io::Write;
use std::sync::{Arc, Mutex};

use super::Event;

/// What a PUBLISH looked like, kept until its "sending" line is printed.
#[derive(Debug, Clone)]
pub struct PublishLine {
    pub qos: u8,
    pub retain: bool,
    pub topic: String,
    pub len: usize,
}

/// The `-d` printer. Disabled, it costs one branch per event.
#[derive(Debug, Clone, Default)]
pub struct Debug {
    pub enabled: bool,
    id: Option<String>,
    /// Publishes handed to the library, oldest first (only when enabled).
    pending: Arc<Mutex<VecDeque<PublishLine>>>,
    /// mosquitto numbers QoS 0 messages too; we count them here.
    qos0_mid: u32,
}

impl Debug {
    pub fn new(enabled: bool, id: Option<String>) -> Self {
        Debug {
            enabled,
            id,
            ..Default::default()
        }
    }

    fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("null")
    }

    /// Print one raw line.
    pub fn print(&self, args: Arguments<'_>) {
        if self.enabled {
            let mut out = std::io::stdout().lock();
            let _ = out.write_fmt(args);
            let _ = out.write_all(b"\n");
            let _ = out.flush();
        }
    }

    /// Print `Client <id> <what>`.
    pub fn client(&self, what: Arguments<'_>) {
        if self.enabled {
            self.print(format_args!("Client {} {what}", self.id()));
        }
    }

    /// Remember a publish so its "sending PUBLISH" line can name topic and size.
    pub fn queued(&self, line: PublishLine) {
        if self.enabled {
            self.pending.lock().expect("debug queue").push_back(line);
        }
    }

    pub fn connack(&mut self, code: u8, assigned_id: Option<&str>) {
        if let Some(id) = assigned_id {
            self.id = Some(id.to_string());
        }
        if self.enabled {
            let id = self.id.as_deref().unwrap_or("(null)");
            self.print(format_args!("Client {id} received CONNACK ({code})"));
        }
    }

    /// The line for an event, if mosquitto prints one.
    pub fn event(&mut self, ev: &Event) {
        if !self.enabled {
            return;
        }
        match ev {
            Event::ConnAck { assigned_id, .. } => self.connack(0, assigned_id.as_deref()),
            Event::PublishSent { pkid } => {
                let line = self.pending.lock().expect("debug queue").pop_front();
                let mid = if *pkid == 0 {
                    self.qos0_mid += 1;
                    self.qos0_mid
                } else {
                    u32::from(*pkid)
                };
                if let Some(l) = line {
                    self.client(format_args!(
                        "sending PUBLISH (d0, q{}, r{}, m{mid}, '{}', ... ({} bytes))",
                        l.qos,
                        u8::from(l.retain),
                        l.topic,
                        l.len
                    ));
                }
            }
            Event::PubAck { pkid, reason, .. } => {
                self.client(format_args!("received PUBACK (Mid: {pkid}, RC:{reason})"))
            }
            Event::PubRec { pkid, .. } => self.client(format_args!("received PUBREC (Mid: {pkid})")),
            Event::PubRelSent { pkid } => self.client(format_args!("sending PUBREL (m{pkid})")),
            Event::PubComp { pkid, reason } => self.client(format_args!("received PUBCOMP (Mid: {pkid}, RC:{reason})")),
            Event::PingReqSent => self.client(format_args!("sending PINGREQ")),
            Event::PingResp => self.client(format_args!("received PINGRESP")),
            Event::DisconnectSent => self.client(format_args!("sending DISCONNECT")),
            Event::DisconnectReceived { reason } => self.print(format_args!("Received DISCONNECT ({reason})")),
            Event::Other => {}
        }
    }
}
