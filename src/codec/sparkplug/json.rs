//! A Sparkplug B payload as JSON and back. The JSON keeps the payload's
//! field names (`timestamp`, `seq`, `metrics` with `name`, `alias`,
//! `datatype`, `value`, …); data types are shown by name, timestamps get
//! their ISO time beside them (`time`), bytes are base64, arrays and data
//! sets are JSON arrays. Reading, either spelling of a key is taken
//! (`is_null` or Tahu's `isNull`, `datatype` or `type`), a type by name or
//! number, and a metric without a type gets one from its value.

use base64::Engine;
use serde_json::{Map, Number, Value, json};

use super::schema::{
    DataSet, Element, MetaData, Metric, MetricValue, Parameter, ParameterValue, Payload, PropertyKind, PropertySet,
    PropertySetList, PropertyValue, Row, Scalar, Template,
};

/// The data types by number (the specification's `DataType` enum).
pub const DATATYPES: [&str; 35] = [
    "Unknown",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Float",
    "Double",
    "Boolean",
    "String",
    "DateTime",
    "Text",
    "UUID",
    "DataSet",
    "Bytes",
    "File",
    "Template",
    "PropertySet",
    "PropertySetList",
    "Int8Array",
    "Int16Array",
    "Int32Array",
    "Int64Array",
    "UInt8Array",
    "UInt16Array",
    "UInt32Array",
    "UInt64Array",
    "FloatArray",
    "DoubleArray",
    "BooleanArray",
    "StringArray",
    "DateTimeArray",
];

pub mod types {
    pub const INT8: u32 = 1;
    pub const INT16: u32 = 2;
    pub const INT32: u32 = 3;
    pub const INT64: u32 = 4;
    pub const UINT8: u32 = 5;
    pub const UINT16: u32 = 6;
    pub const UINT32: u32 = 7;
    pub const UINT64: u32 = 8;
    pub const FLOAT: u32 = 9;
    pub const DOUBLE: u32 = 10;
    pub const BOOLEAN: u32 = 11;
    pub const STRING: u32 = 12;
    pub const DATETIME: u32 = 13;
    pub const TEXT: u32 = 14;
    pub const UUID: u32 = 15;
    pub const DATASET: u32 = 16;
    pub const BYTES: u32 = 17;
    pub const FILE: u32 = 18;
    pub const TEMPLATE: u32 = 19;
    pub const PROPERTY_SET: u32 = 20;
    pub const PROPERTY_SET_LIST: u32 = 21;
    pub const INT8_ARRAY: u32 = 22;
    pub const DATETIME_ARRAY: u32 = 34;
}
use types::*;

pub fn type_name(t: u32) -> Value {
    DATATYPES
        .get(t as usize)
        .map_or_else(|| Value::from(t), |n| Value::from(*n))
}

/// Milliseconds since the epoch as an ISO time, UTC.
pub fn iso(ms: u64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(i64::try_from(ms).ok()?)?;
    Some(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

fn b64(b: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(b))
}

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or_else(|| Value::String(v.to_string()), Value::Number)
}

/// A timestamp and, when it is one, its time.
fn stamp(o: &mut Map<String, Value>, key: &str, iso_key: &str, ms: Option<u64>) {
    if let Some(ms) = ms {
        o.insert(key.into(), Value::from(ms));
        if let Some(t) = iso(ms) {
            o.insert(iso_key.into(), Value::String(t));
        }
    }
}

/// What a metric's name and type are when its message leaves them out.
pub type Resolve<'a> = &'a dyn Fn(u64) -> Option<(String, u32)>;

/// The payload as JSON, metrics that carry only an alias named by `resolve`.
pub fn to_json(p: &Payload, resolve: Resolve) -> Result<Value, String> {
    let mut o = Map::new();
    stamp(&mut o, "timestamp", "time", p.timestamp);
    if let Some(s) = p.seq {
        o.insert("seq".into(), Value::from(s));
    }
    if let Some(u) = &p.uuid {
        o.insert("uuid".into(), Value::from(u.as_str()));
    }
    let metrics: Result<Vec<Value>, String> = p.metrics.iter().map(|m| metric_json(m, resolve)).collect();
    o.insert("metrics".into(), Value::Array(metrics?));
    if let Some(b) = &p.body {
        o.insert("body".into(), b64(b));
    }
    Ok(Value::Object(o))
}

