//! Payload codecs: binary payloads shown as JSON (`mqtt-sub --decode`) and
//! JSON text turned into them (`mqtt-pub --encode`). A leaf: it imports
//! nothing of ours.
//!
//! Sparkplug B ([`sparkplug`]) is Protobuf with a fixed schema and a
//! topic convention; a [`Decoder`] remembers what its births said.
//! Protobuf ([`protobuf`]) follows the schema of a `.proto` file and
//! proto3's JSON mapping. The self-describing formats map onto JSON the
//! same way ([`Loose`]): maps with
//! keys that are not strings get their keys as text (`1` → `"1"`), byte
//! strings become base64 text, integers beyond JSON's range and CBOR tags
//! keep their value (the tag is dropped). Depth is bounded (each decoder
//! refuses nesting beyond its limit), and nothing is allocated ahead of the
//! bytes that are really there.

mod loose;
pub mod protobuf;
pub mod sparkplug;

use serde_json::Value;

use loose::Loose;
pub use protobuf::Protobuf;

/// A payload format.
#[derive(Debug, Clone)]
pub enum Codec {
    /// JSON text (decoding checks and normalises it; encoding writes it compact).
    Json,
    /// CBOR, RFC 8949.
    Cbor,
    /// MessagePack.
    Msgpack,
    /// Protobuf, one message type of a `.proto` file.
    Protobuf(Protobuf),
    /// Sparkplug B payloads (and STATE messages).
    Sparkplug,
}

/// The codecs that need no schema, by the name `--decode`/`--encode` take.
pub const CODECS: &[(&str, Codec)] = &[
    ("json", Codec::Json),
    ("cbor", Codec::Cbor),
    ("msgpack", Codec::Msgpack),
    ("sparkplug", Codec::Sparkplug),
];

/// What `--decode`/`--encode` take, for messages that list them.
pub const SPELLINGS: &str = "sparkplug, protobuf:FILE.proto[:package.Message], json, cbor, msgpack";

/// How deep a decoded document may nest.
const MAX_DEPTH: usize = 128;

impl Codec {
    /// `sparkplug`, `json`, `cbor`, `msgpack` or `protobuf:FILE.proto[:package.Message]`
    /// (the file read and compiled now); `Err` says why not.
    pub fn parse(spec: &str) -> Result<Codec, String> {
        if let Some(rest) = spec.strip_prefix("protobuf:") {
            return Protobuf::load(rest).map(Codec::Protobuf);
        }
        CODECS
            .iter()
            .find(|(n, _)| *n == spec)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| format!("not a codec (codecs: {SPELLINGS})"))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Codec::Json => "json",
            Codec::Cbor => "cbor",
            Codec::Msgpack => "msgpack",
            Codec::Protobuf(_) => "protobuf",
            Codec::Sparkplug => "sparkplug",
        }
    }

    /// The payload as JSON, or why it is not in this format.
    pub fn decode(&self, payload: &[u8]) -> Result<Value, String> {
        match self {
            Codec::Json => {
                let mut de = serde_json::Deserializer::from_slice(payload);
                let v = serde::Deserialize::deserialize(&mut de).map_err(|e| e.to_string())?;
                de.end().map_err(|e| e.to_string())?;
                Ok(v)
            }
            Codec::Cbor => {
                let mut rest = payload;
                let v: Loose =
                    ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH).map_err(|e| cbor_error(&e))?;
                after_the_value(rest.len())?;
                Ok(v.0)
            }
            Codec::Msgpack => {
                let mut rest = payload;
                let mut de = rmp_serde::Deserializer::new(&mut rest);
                de.set_max_depth(MAX_DEPTH);
                let v: Loose = serde::Deserialize::deserialize(&mut de).map_err(|e| e.to_string())?;
                after_the_value(rest.len())?;
                Ok(v.0)
            }
            Codec::Protobuf(p) => p.decode(payload),
            Codec::Sparkplug => sparkplug::decode(payload),
        }
    }

    /// `value` in this format.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, String> {
        match self {
            Codec::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
            Codec::Cbor => {
                let mut out = Vec::new();
                ciborium::ser::into_writer(value, &mut out).map_err(|e| e.to_string())?;
                Ok(out)
            }
            Codec::Msgpack => rmp_serde::to_vec(value).map_err(|e| e.to_string()),
            Codec::Protobuf(p) => p.encode(value),
            Codec::Sparkplug => sparkplug::encode(value),
        }
    }
}

/// A payload read as JSON, and what did not add up about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub value: Value,
    /// Each a sentence without its full stop.
    pub warnings: Vec<String>,
}

