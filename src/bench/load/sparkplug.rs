//! `--sparkplug`: a publisher as a Sparkplug B edge node (its will, births,
//! device data with `seq` and aliases, rebirths when a host asks), and
//! what a subscriber checks of the nodes it hears: each node's `seq` runs
//! on by one through births and data, so a jump is a loss signal of its
//! own, beside the mqtt-bench header's accounting (the header rides in
//! each DDATA as a bytes metric).

use std::collections::HashMap;

use bytes::Bytes;
use prost::Message as _;

use super::header::{self, Header, PayloadMaker};
pub use crate::bench::report::SparkplugCounts;
use crate::codec::sparkplug::schema::{Metric, MetricValue, Payload};
use crate::codec::sparkplug::{Kind, Topic, json::types};
use crate::mqtt::{Message, OutMessage, QoS};
use crate::settings::{EdgeNodes, HEADER_LEN, Will};

/// The node metric a host sets to ask for a rebirth.
const REBIRTH: &str = "Node Control/Rebirth";
/// Aliases: the rebirth metric's, then two per device (header, filler).
const REBIRTH_ALIAS: u64 = 1;
fn header_alias(device: u32) -> u64 {
    10 + 2 * u64::from(device)
}

/// One publisher's edge node.
#[derive(Debug)]
pub struct EdgeNode {
    nodes: EdgeNodes,
    edge: String,
    bd_seq: u64,
    /// The seq of the node's next message.
    seq: u64,
    next_device: u32,
    maker: PayloadMaker,
    qos: QoS,
}

fn payload(seq: Option<u64>, metrics: Vec<Metric>) -> Bytes {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let p = Payload {
        timestamp: now.ok().map(|d| d.as_millis() as u64),
        metrics,
        seq,
        ..Payload::default()
    };
    Bytes::from(p.encode_to_vec())
}

fn metric(name: Option<&str>, alias: u64, datatype: u32, value: MetricValue) -> Metric {
    Metric {
        name: name.map(str::to_string),
        alias: Some(alias),
        datatype: Some(datatype),
        value: Some(value),
        ..Metric::default()
    }
}

impl EdgeNode {
    /// Publisher `index`'s node (`edge` its filled-in node id), with DDATA
    /// of about `size` bytes: the header metric, then filler.
    pub fn new(nodes: &EdgeNodes, edge: String, size: usize, seed: u64, qos: QoS) -> EdgeNode {
        // The filler metric makes up what the payload's framing leaves of -s.
        let framing = 20;
        EdgeNode {
            nodes: nodes.clone(),
            edge,
            bd_seq: 0,
            seq: 0,
            next_device: 0,
            maker: PayloadMaker::new(size.saturating_sub(framing).max(HEADER_LEN), seed),
            qos,
        }
    }

    fn topic(&self, kind: &str, device: Option<u32>) -> String {
        let node = self.nodes.topic(kind, &self.edge);
        match device {
            Some(d) => format!("{node}/dev-{d}"),
            None => node,
        }
    }

    fn bd_seq_metric(&self) -> Metric {
        let mut m = metric(Some("bdSeq"), 0, types::UINT64, MetricValue::Long(self.bd_seq));
        m.alias = None;
        m
    }

    /// NDEATH, which the broker publishes when the node is gone.
    pub fn will(&self) -> Will {
        Will {
            topic: self.topic("NDEATH", None),
            payload: payload(None, vec![self.bd_seq_metric()]).to_vec(),
            qos: QoS::AtMostOnce,
            retain: false,
        }
    }

    /// Where hosts send this node's commands.
    pub fn commands(&self) -> String {
        self.topic("NCMD", None)
    }

    fn next_seq(&mut self) -> Option<u64> {
        let s = self.seq;
        self.seq = (self.seq + 1) % 256;
        Some(s)
    }

    /// Births go at QoS 0, as Sparkplug has them; data at the run's QoS.
    fn out(&self, topic: String, payload: Bytes, qos: QoS) -> OutMessage {
        OutMessage {
            topic,
            payload,
            qos,
            retain: false,
            props: None,
        }
    }

    /// NBIRTH (seq 0 again) and each device's DBIRTH.
    pub fn births(&mut self) -> Vec<OutMessage> {
        self.seq = 0;
        let node = vec![
            self.bd_seq_metric(),
            metric(
                Some(REBIRTH),
                REBIRTH_ALIAS,
                types::BOOLEAN,
                MetricValue::Boolean(false),
            ),
        ];
        let seq = self.next_seq();
        let mut out = vec![self.out(self.topic("NBIRTH", None), payload(seq, node), QoS::AtMostOnce)];
        for d in 0..self.nodes.devices {
            let empty = Header {
                publisher: u32::MAX,
                seq: 0,
                intended_ns: 0,
                lag_us: 0,
            };
            let metrics = vec![metric(
                Some("mqtt-bench/header"),
                header_alias(d),
                types::BYTES,
                MetricValue::Bytes(self.maker.make(empty).to_vec()),
            )];
            let seq = self.next_seq();
            out.push(self.out(self.topic("DBIRTH", Some(d)), payload(seq, metrics), QoS::AtMostOnce));
        }
        out
    }

    /// The next device's DDATA, carrying `h` by alias.
    pub fn data(&mut self, h: Header) -> OutMessage {
        let d = self.next_device;
        self.next_device = (d + 1) % self.nodes.devices;
        let m = metric(
            None,
            header_alias(d),
            types::BYTES,
            MetricValue::Bytes(self.maker.make(h).to_vec()),
        );
        let seq = self.next_seq();
        self.out(self.topic("DDATA", Some(d)), payload(seq, vec![m]), self.qos)
    }
}