fn metric_json(m: &Metric, resolve: Resolve) -> Result<Value, String> {
    let known = m
        .alias
        .filter(|_| m.name.is_none() || m.datatype.is_none())
        .and_then(resolve);
    let name = m.name.clone().or_else(|| known.as_ref().map(|k| k.0.clone()));
    let datatype = m.datatype.or(known.as_ref().map(|k| k.1));
    let mut o = Map::new();
    if let Some(n) = &name {
        o.insert("name".into(), Value::from(n.as_str()));
    }
    if let Some(a) = m.alias {
        o.insert("alias".into(), Value::from(a));
    }
    stamp(&mut o, "timestamp", "time", m.timestamp);
    if let Some(t) = datatype {
        o.insert("datatype".into(), type_name(t));
    }
    for (key, flag) in [
        ("is_historical", m.is_historical),
        ("is_transient", m.is_transient),
        ("is_null", m.is_null),
    ] {
        if let Some(f) = flag {
            o.insert(key.into(), Value::Bool(f));
        }
    }
    if let Some(md) = &m.metadata {
        o.insert("metadata".into(), metadata_json(md));
    }
    if let Some(ps) = &m.properties {
        o.insert("properties".into(), set_json(ps, 0)?);
    }
    let what = || {
        name.clone()
            .unwrap_or_else(|| format!("alias {}", m.alias.unwrap_or(0)))
    };
    let value = match &m.value {
        None => Value::Null,
        Some(MetricValue::DataSet(d)) => dataset_json(d)?,
        Some(MetricValue::Template(t)) => template_json(t)?,
        Some(MetricValue::Bytes(b)) => match datatype {
            Some(t) if (INT8_ARRAY..=DATETIME_ARRAY).contains(&t) => {
                array_json(t, b).map_err(|e| format!("metric {}: {e}", what()))?
            }
            _ => b64(b),
        },
        Some(v) => scalar_json(
            datatype,
            &v.wire().expect("bytes, data sets and templates are matched above"),
        ),
    };
    if datatype == Some(DATETIME)
        && let Some(ms) = value.as_u64()
        && let Some(t) = iso(ms)
    {
        o.insert("value".into(), value);
        o.insert("value_time".into(), Value::String(t));
    } else {
        o.insert("value".into(), value);
    }
    Ok(Value::Object(o))
}

/// The scalar kinds every value oneof shares.
#[derive(Debug, Clone, PartialEq)]
enum Wire {
    Int(u32),
    Long(u64),
    Float(f32),
    Double(f64),
    Boolean(bool),
    String(String),
}

/// The six scalar kinds every value oneof of the schema has, both ways
/// (`wire` is `None` for a oneof's other kinds: bytes, sets, tables).
macro_rules! scalar_kinds {
    ($($oneof:ident),*) => {$(
        impl From<Wire> for $oneof {
            fn from(w: Wire) -> $oneof {
                match w {
                    Wire::Int(x) => $oneof::Int(x),
                    Wire::Long(x) => $oneof::Long(x),
                    Wire::Float(x) => $oneof::Float(x),
                    Wire::Double(x) => $oneof::Double(x),
                    Wire::Boolean(x) => $oneof::Boolean(x),
                    Wire::String(x) => $oneof::String(x),
                }
            }
        }

        impl $oneof {
            fn wire(&self) -> Option<Wire> {
                #[allow(unreachable_patterns)] // Scalar and ParameterValue have no others
                match self {
                    $oneof::Int(x) => Some(Wire::Int(*x)),
                    $oneof::Long(x) => Some(Wire::Long(*x)),
                    $oneof::Float(x) => Some(Wire::Float(*x)),
                    $oneof::Double(x) => Some(Wire::Double(*x)),
                    $oneof::Boolean(x) => Some(Wire::Boolean(*x)),
                    $oneof::String(x) => Some(Wire::String(x.clone())),
                    _ => None,
                }
            }
        }
    )*};
}
scalar_kinds!(MetricValue, PropertyKind, ParameterValue, Scalar);