/// A codec with what it remembers from one message to the next (the names
/// and sequence numbers of Sparkplug's edge nodes).
#[derive(Debug, Clone)]
pub struct Decoder {
    codec: Codec,
    follower: sparkplug::Follower,
}

impl Decoder {
    pub fn new(codec: Codec) -> Decoder {
        Decoder {
            codec,
            follower: sparkplug::Follower::default(),
        }
    }

    pub fn codec(&self) -> &Codec {
        &self.codec
    }

    /// The payload of a message on `topic`, or why it is not in this format.
    pub fn read(&mut self, topic: &str, payload: &[u8]) -> Result<Reading, String> {
        match self.codec {
            Codec::Sparkplug => self.follower.read(topic, payload),
            _ => self.codec.decode(payload).map(|value| Reading {
                value,
                warnings: Vec::new(),
            }),
        }
    }
}

/// One payload is one value: bytes after it mean it is something else.
fn after_the_value(rest: usize) -> Result<(), String> {
    match rest {
        0 => Ok(()),
        n => Err(format!("{n} bytes after the value")),
    }
}

fn cbor_error<T: std::fmt::Debug>(e: &ciborium::de::Error<T>) -> String {
    match e {
        ciborium::de::Error::Io(_) => "the value ends early".to_string(),
        ciborium::de::Error::Syntax(at) => format!("not CBOR (at byte {at})"),
        ciborium::de::Error::Semantic(at, why) => match at {
            Some(at) => format!("{why} (at byte {at})"),
            None => why.clone(),
        },
        ciborium::de::Error::RecursionLimitExceeded => format!("nested more than {MAX_DEPTH} deep"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_codec_round_trips_a_document() {
        let doc = json!({"a": 1, "b": [true, null, -2.5, "x"], "c": {"d": u64::MAX}});
        let sparkplug = json!({"seq": 1, "metrics": [{"name": "a", "datatype": "UInt64", "value": u64::MAX}]});
        for (name, codec) in CODECS {
            let doc = if *name == "sparkplug" { &sparkplug } else { &doc };
            let bytes = codec.encode(doc).unwrap();
            assert_eq!(&codec.decode(&bytes).unwrap(), doc, "{name}");
            assert_eq!(Codec::parse(name).unwrap().name(), codec.name());
        }
    }

    #[test]
    fn known_encodings_decode() {
        // CBOR {1: h'0102', "t": 0("2013-03-21T20:04:00Z")}.
        let cbor = [
            0xa2, 0x01, 0x42, 0x01, 0x02, 0x61, b't', 0xc0, 0x74, b'2', b'0', b'1', b'3', b'-', b'0', b'3', b'-', b'2',
            b'1', b'T', b'2', b'0', b':', b'0', b'4', b':', b'0', b'0', b'Z',
        ];
        assert_eq!(
            Codec::Cbor.decode(&cbor).unwrap(),
            json!({"1": "AQI=", "t": "2013-03-21T20:04:00Z"})
        );
        // MessagePack {"compact": true, "schema": 0}.
        let mp = b"\x82\xa7compact\xc3\xa6schema\x00";
        assert_eq!(
            Codec::Msgpack.decode(mp).unwrap(),
            json!({"compact": true, "schema": 0})
        );
    }

    #[test]
    fn bad_input_says_why_and_allocates_nothing_it_was_not_given() {
        assert!(Codec::Json.decode(b"{\"a\": 1} x").is_err());
        assert!(Codec::Cbor.decode(&[0xa1]).unwrap_err().contains("ends early"));
        // An array that claims 2^32 elements and has none.
        assert!(Codec::Cbor.decode(&[0x9b, 0, 0, 0, 1, 0, 0, 0, 0]).is_err());
        assert!(Codec::Msgpack.decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        // Byte and text strings that claim 4 GiB.
        assert!(Codec::Msgpack.decode(&[0xc6, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(Codec::Msgpack.decode(&[0xdb, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(Codec::Cbor.decode(&[0x5a, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(Codec::Cbor.decode(&[0x7a, 0xff, 0xff, 0xff, 0xff]).is_err());
        // Long strings that are really there decode.
        let long = "x".repeat(100_000);
        let bytes = Codec::Cbor.encode(&json!(long)).unwrap();
        assert_eq!(Codec::Cbor.decode(&bytes).unwrap(), json!(long));
        assert!(
            Codec::Msgpack
                .decode(b"\x01\x02")
                .unwrap_err()
                .contains("after the value")
        );
        assert!(Codec::Cbor.decode(b"\x01\x02").unwrap_err().contains("after the value"));
        let deep = vec![0x81u8; 10_000];
        assert!(Codec::Cbor.decode(&deep).is_err());
        let deep = vec![0x91u8; 10_000];
        assert!(Codec::Msgpack.decode(&deep).is_err());
    }
}
