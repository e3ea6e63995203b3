//! Any self-describing serde format read into JSON, however loose its data:
//! keys that are not strings, byte strings, integers past 64 bits, tags.

use std::fmt;

use base64::Engine;
use serde::de::{self, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A decoded document as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Loose(pub Value);

/// Room reserved ahead for a sequence or map: what its header claims, but
/// never more than this (the claim may be a lie; the elements grow it).
const MAX_RESERVE: usize = 1024;

impl<'de> serde::Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

fn float(v: f64) -> Value {
    // JSON has no NaN or infinity: they are shown as text.
    Number::from_f64(v).map_or_else(|| Value::String(v.to_string()), Value::Number)
}

/// A map key as text: a string as it is, anything else as its JSON.
fn key(k: Value) -> String {
    match k {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose(Value::from(v)))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Loose, E> {
        Ok(Loose(match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => Value::from(i),
            (_, Ok(u)) => Value::from(u),
            // Beyond JSON numbers that readers take exactly: as text.
            _ => Value::String(v.to_string()),
        }))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Loose, E> {
        Ok(Loose(match u64::try_from(v) {
            Ok(u) => Value::from(u),
            Err(_) => Value::String(v.to_string()),
        }))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose(float(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Loose, E> {
        Ok(Loose(Value::String(v)))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Loose, E> {
        Ok(Loose(Value::String(
            base64::engine::general_purpose::STANDARD.encode(v),
        )))
    }

    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose(Value::Null))
    }

    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_RESERVE));
        while let Some(Loose(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Loose(Value::Array(out)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut out = Map::new();
        while let Some((Loose(k), Loose(v))) = map.next_entry()? {
            out.insert(key(k), v);
        }
        Ok(Loose(Value::Object(out)))
    }

    /// A CBOR tag (ciborium hands it over as an enum): its value, the tag
    /// number dropped.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Loose, A::Error> {
        let (_, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant::<Loose>()
    }
}