/// A scalar as its type reads it: signed types from their two's
/// complement (in either integer field, as implementations differ on which
/// one UInt32 uses), the others as they are.
fn scalar_json(datatype: Option<u32>, v: &Wire) -> Value {
    let int = match v {
        Wire::Int(x) => Some(u64::from(*x)),
        Wire::Long(x) => Some(*x),
        _ => None,
    };
    match (datatype, int) {
        (Some(INT8), Some(x)) => Value::from(x as u8 as i8),
        (Some(INT16), Some(x)) => Value::from(x as u16 as i16),
        (Some(INT32), Some(x)) => Value::from(x as u32 as i32),
        (Some(INT64), Some(x)) => Value::from(x as i64),
        (_, Some(x)) => Value::from(x),
        _ => match v {
            Wire::Float(x) => float(f64::from(*x)),
            Wire::Double(x) => float(*x),
            Wire::Boolean(x) => Value::Bool(*x),
            Wire::String(x) => Value::from(x.as_str()),
            Wire::Int(_) | Wire::Long(_) => unreachable!("integers matched above"),
        },
    }
}

fn metadata_json(md: &MetaData) -> Value {
    let mut o = Map::new();
    let texts = [
        ("content_type", &md.content_type),
        ("file_name", &md.file_name),
        ("file_type", &md.file_type),
        ("md5", &md.md5),
        ("description", &md.description),
    ];
    if let Some(x) = md.is_multi_part {
        o.insert("is_multi_part".into(), Value::Bool(x));
    }
    for (k, v) in texts {
        if let Some(v) = v {
            o.insert(k.into(), Value::from(v.as_str()));
        }
    }
    for (k, v) in [("size", md.size), ("seq", md.seq)] {
        if let Some(v) = v {
            o.insert(k.into(), Value::from(v));
        }
    }
    Value::Object(o)
}

/// How deep property sets may nest in each other.
const MAX_SET_DEPTH: usize = 32;

/// A property set as `{"key": {"type": …, "value": …}}`.
fn set_json(ps: &PropertySet, depth: usize) -> Result<Value, String> {
    if depth > MAX_SET_DEPTH {
        return Err(format!("property sets nested more than {MAX_SET_DEPTH} deep"));
    }
    if ps.keys.len() != ps.values.len() {
        return Err(format!(
            "a property set of {} keys and {} values",
            ps.keys.len(),
            ps.values.len()
        ));
    }
    let mut o = Map::new();
    for (k, v) in ps.keys.iter().zip(&ps.values) {
        let mut one = Map::new();
        if let Some(t) = v.datatype {
            one.insert("type".into(), type_name(t));
        }
        if let Some(n) = v.is_null {
            one.insert("is_null".into(), Value::Bool(n));
        }
        let value = match &v.value {
            None => Value::Null,
            Some(PropertyKind::Set(s)) => set_json(s, depth + 1)?,
            Some(PropertyKind::SetList(l)) => {
                let sets: Result<Vec<Value>, String> = l.sets.iter().map(|s| set_json(s, depth + 1)).collect();
                Value::Array(sets?)
            }
            Some(p) => scalar_json(v.datatype, &p.wire().expect("sets are matched above")),
        };
        one.insert("value".into(), value);
        o.insert(k.clone(), Value::Object(one));
    }
    Ok(Value::Object(o))
}

/// A data set as `{"num_of_columns", "columns", "types", "rows": [[…]]}`.
fn dataset_json(d: &DataSet) -> Result<Value, String> {
    let mut rows = Vec::with_capacity(d.rows.len());
    for r in &d.rows {
        if r.elements.len() != d.types.len() {
            return Err(format!(
                "a data set row of {} values for {} types",
                r.elements.len(),
                d.types.len()
            ));
        }
        let cells = r.elements.iter().zip(&d.types).map(|(e, &t)| match &e.value {
            None => Value::Null,
            Some(s) => scalar_json(Some(t), &s.wire().expect("a cell is a scalar")),
        });
        rows.push(Value::Array(cells.collect()));
    }
    let mut o = Map::new();
    if let Some(n) = d.num_of_columns {
        o.insert("num_of_columns".into(), Value::from(n));
    }
    o.insert("columns".into(), json!(d.columns));
    o.insert(
        "types".into(),
        Value::Array(d.types.iter().map(|t| type_name(*t)).collect()),
    );
    o.insert("rows".into(), Value::Array(rows));
    Ok(Value::Object(o))
}