/// Whether `m` is a host's rebirth request on a node's `commands` topic.
pub fn asks_rebirth(commands: &str, m: &Message) -> bool {
    if m.topic.as_ref() != commands.as_bytes() {
        return false;
    }
    let Ok(p) = Payload::decode(m.payload.as_ref()) else {
        return false;
    };
    p.metrics.iter().any(|x| {
        (x.name.as_deref() == Some(REBIRTH) || x.alias == Some(REBIRTH_ALIAS))
            && x.value == Some(MetricValue::Boolean(true))
    })
}

/// What a message on a Sparkplug topic was to the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// Data: with the mqtt-bench header it carries, if it does.
    Data(Option<Header>),
    /// A birth, death or command: part of the protocol, not of the load.
    Control,
}

/// What a subscriber heard of Sparkplug traffic: each node's last seq.
#[derive(Debug, Default)]
pub struct Hearing {
    last: HashMap<String, u64>,
    pub counts: SparkplugCounts,
}

impl Hearing {
    /// Take in a message; `None` when it is not on a Sparkplug node's
    /// topic or not a Sparkplug payload.
    pub fn hear(&mut self, m: &Message) -> Option<Heard> {
        let topic = std::str::from_utf8(&m.topic).ok()?;
        let Some(Topic::Node { group, kind, edge, .. }) = Topic::parse(topic) else {
            return None;
        };
        let p = Payload::decode(m.payload.as_ref()).ok()?;
        let node = format!("{group}/{edge}");
        match kind {
            Kind::NCmd | Kind::DCmd => return Some(Heard::Control),
            Kind::NDeath => {
                self.counts.deaths += 1;
                self.last.remove(&node);
                return Some(Heard::Control);
            }
            Kind::NBirth | Kind::DBirth => self.counts.births += 1,
            _ => {}
        }
        let Some(seq) = p.seq else {
            return Some(Heard::Data(None));
        };
        match self.last.insert(node, seq) {
            Some(last) if kind != Kind::NBirth && seq != (last + 1) % 256 => {
                self.counts.seq_gaps += 1;
                self.counts.seq_skipped += (seq + 256 - (last + 1) % 256) % 256;
            }
            _ => {}
        }
        if matches!(kind, Kind::NBirth | Kind::DBirth) {
            return Some(Heard::Control);
        }
        let header = match p.metrics.first().map(|m| &m.value) {
            Some(Some(MetricValue::Bytes(b))) => header::decode(b),
            _ => None,
        };
        Some(Heard::Data(header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(o: OutMessage) -> Message {
        Message {
            topic: Bytes::from(o.topic.into_bytes()),
            payload: o.payload,
            qos: QoS::AtMostOnce,
            retain: false,
            dup: false,
            pkid: 0,
            props: None,
            props_order: Vec::new(),
        }
    }

    #[test]
    fn a_node_births_then_sends_data_a_subscriber_follows() {
        let nodes = EdgeNodes {
            group: "g".into(),
            devices: 2,
        };
        let mut node = EdgeNode::new(&nodes, "edge-3".into(), 100, 1, QoS::AtMostOnce);
        assert_eq!(node.will().topic, "spBv1.0/g/NDEATH/edge-3");
        let mut heard = Hearing::default();
        let births = node.births();
        let topics: Vec<&str> = births.iter().map(|b| b.topic.as_str()).collect();
        assert_eq!(
            topics,
            [
                "spBv1.0/g/NBIRTH/edge-3",
                "spBv1.0/g/DBIRTH/edge-3/dev-0",
                "spBv1.0/g/DBIRTH/edge-3/dev-1"
            ]
        );
        for b in births {
            assert_eq!(heard.hear(&received(b)), Some(Heard::Control));
        }
        let h = |seq| Header {
            publisher: 3,
            seq,
            intended_ns: 5,
            lag_us: 0,
        };
        let mut sizes = Vec::new();
        for seq in 0..300 {
            let d = node.data(h(seq));
            sizes.push(d.payload.len());
            if seq == 100 {
                continue; // lost
            }
            assert_eq!(heard.hear(&received(d)), Some(Heard::Data(Some(h(seq)))));
        }
        assert!(sizes.iter().all(|s| (90..=110).contains(s)), "about -s: {sizes:?}");
        assert_eq!(
            (heard.counts.births, heard.counts.seq_gaps, heard.counts.seq_skipped),
            (3, 1, 1)
        );
        // A rebirth starts seq again: not a gap.
        for b in node.births() {
            heard.hear(&received(b));
        }
        heard.hear(&received(node.data(h(300))));
        assert_eq!(heard.counts.seq_gaps, 1);
        let ask = crate::codec::sparkplug::encode(
            &serde_json::json!({"metrics": [{"name": REBIRTH, "datatype": "Boolean", "value": true}]}),
        )
        .unwrap();
        let mut cmd = received(node.data(h(0)));
        cmd.topic = Bytes::from_static(b"spBv1.0/g/NCMD/edge-3");
        cmd.payload = Bytes::from(ask);
        assert!(asks_rebirth(&node.commands(), &cmd));
        cmd.topic = Bytes::from_static(b"spBv1.0/g/NCMD/edge-4");
        assert!(!asks_rebirth(&node.commands(), &cmd));
    }
}
