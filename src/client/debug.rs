//! mosquitto's `-d` lines, printed to stdout in event order:
//! `Client <id> sending PUBLISH (d0, q1, r0, m1, 'topic', ... (5 bytes))`.
//! The id is the client id, the broker-assigned one after a v5 CONNACK, or
//! `null` (mosquitto 2.1 prints `(null)` on the CONNACK line only).

use std::fmt::Arguments;
use std::io::Write;

use super::Event;
use super::codec::Ack;

/// What a PUBLISH looked like, for its "sending" line once it is written.
#[derive(Debug, Clone)]
pub struct PublishLine {
    pub qos: u8,
    pub retain: bool,
    pub topic: String,
    pub len: usize,
}

/// The `-d` printer. Disabled, it costs one branch per event.
#[derive(Debug, Clone, Default)]
pub struct DebugLog {
    pub enabled: bool,
    id: Option<String>,
    /// The last message id shown: libmosquitto numbers QoS 0 messages from
    /// the same counter as everything else (a QoS 0 PUBLISH after SUBSCRIBE
    /// 1 is m2), so a QoS 0 one is shown as the next.
    last_mid: u32,
}

impl DebugLog {
    pub fn new(enabled: bool, id: Option<String>) -> Self {
        DebugLog {
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
            Event::PublishSent { pkid, line } => {
                let mid = if *pkid == 0 {
                    self.last_mid + 1
                } else {
                    u32::from(*pkid)
                };
                self.last_mid = mid;
                if let Some(l) = line {
                    let r = u8::from(l.retain);
                    self.client(format_args!(
                        "sending PUBLISH (d0, q{}, r{r}, m{mid}, '{}', ... ({} bytes))",
                        l.qos, l.topic, l.len
                    ));
                }
            }
            Event::Message(m) => self.client(format_args!(
                "received PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))",
                u8::from(m.dup),
                m.qos as u8,
                u8::from(m.retain),
                m.pkid,
                m.topic_str(),
                m.payload.len()
            )),
            Event::PubAck { pkid, reason, .. } => {
                self.client(format_args!("received PUBACK (Mid: {pkid}, RC:{reason})"))
            }
            Event::PubRec { pkid, .. } => self.client(format_args!("received PUBREC (Mid: {pkid})")),
            Event::PubComp { pkid, reason } => self.client(format_args!("received PUBCOMP (Mid: {pkid}, RC:{reason})")),
            Event::AckSent { ack, pkid } => match ack {
                Ack::PubAck => self.client(format_args!("sending PUBACK (m{pkid}, rc0)")),
                Ack::PubRec => self.client(format_args!("sending PUBREC (m{pkid}, rc0)")),
                Ack::PubRel => self.client(format_args!("sending PUBREL (m{pkid})")),
                Ack::PubComp => self.client(format_args!("sending PUBCOMP (m{pkid})")),
            },
            Event::PubRelReceived { pkid } => self.client(format_args!("received PUBREL (Mid: {pkid})")),
            Event::SubscribeSent { pkid, filters } => {
                self.last_mid = u32::from(*pkid);
                for (topic, qos, options) in filters {
                    self.client(format_args!(
                        "sending SUBSCRIBE (Mid: {pkid}, Topic: {topic}, QoS: {qos}, Options: 0x{options:02x})"
                    ));
                }
            }
            Event::SubAck { .. } => self.client(format_args!("received SUBACK")),
            Event::UnsubscribeSent { pkid, topic } => {
                self.last_mid = u32::from(*pkid);
                self.client(format_args!("sending UNSUBSCRIBE (Mid: {pkid}, Topic: {topic})"));
            }
            Event::UnsubAck { .. } => self.client(format_args!("received UNSUBACK")),
            Event::PingReqSent => self.client(format_args!("sending PINGREQ")),
            Event::PingResp => self.client(format_args!("received PINGRESP")),
            Event::DisconnectSent => self.client(format_args!("sending DISCONNECT")),
            Event::DisconnectReceived { reason, .. } => self.print(format_args!("Received DISCONNECT ({reason})")),
            Event::PublishFailed { .. } | Event::Other => {}
        }
    }
}