fn template_json(t: &Template) -> Result<Value, String> {
    let mut o = Map::new();
    if let Some(v) = &t.version {
        o.insert("version".into(), Value::from(v.as_str()));
    }
    if let Some(r) = &t.template_ref {
        o.insert("template_ref".into(), Value::from(r.as_str()));
    }
    if let Some(d) = t.is_definition {
        o.insert("is_definition".into(), Value::Bool(d));
    }
    let params = t.parameters.iter().map(|p| {
        let mut one = Map::new();
        if let Some(n) = &p.name {
            one.insert("name".into(), Value::from(n.as_str()));
        }
        if let Some(d) = p.datatype {
            one.insert("type".into(), type_name(d));
        }
        let v = p.value.as_ref().map_or(Value::Null, |v| {
            scalar_json(p.datatype, &v.wire().expect("a parameter is a scalar"))
        });
        one.insert("value".into(), v);
        Value::Object(one)
    });
    o.insert("parameters".into(), Value::Array(params.collect()));
    // A template's own metrics are named in full: aliases belong to the top level.
    let none: Resolve = &|_| None;
    let metrics: Result<Vec<Value>, String> = t.metrics.iter().map(|m| metric_json(m, none)).collect();
    o.insert("metrics".into(), Value::Array(metrics?));
    Ok(Value::Object(o))
}

/// The packed arrays of Sparkplug 3.0: little-endian values in a byte
/// string; booleans a count (u32) and then bits, most significant first;
/// strings each ended by a NUL.
fn array_json(t: u32, b: &[u8]) -> Result<Value, String> {
    let name = DATATYPES[t as usize];
    let width = match t - INT8_ARRAY {
        0 | 4 => 1,
        1 | 5 => 2,
        2 | 6 | 8 => 4,
        3 | 7 | 9 | 12 => 8,
        10 => return bool_array(b),
        11 => {
            let text = b.strip_suffix(&[0]).unwrap_or(b);
            let items = text
                .split(|&c| c == 0)
                .map(|s| Value::from(String::from_utf8_lossy(s).into_owned()));
            return Ok(if b.is_empty() {
                json!([])
            } else {
                Value::Array(items.collect())
            });
        }
        _ => unreachable!("22..=34"),
    };
    if !b.len().is_multiple_of(width) {
        return Err(format!("{name} of {} bytes, not a whole number of values", b.len()));
    }
    let items = b.chunks_exact(width).map(|c| {
        let mut le = [0u8; 8];
        le[..width].copy_from_slice(c);
        let u = u64::from_le_bytes(le);
        match t - INT8_ARRAY {
            0 => Value::from(u as u8 as i8),
            1 => Value::from(u as u16 as i16),
            2 => Value::from(u as u32 as i32),
            3 => Value::from(u as i64),
            8 => float(f64::from(f32::from_bits(u as u32))),
            9 => float(f64::from_bits(u)),
            _ => Value::from(u),
        }
    });
    Ok(Value::Array(items.collect()))
}

fn bool_array(b: &[u8]) -> Result<Value, String> {
    let Some((count, bits)) = b.split_first_chunk::<4>() else {
        return Err("a BooleanArray without its count".into());
    };
    let n = u32::from_le_bytes(*count) as usize;
    if bits.len() * 8 < n {
        return Err(format!("a BooleanArray of {n} values in {} bytes", bits.len()));
    }
    Ok(Value::Array(
        (0..n)
            .map(|i| Value::Bool(bits[i / 8] & (0x80 >> (i % 8)) != 0))
            .collect(),
    ))
}

// ---- JSON → payload ----

