//! Sparkplug B: the topic namespace `spBv1.0/GROUP/TYPE/EDGE[/DEVICE]`
//! (and `spBv1.0/STATE/HOST`), its Protobuf payload ([`schema`]) shown as
//! JSON ([`json`]), and what a subscriber must remember to read it: the
//! names and types each edge node's births gave its aliases, and the
//! node's `seq` (0–255, one more per message) and `bdSeq` (the session
//! number its NBIRTH and NDEATH share). [`Follower`] keeps that per node
//! and says when something does not add up.

pub mod json;
pub mod schema;

use std::collections::HashMap;

use serde_json::Value;

use super::Reading;

pub use schema::Payload;

/// The namespace every Sparkplug B topic starts with.
pub const NAMESPACE: &str = "spBv1.0";

/// What a topic says about its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic<'a> {
    /// `spBv1.0/STATE/HOST`: a host application's JSON status.
    State { host: &'a str },
    /// `spBv1.0/GROUP/KIND/EDGE[/DEVICE]`.
    Node {
        group: &'a str,
        kind: Kind,
        edge: &'a str,
        device: Option<&'a str>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NBirth,
    NDeath,
    NData,
    NCmd,
    DBirth,
    DDeath,
    DData,
    DCmd,
}

impl Kind {
    const NAMES: [(&'static str, Kind); 8] = [
        ("NBIRTH", Kind::NBirth),
        ("NDEATH", Kind::NDeath),
        ("NDATA", Kind::NData),
        ("NCMD", Kind::NCmd),
        ("DBIRTH", Kind::DBirth),
        ("DDEATH", Kind::DDeath),
        ("DDATA", Kind::DData),
        ("DCMD", Kind::DCmd),
    ];

    pub fn name(self) -> &'static str {
        Kind::NAMES
            .iter()
            .find(|(_, k)| *k == self)
            .expect("every kind is named")
            .0
    }

    fn of_device(self) -> bool {
        matches!(self, Kind::DBirth | Kind::DDeath | Kind::DData | Kind::DCmd)
    }

    /// Whether the node numbers this message with `seq` (commands come
    /// from a host and deaths from the broker).
    fn sequenced(self) -> bool {
        !matches!(self, Kind::NCmd | Kind::DCmd | Kind::NDeath)
    }
}

impl<'a> Topic<'a> {
    /// The topic's meaning, or `None` outside the namespace (or malformed).
    pub fn parse(topic: &'a str) -> Option<Topic<'a>> {
        let mut parts = topic.split('/');
        if parts.next()? != NAMESPACE {
            return None;
        }
        let parts: Vec<&str> = parts.collect();
        match parts.as_slice() {
            ["STATE", host] => Some(Topic::State { host }),
            [group, kind, edge, rest @ ..] if rest.len() <= 1 => {
                let kind = Kind::NAMES.iter().find(|(n, _)| n == kind)?.1;
                let device = rest.first().copied();
                (kind.of_device() == device.is_some()).then_some(Topic::Node {
                    group,
                    kind,
                    edge,
                    device,
                })
            }
            _ => None,
        }
    }
}

/// A payload as JSON, read without what earlier messages said.
pub fn decode(payload: &[u8]) -> Result<Value, String> {
    json::to_json(&schema::read(payload)?, &|_| None)
}

/// The payload a JSON document describes.
pub fn encode(value: &Value) -> Result<Vec<u8>, String> {
    use prost::Message as _;
    Ok(json::from_json(value)?.encode_to_vec())
}

/// A metric's name and data type, as a birth gave them.
type Known = (String, u32);

/// What a subscriber knows of one edge node.
#[derive(Debug, Default, Clone)]
struct Node {
    /// Its NBIRTH was seen (and no NDEATH since).
    born: bool,
    bd_seq: Option<u64>,
    seq: Option<u64>,
    /// Aliases of the node's metrics and, by device, of its devices'.
    aliases: HashMap<u64, Known>,
    devices: HashMap<String, HashMap<u64, Known>>,
    /// The "rebirth is needed" warning was given for this stretch.
    told_unborn: bool,
}

/// Follows every edge node's sessions across the messages it is shown.
#[derive(Debug, Default, Clone)]
pub struct Follower {
    nodes: HashMap<(String, String), Node>,
}

impl Follower {
    /// `payload` on `topic`: names resolved, sequence numbers checked.
    pub fn read(&mut self, topic: &str, payload: &[u8]) -> Result<Reading, String> {
        match Topic::parse(topic) {
            Some(Topic::State { .. }) => state(payload).map(|value| Reading {
                value,
                warnings: vec![],
            }),
            Some(Topic::Node {
                group,
                kind,
                edge,
                device,
            }) => {
                let p = schema::read(payload)?;
                let node = self.nodes.entry((group.to_string(), edge.to_string())).or_default();
                let name = format!("{group}/{edge}");
                let warnings = node.follow(kind, device, &p, &name);
                let value = json::to_json(&p, &|alias| node.known(device, alias))?;
                if kind == Kind::NDeath {
                    *node = Node::default();
                }
                Ok(Reading { value, warnings })
            }
            None => decode(payload).map(|value| Reading {
                value,
                warnings: vec![],
            }),
        }
    }
}

/// The `bdSeq` metric's value in a payload.
fn bd_seq(p: &Payload) -> Option<u64> {
    use schema::MetricValue;
    let m = p.metrics.iter().find(|m| m.name.as_deref() == Some("bdSeq"))?;
    match m.value {
        Some(MetricValue::Long(x)) => Some(x),
        Some(MetricValue::Int(x)) => Some(x.into()),
        _ => None,
    }
}

/// The names and types of a birth's metrics, by alias.
fn aliases(p: &Payload) -> HashMap<u64, Known> {
    let known = p
        .metrics
        .iter()
        .filter_map(|m| Some((m.alias?, (m.name.clone()?, m.datatype.unwrap_or(0)))));
    known.collect()
}

impl Node {
    fn known(&self, device: Option<&str>, alias: u64) -> Option<Known> {
        let own = device.and_then(|d| self.devices.get(d)).and_then(|a| a.get(&alias));
        own.or_else(|| self.aliases.get(&alias)).cloned()
    }

    /// Take `p` (a `kind` message) into account; what does not add up.
    fn follow(&mut self, kind: Kind, device: Option<&str>, p: &Payload, name: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        match kind {
            Kind::NBirth => {
                *self = Node {
                    born: true,
                    bd_seq: bd_seq(p),
                    aliases: aliases(p),
                    ..Node::default()
                };
                if self.bd_seq.is_none() {
                    warnings.push(format!("the NBIRTH of {name} has no bdSeq metric"));
                }
            }
            Kind::NDeath => match (self.born, self.bd_seq, bd_seq(p)) {
                (false, _, _) => warnings.push(format!("NDEATH of {name} without its NBIRTH")),
                (true, Some(born), Some(died)) if born != died => warnings.push(format!(
                    "the NDEATH of {name} has bdSeq {died}, its NBIRTH had {born}: the death of another session"
                )),
                _ => {}
            },
            _ if !self.born => {
                if !self.told_unborn {
                    self.told_unborn = true;
                    warnings.push(format!(
                        "{} from {name} before its NBIRTH: a rebirth is needed to know its metrics",
                        kind.name()
                    ));
                }
                return warnings;
            }
            Kind::DBirth => {
                let device = device.expect("device kinds have a device").to_string();
                self.devices.insert(device, aliases(p));
            }
            Kind::DDeath => {
                self.devices.remove(device.expect("device kinds have a device"));
            }
            _ => {}
        }
        if kind.sequenced() {
            self.check_seq(kind, p.seq, name, &mut warnings);
        }
        warnings
    }

    fn check_seq(&mut self, kind: Kind, seq: Option<u64>, name: &str, warnings: &mut Vec<String>) {
        let Some(seq) = seq else {
            return warnings.push(format!("a {} from {name} without seq", kind.name()));
        };
        if seq > 255 {
            warnings.push(format!("seq {seq} from {name} is out of 0–255"));
        }
        if let Some(last) = self.seq.filter(|_| kind != Kind::NBirth) {
            let due = (last + 1) % 256;
            if seq != due {
                let skipped = (seq + 256 - due % 256) % 256;
                warnings.push(format!(
                    "seq {seq} from {name} where {due} was due: {skipped} message(s) missing or out of order"
                ));
            }
        }
        self.seq = Some(seq);
    }
}

/// A host application's STATE: JSON in Sparkplug 3.0 (its `timestamp`
/// shown as a time too), the text `ONLINE`/`OFFLINE` before it.
fn state(payload: &[u8]) -> Result<Value, String> {
    match payload {
        b"ONLINE" => return Ok(serde_json::json!({"online": true})),
        b"OFFLINE" => return Ok(serde_json::json!({"online": false})),
        _ => {}
    }
    let mut v: Value = serde_json::from_slice(payload).map_err(|e| format!("a STATE that is not JSON ({e})"))?;
    if let Some(o) = v.as_object_mut()
        && let Some(t) = o.get("timestamp").and_then(Value::as_u64).and_then(json::iso)
    {
        o.insert("time".into(), Value::String(t));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(v: Value) -> Vec<u8> {
        encode(&v).unwrap()
    }

    #[test]
    fn topics_are_read_and_others_are_not() {
        assert_eq!(
            Topic::parse("spBv1.0/plant/DDATA/edge1/pump"),
            Some(Topic::Node {
                group: "plant",
                kind: Kind::DData,
                edge: "edge1",
                device: Some("pump")
            })
        );
        assert_eq!(
            Topic::parse("spBv1.0/STATE/scada"),
            Some(Topic::State { host: "scada" })
        );
        for not in [
            "spBv1.0/g/NDATA/e/d",
            "spBv1.0/g/DDATA/e",
            "spBv1.0/g/XDATA/e",
            "spAv1.0/g/NDATA/e",
            "a/b",
        ] {
            assert_eq!(Topic::parse(not), None, "{not}");
        }
    }

    #[test]
    fn every_type_reads_back_as_written() {
        let doc = json!({"timestamp": 1_700_000_000_000u64, "seq": 4, "uuid": "u", "body": "AQI=", "metrics": [
            {"name": "i8", "datatype": "Int8", "value": -5},
            {"name": "i16", "datatype": "Int16", "value": -300},
            {"name": "i32", "datatype": "Int32", "value": i32::MIN},
            {"name": "i64", "datatype": "Int64", "value": i64::MIN},
            {"name": "u32", "datatype": "UInt32", "value": u32::MAX},
            {"name": "u64", "datatype": "UInt64", "value": u64::MAX},
            {"name": "f", "datatype": "Float", "value": 1.5},
            {"name": "d", "datatype": "Double", "value": -2.25},
            {"name": "b", "datatype": "Boolean", "value": true},
            {"name": "s", "datatype": "String", "value": "x"},
            {"name": "t", "datatype": "DateTime", "value": 0},
            {"name": "raw", "datatype": "Bytes", "value": "AAE="},
            {"name": "ia", "datatype": "Int16Array", "value": [-1, 2]},
            {"name": "fa", "datatype": "FloatArray", "value": [0.5]},
            {"name": "ba", "datatype": "BooleanArray", "value": [true, false, true, true, false, false, false, false, true]},
            {"name": "sa", "datatype": "StringArray", "value": ["a", "bc"]},
            {"name": "n", "datatype": "Int32", "is_null": true, "value": null},
            {"name": "ds", "datatype": "DataSet", "value": {"num_of_columns": 2, "columns": ["a", "b"],
                "types": ["Int8", "String"], "rows": [[-1, "x"], [2, null]]}},
            {"name": "tpl", "datatype": "Template", "value": {"version": "1", "template_ref": "T", "is_definition": false,
                "parameters": [{"name": "p", "type": "Int32", "value": -1}],
                "metrics": [{"name": "inner", "datatype": "Double", "value": 1.0, "is_null": false}]}},
            {"name": "props", "datatype": "Int32", "value": 1, "properties": {
                "engUnit": {"type": "String", "value": "°C"},
                "nested": {"type": "PropertySet", "value": {"k": {"type": "Int8", "value": -1}}}}},
        ]});
        let back = decode(&bytes(doc.clone())).unwrap();
        assert_eq!(back["time"], "2023-11-14T22:13:20.000Z");
        assert_eq!(back["metrics"][10]["value_time"], "1970-01-01T00:00:00.000Z");
        let same = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("time");
            v["metrics"][10].as_object_mut().unwrap().remove("value_time");
            v
        };
        assert_eq!(same(&back), doc);
        // Tahu's spelling reads too.
        let tahu = json!({"metrics": [{"name": "x", "type": "Int8", "value": -1, "isNull": false}]});
        assert_eq!(decode(&bytes(tahu)).unwrap()["metrics"][0]["value"], -1);
    }

    #[test]
    fn json_that_does_not_fit_is_refused_with_the_place() {
        let err = |v: Value| encode(&v).unwrap_err();
        assert_eq!(
            err(json!({"metrics": [{"name": "x", "datatype": "Int8", "value": 200}]})),
            "metric 1's value: 200 is out of Int8's range"
        );
        assert!(err(json!({"metrics": [{"name": "x", "value": [1]}]})).contains("say the \"datatype\""));
        assert!(err(json!({"metrics": [{"nme": "x"}]})).contains("has no field \"nme\""));
        assert!(err(json!({"metrics": [{"datatype": "Fancy", "value": 1}]})).contains("not a Sparkplug data type"));
        assert!(err(json!([1])).contains("not a JSON object"));
        assert!(
            decode(b"\x0a\x05")
                .unwrap_err()
                .starts_with("not a Sparkplug B payload")
        );
    }

    fn birth(seq: u64, bd: u64) -> Vec<u8> {
        bytes(json!({"seq": seq, "metrics": [
            {"name": "bdSeq", "datatype": "UInt64", "value": bd},
            {"name": "Temperature", "alias": 1, "datatype": "Int8", "value": 20}]}))
    }

    fn data(seq: u64) -> Vec<u8> {
        bytes(json!({"seq": seq, "metrics": [{"alias": 1, "datatype": "Int8", "value": -3}]}))
    }

    #[test]
    fn the_follower_names_aliases_and_checks_the_sequence() {
        let mut f = Follower::default();
        let w = |r: Result<Reading, String>| r.unwrap().warnings;
        let before = w(f.read("spBv1.0/g/NDATA/e", &data(7)));
        assert_eq!(
            before,
            ["NDATA from g/e before its NBIRTH: a rebirth is needed to know its metrics"]
        );
        assert!(w(f.read("spBv1.0/g/NDATA/e", &data(8))).is_empty(), "said once");
        assert!(w(f.read("spBv1.0/g/NBIRTH/e", &birth(0, 3))).is_empty());
        let r = f.read("spBv1.0/g/NDATA/e", &data(1)).unwrap();
        assert!(r.warnings.is_empty());
        assert_eq!(
            r.value["metrics"][0],
            json!({"name": "Temperature", "alias": 1, "datatype": "Int8", "value": -3})
        );
        assert_eq!(
            w(f.read("spBv1.0/g/NDATA/e", &data(4))),
            ["seq 4 from g/e where 2 was due: 2 message(s) missing or out of order"]
        );
        // Wrapping at 255 is not a gap; a device's birth is sequenced too.
        for s in 5..=255 {
            assert!(w(f.read("spBv1.0/g/NDATA/e", &data(s))).is_empty());
        }
        assert!(w(f.read("spBv1.0/g/DBIRTH/e/d", &data(0))).is_empty());
        assert!(
            w(f.read("spBv1.0/g/NCMD/e", &data(99))).is_empty(),
            "commands are not sequenced"
        );
        let death = bytes(json!({"metrics": [{"name": "bdSeq", "datatype": "UInt64", "value": 2}]}));
        assert_eq!(
            w(f.read("spBv1.0/g/NDEATH/e", &death)),
            ["the NDEATH of g/e has bdSeq 2, its NBIRTH had 3: the death of another session"]
        );
        assert_eq!(
            w(f.read("spBv1.0/g/NDEATH/e", &death)),
            ["NDEATH of g/e without its NBIRTH"]
        );
    }

    #[test]
    fn state_is_json_or_the_old_text() {
        let mut f = Follower::default();
        let r = f.read("spBv1.0/STATE/h", br#"{"online":true,"timestamp":0}"#).unwrap();
        assert_eq!(
            r.value,
            json!({"online": true, "timestamp": 0, "time": "1970-01-01T00:00:00.000Z"})
        );
        assert_eq!(
            f.read("spBv1.0/STATE/h", b"OFFLINE").unwrap().value,
            json!({"online": false})
        );
        assert!(f.read("spBv1.0/STATE/h", b"\x01").is_err());
    }
}