/// A key in either spelling: `isNull` is `is_null`.
fn snake(k: &str) -> String {
    let mut s = String::with_capacity(k.len() + 4);
    for c in k.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// An object's fields by their snake_case names; any other is an error.
fn fields<'a>(v: &'a Value, what: &str, known: &[&str]) -> Result<Vec<(String, &'a Value)>, String> {
    let Value::Object(o) = v else {
        return Err(format!("{what} is not a JSON object"));
    };
    o.iter()
        .map(|(k, v)| {
            let k = snake(k);
            let k = if k == "type" && known.contains(&"datatype") {
                "datatype".to_string()
            } else {
                k
            };
            match known.contains(&k.as_str()) {
                true => Ok((k, v)),
                false => Err(format!("{what} has no field \"{k}\" (fields: {})", known.join(", "))),
            }
        })
        .collect()
}

fn u64_of(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{what} is not a whole number ≥ 0: {v}"))
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what} is not text: {v}"))
}

fn flag(v: &Value, what: &str) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("{what} is not true or false: {v}"))
}

/// A type by name (any case) or number.
pub fn parse_type(v: &Value, what: &str) -> Result<u32, String> {
    if let Some(n) = v.as_u64().and_then(|n| u32::try_from(n).ok()) {
        return Ok(n);
    }
    let name = v.as_str().unwrap_or("");
    DATATYPES
        .iter()
        .position(|t| t.eq_ignore_ascii_case(name))
        .map(|i| i as u32)
        .ok_or_else(|| format!("{what}: {v} is not a Sparkplug data type (Int8 … DateTimeArray, or 0–34)"))
}

/// The payload a JSON document describes.
pub fn from_json(v: &Value) -> Result<Payload, String> {
    let mut p = Payload::default();
    for (k, v) in fields(
        v,
        "the payload",
        &["timestamp", "time", "seq", "uuid", "metrics", "body"],
    )? {
        match k.as_str() {
            "timestamp" => p.timestamp = Some(u64_of(v, "\"timestamp\"")?),
            "seq" => p.seq = Some(u64_of(v, "\"seq\"")?),
            "uuid" => p.uuid = Some(text(v, "\"uuid\"")?),
            "body" => p.body = Some(bytes_of(v, "\"body\"")?),
            "metrics" => {
                let Value::Array(ms) = v else {
                    return Err("\"metrics\" is not a JSON array".into());
                };
                p.metrics = ms
                    .iter()
                    .enumerate()
                    .map(|(i, m)| metric_from(m, &format!("metric {}", i + 1)))
                    .collect::<Result<_, _>>()?;
            }
            _ => {} // "time" is shown from "timestamp", not read.
        }
    }
    Ok(p)
}

fn bytes_of(v: &Value, what: &str) -> Result<Vec<u8>, String> {
    let s = text(v, what)?;
    base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(|e| format!("{what} is not base64 ({e})"))
}

const METRIC_FIELDS: &[&str] = &[
    "name",
    "alias",
    "timestamp",
    "time",
    "datatype",
    "is_historical",
    "is_transient",
    "is_null",
    "metadata",
    "properties",
    "value",
    "value_time",
];

fn metric_from(v: &Value, what: &str) -> Result<Metric, String> {
    let mut m = Metric::default();
    let mut value = None;
    for (k, v) in fields(v, what, METRIC_FIELDS)? {
        let field = format!("{what}'s \"{k}\"");
        match k.as_str() {
            "name" => m.name = Some(text(v, &field)?),
            "alias" => m.alias = Some(u64_of(v, &field)?),
            "timestamp" => m.timestamp = Some(u64_of(v, &field)?),
            "datatype" => m.datatype = Some(parse_type(v, &field)?),
            "is_historical" => m.is_historical = Some(flag(v, &field)?),
            "is_transient" => m.is_transient = Some(flag(v, &field)?),
            "is_null" => m.is_null = Some(flag(v, &field)?),
            "metadata" => m.metadata = Some(metadata_from(v, &field)?),
            "properties" => m.properties = Some(set_from(v, &field, 0)?),
            "value" => value = Some(v),
            _ => {}
        }
    }
    let value = value.filter(|v| !v.is_null());
    let datatype = match (m.datatype, value) {
        (Some(t), _) => t,
        (None, Some(v)) => {
            let t = guess(v).ok_or_else(|| format!("{what}: say the \"datatype\" of {v}"))?;
            m.datatype = Some(t);
            t
        }
        (None, None) => 0,
    };
    // `"value": null` is a metric without a value; `is_null` says so only when given.
    if let Some(v) = value {
        m.value = Some(metric_value(datatype, v, &format!("{what}'s value"))?);
    }
    Ok(m)
}

/// The type a JSON value most plainly is.
fn guess(v: &Value) -> Option<u32> {
    match v {
        Value::Bool(_) => Some(BOOLEAN),
        Value::String(_) => Some(STRING),
        Value::Number(n) if n.is_i64() => Some(INT64),
        Value::Number(n) if n.is_u64() => Some(UINT64),
        Value::Number(_) => Some(DOUBLE),
        _ => None,
    }
}

fn metric_value(t: u32, v: &Value, what: &str) -> Result<MetricValue, String> {
    Ok(match t {
        DATASET => MetricValue::DataSet(dataset_from(v, what)?),
        TEMPLATE => MetricValue::Template(template_from(v, what)?),
        BYTES | FILE => MetricValue::Bytes(bytes_of(v, what)?),
        INT8_ARRAY..=DATETIME_ARRAY => MetricValue::Bytes(array_from(t, v, what)?),
        _ => MetricValue::from(scalar_from(t, v, what)?),
    })
}

/// A number, or the text JSON shows NaN and the infinities as.
fn number(v: &Value, what: &str) -> Result<f64, String> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| format!("{what}: {v} is not a number"))
}

fn int_in(v: &Value, lo: i64, hi: u64, what: &str, t: u32) -> Result<u64, String> {
    let bad = || format!("{what}: {v} is out of {}'s range", DATATYPES[t as usize]);
    if let Some(i) = v.as_i64() {
        return (i >= lo && (i < 0 || i as u64 <= hi))
            .then_some(i as u64)
            .ok_or_else(bad);
    }
    v.as_u64().filter(|&u| u <= hi).ok_or_else(bad)
}

/// A scalar of type `t`, in the field implementations read it from: the
/// 8–32-bit integers (and UInt8/16) in the 32-bit one, UInt32 and the
/// 64-bit ones in the 64-bit one, as Eclipse Tahu writes them.
fn scalar_from(t: u32, v: &Value, what: &str) -> Result<Wire, String> {
    let name = DATATYPES.get(t as usize).copied().unwrap_or("Unknown");
    Ok(match t {
        INT8 => Wire::Int(int_in(v, -128, 127, what, t)? as i8 as i32 as u32),
        INT16 => Wire::Int(int_in(v, -32768, 32767, what, t)? as i16 as i32 as u32),
        INT32 => Wire::Int(int_in(v, i32::MIN.into(), i32::MAX as u64, what, t)? as u32),
        UINT8 => Wire::Int(int_in(v, 0, 255, what, t)? as u32),
        UINT16 => Wire::Int(int_in(v, 0, 65535, what, t)? as u32),
        INT64 => Wire::Long(int_in(v, i64::MIN, i64::MAX as u64, what, t)?),
        UINT32 => Wire::Long(int_in(v, 0, u32::MAX.into(), what, t)?),
        UINT64 => Wire::Long(int_in(v, 0, u64::MAX, what, t)?),
        DATETIME => Wire::Long(match v.as_str() {
            Some(s) => chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .and_then(|d| u64::try_from(d.timestamp_millis()).ok())
                .ok_or_else(|| format!("{what}: {v} is not a time (ms since 1970 or RFC 3339)"))?,
            None => int_in(v, 0, u64::MAX, what, t)?,
        }),
        FLOAT => Wire::Float(number(v, what)? as f32),
        DOUBLE => Wire::Double(number(v, what)?),
        BOOLEAN => Wire::Boolean(flag(v, what)?),
        STRING | TEXT | UUID => Wire::String(text(v, what)?),
        // A type this reader does not know: the value goes as what it plainly is.
        t if t == 0 || t as usize >= DATATYPES.len() => match guess(v) {
            Some(BOOLEAN) => Wire::Boolean(flag(v, what)?),
            Some(STRING) => Wire::String(text(v, what)?),
            Some(DOUBLE) => Wire::Double(number(v, what)?),
            Some(_) => Wire::Long(v.as_u64().unwrap_or_else(|| v.as_i64().unwrap_or(0) as u64)),
            None => return Err(format!("{what}: {v} is not a value of a known type")),
        },
        _ => return Err(format!("{what}: a {name} cannot hold {v}")),
    })
}

fn array_from(t: u32, v: &Value, what: &str) -> Result<Vec<u8>, String> {
    let Value::Array(items) = v else {
        return Err(format!("{what}: a {} is a JSON array", DATATYPES[t as usize]));
    };
    let mut out = Vec::new();
    let each = INT8 + (t - INT8_ARRAY);
    match t - INT8_ARRAY {
        10 => {
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            out.resize(4 + items.len().div_ceil(8), 0);
            for (i, b) in items.iter().enumerate() {
                if flag(b, what)? {
                    out[4 + i / 8] |= 0x80 >> (i % 8);
                }
            }
        }
        11 => {
            for s in items {
                out.extend_from_slice(text(s, what)?.as_bytes());
                out.push(0);
            }
        }
        _ => {
            // Element types follow the scalars': Int8Array's is Int8, …,
            // DateTimeArray's DateTime (FloatArray and DoubleArray included).
            let each = if t == DATETIME_ARRAY { DATETIME } else { each };
            let width = [1, 2, 4, 8, 1, 2, 4, 8, 4, 8][(t - INT8_ARRAY).min(9) as usize];
            let width = if t == DATETIME_ARRAY { 8 } else { width };
            for x in items {
                let le = match scalar_from(each, x, what)? {
                    Wire::Int(u) => u64::from(u).to_le_bytes(),
                    Wire::Long(u) => u.to_le_bytes(),
                    Wire::Float(f) => u64::from(f.to_bits()).to_le_bytes(),
                    Wire::Double(d) => d.to_bits().to_le_bytes(),
                    _ => unreachable!("numeric element types"),
                };
                out.extend_from_slice(&le[..width]);
            }
        }
    }
    Ok(out)
}

fn metadata_from(v: &Value, what: &str) -> Result<MetaData, String> {
    let known = [
        "is_multi_part",
        "content_type",
        "size",
        "seq",
        "file_name",
        "file_type",
        "md5",
        "description",
    ];
    let mut md = MetaData::default();
    for (k, v) in fields(v, what, &known)? {
        let field = format!("{what}'s \"{k}\"");
        match k.as_str() {
            "is_multi_part" => md.is_multi_part = Some(flag(v, &field)?),
            "size" => md.size = Some(u64_of(v, &field)?),
            "seq" => md.seq = Some(u64_of(v, &field)?),
            "content_type" => md.content_type = Some(text(v, &field)?),
            "file_name" => md.file_name = Some(text(v, &field)?),
            "file_type" => md.file_type = Some(text(v, &field)?),
            "md5" => md.md5 = Some(text(v, &field)?),
            _ => md.description = Some(text(v, &field)?),
        }
    }
    Ok(md)
}

fn set_from(v: &Value, what: &str, depth: usize) -> Result<PropertySet, String> {
    let Value::Object(o) = v else {
        return Err(format!("{what} is not a JSON object of properties"));
    };
    if depth > MAX_SET_DEPTH {
        return Err(format!("{what}: property sets nested more than {MAX_SET_DEPTH} deep"));
    }
    let mut ps = PropertySet::default();
    for (key, pv) in o {
        let field = format!("{what}' \"{key}\"");
        let mut p = PropertyValue::default();
        let mut value = None;
        for (k, v) in fields(pv, &field, &["datatype", "is_null", "value"])? {
            match k.as_str() {
                "datatype" => p.datatype = Some(parse_type(v, &field)?),
                "is_null" => p.is_null = Some(flag(v, &field)?),
                _ => value = Some(v).filter(|v| !v.is_null()),
            }
        }
        let t = match p.datatype {
            Some(t) => t,
            None => {
                let t = value
                    .and_then(guess)
                    .ok_or_else(|| format!("{field}: say its \"type\""))?;
                p.datatype = Some(t);
                t
            }
        };
        p.value = match (t, value) {
            (_, None) => None,
            (PROPERTY_SET, Some(v)) => Some(PropertyKind::Set(set_from(v, &field, depth + 1)?)),
            (PROPERTY_SET_LIST, Some(Value::Array(sets))) => Some(PropertyKind::SetList(PropertySetList {
                sets: sets
                    .iter()
                    .map(|s| set_from(s, &field, depth + 1))
                    .collect::<Result<_, _>>()?,
            })),
            (_, Some(v)) => Some(PropertyKind::from(scalar_from(t, v, &field)?)),
        };
        ps.keys.push(key.clone());
        ps.values.push(p);
    }
    Ok(ps)
}

fn dataset_from(v: &Value, what: &str) -> Result<DataSet, String> {
    let mut d = DataSet::default();
    let mut rows: &[Value] = &[];
    for (k, v) in fields(v, what, &["num_of_columns", "columns", "types", "rows"])? {
        let field = format!("{what}'s \"{k}\"");
        let list = || {
            v.as_array()
                .map(Vec::as_slice)
                .ok_or_else(|| format!("{field} is not a JSON array"))
        };
        match k.as_str() {
            "num_of_columns" => d.num_of_columns = Some(u64_of(v, &field)?),
            "columns" => d.columns = list()?.iter().map(|c| text(c, &field)).collect::<Result<_, _>>()?,
            "types" => {
                d.types = list()?
                    .iter()
                    .map(|t| parse_type(t, &field))
                    .collect::<Result<_, _>>()?
            }
            _ => rows = list()?,
        }
    }
    for (i, r) in rows.iter().enumerate() {
        let row = format!("{what}'s row {}", i + 1);
        let cells = r.as_array().ok_or_else(|| format!("{row} is not a JSON array"))?;
        if cells.len() != d.types.len() {
            return Err(format!("{row} has {} values for {} types", cells.len(), d.types.len()));
        }
        let elements = cells.iter().zip(&d.types).map(|(c, &t)| {
            if c.is_null() {
                return Ok(Element { value: None });
            }
            Ok(Element {
                value: Some(Scalar::from(scalar_from(t, c, &row)?)),
            })
        });
        d.rows.push(Row {
            elements: elements.collect::<Result<_, String>>()?,
        });
    }
    d.num_of_columns.get_or_insert(d.columns.len() as u64);
    Ok(d)
}

fn template_from(v: &Value, what: &str) -> Result<Template, String> {
    let mut t = Template::default();
    for (k, v) in fields(
        v,
        what,
        &["version", "template_ref", "is_definition", "parameters", "metrics"],
    )? {
        let field = format!("{what}'s \"{k}\"");
        let list = || v.as_array().ok_or_else(|| format!("{field} is not a JSON array"));
        match k.as_str() {
            "version" => t.version = Some(text(v, &field)?),
            "template_ref" => t.template_ref = Some(text(v, &field)?),
            "is_definition" => t.is_definition = Some(flag(v, &field)?),
            "metrics" => {
                let ms = list()?.iter().enumerate();
                t.metrics = ms
                    .map(|(i, m)| metric_from(m, &format!("{field} {}", i + 1)))
                    .collect::<Result<_, _>>()?;
            }
            _ => {
                let ps = list()?.iter().map(|p| parameter_from(p, &field));
                t.parameters = ps.collect::<Result<_, _>>()?;
            }
        }
    }
    Ok(t)
}

fn parameter_from(v: &Value, what: &str) -> Result<Parameter, String> {
    let mut p = Parameter::default();
    let mut value = None;
    for (k, v) in fields(v, what, &["name", "datatype", "value"])? {
        match k.as_str() {
            "name" => p.name = Some(text(v, what)?),
            "datatype" => p.datatype = Some(parse_type(v, what)?),
            _ => value = Some(v).filter(|v| !v.is_null()),
        }
    }
    if let Some(v) = value {
        let t = p
            .datatype
            .or_else(|| guess(v))
            .ok_or_else(|| format!("{what}: say the parameter's \"type\""))?;
        p.datatype = Some(t);
        p.value = Some(ParameterValue::from(scalar_from(t, v, what)?));
    }
    Ok(p)
}
