//! The Sparkplug B payload as Protobuf messages, written from the field
//! definitions of the Sparkplug 3.0 specification (its `Payload` message
//! and the types nested in it). Tag numbers are the specification's; the
//! extension ranges it reserves are skipped like any unknown field.

use prost::{Message, Oneof};

/// One NBIRTH, NDATA, DBIRTH, … message.
#[derive(Clone, PartialEq, Message)]
pub struct Payload {
    /// Milliseconds since the Unix epoch.
    #[prost(uint64, optional, tag = "1")]
    pub timestamp: Option<u64>,
    #[prost(message, repeated, tag = "2")]
    pub metrics: Vec<Metric>,
    /// 0–255, one more with each message of an edge node's session.
    #[prost(uint64, optional, tag = "3")]
    pub seq: Option<u64>,
    #[prost(string, optional, tag = "4")]
    pub uuid: Option<String>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub body: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Metric {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// Stands for the name after the birth certificate gave both.
    #[prost(uint64, optional, tag = "2")]
    pub alias: Option<u64>,
    #[prost(uint64, optional, tag = "3")]
    pub timestamp: Option<u64>,
    /// A [`super::DataType`] number.
    #[prost(uint32, optional, tag = "4")]
    pub datatype: Option<u32>,
    #[prost(bool, optional, tag = "5")]
    pub is_historical: Option<bool>,
    #[prost(bool, optional, tag = "6")]
    pub is_transient: Option<bool>,
    #[prost(bool, optional, tag = "7")]
    pub is_null: Option<bool>,
    #[prost(message, optional, tag = "8")]
    pub metadata: Option<MetaData>,
    #[prost(message, optional, tag = "9")]
    pub properties: Option<PropertySet>,
    #[prost(oneof = "MetricValue", tags = "10, 11, 12, 13, 14, 15, 16, 17, 18")]
    pub value: Option<MetricValue>,
}

#[derive(Clone, PartialEq, Oneof)]
pub enum MetricValue {
    #[prost(uint32, tag = "10")]
    Int(u32),
    #[prost(uint64, tag = "11")]
    Long(u64),
    #[prost(float, tag = "12")]
    Float(f32),
    #[prost(double, tag = "13")]
    Double(f64),
    #[prost(bool, tag = "14")]
    Boolean(bool),
    #[prost(string, tag = "15")]
    String(String),
    #[prost(bytes = "vec", tag = "16")]
    Bytes(Vec<u8>),
    #[prost(message, tag = "17")]
    DataSet(DataSet),
    #[prost(message, tag = "18")]
    Template(Template),
}

/// Describes a file or a part of one carried in a metric.
#[derive(Clone, PartialEq, Message)]
pub struct MetaData {
    #[prost(bool, optional, tag = "1")]
    pub is_multi_part: Option<bool>,
    #[prost(string, optional, tag = "2")]
    pub content_type: Option<String>,
    #[prost(uint64, optional, tag = "3")]
    pub size: Option<u64>,
    #[prost(uint64, optional, tag = "4")]
    pub seq: Option<u64>,
    #[prost(string, optional, tag = "5")]
    pub file_name: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub file_type: Option<String>,
    #[prost(string, optional, tag = "7")]
    pub md5: Option<String>,
    #[prost(string, optional, tag = "8")]
    pub description: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PropertySet {
    #[prost(string, repeated, tag = "1")]
    pub keys: Vec<String>,
    #[prost(message, repeated, tag = "2")]
    pub values: Vec<PropertyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PropertyValue {
    #[prost(uint32, optional, tag = "1")]
    pub datatype: Option<u32>,
    #[prost(bool, optional, tag = "2")]
    pub is_null: Option<bool>,
    #[prost(oneof = "PropertyKind", tags = "3, 4, 5, 6, 7, 8, 9, 10")]
    pub value: Option<PropertyKind>,
}

#[derive(Clone, PartialEq, Oneof)]
pub enum PropertyKind {
    #[prost(uint32, tag = "3")]
    Int(u32),
    #[prost(uint64, tag = "4")]
    Long(u64),
    #[prost(float, tag = "5")]
    Float(f32),
    #[prost(double, tag = "6")]
    Double(f64),
    #[prost(bool, tag = "7")]
    Boolean(bool),
    #[prost(string, tag = "8")]
    String(String),
    #[prost(message, tag = "9")]
    Set(PropertySet),
    #[prost(message, tag = "10")]
    SetList(PropertySetList),
}

#[derive(Clone, PartialEq, Message)]
pub struct PropertySetList {
    #[prost(message, repeated, tag = "1")]
    pub sets: Vec<PropertySet>,
}

/// A table: named, typed columns and rows of values.
#[derive(Clone, PartialEq, Message)]
pub struct DataSet {
    #[prost(uint64, optional, tag = "1")]
    pub num_of_columns: Option<u64>,
    #[prost(string, repeated, tag = "2")]
    pub columns: Vec<String>,
    #[prost(uint32, repeated, packed = "false", tag = "3")]
    pub types: Vec<u32>,
    #[prost(message, repeated, tag = "4")]
    pub rows: Vec<Row>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Row {
    #[prost(message, repeated, tag = "1")]
    pub elements: Vec<Element>,
}

/// One cell of a [`DataSet`] (or a template parameter's value: the same
/// kinds at other tags, see [`Parameter`]).
#[derive(Clone, PartialEq, Message)]
pub struct Element {
    #[prost(oneof = "Scalar", tags = "1, 2, 3, 4, 5, 6")]
    pub value: Option<Scalar>,
}

#[derive(Clone, PartialEq, Oneof)]
pub enum Scalar {
    #[prost(uint32, tag = "1")]
    Int(u32),
    #[prost(uint64, tag = "2")]
    Long(u64),
    #[prost(float, tag = "3")]
    Float(f32),
    #[prost(double, tag = "4")]
    Double(f64),
    #[prost(bool, tag = "5")]
    Boolean(bool),
    #[prost(string, tag = "6")]
    String(String),
}

/// A user-defined type (a definition in a birth) or an instance of one.
#[derive(Clone, PartialEq, Message)]
pub struct Template {
    #[prost(string, optional, tag = "1")]
    pub version: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub metrics: Vec<Metric>,
    #[prost(message, repeated, tag = "3")]
    pub parameters: Vec<Parameter>,
    #[prost(string, optional, tag = "4")]
    pub template_ref: Option<String>,
    #[prost(bool, optional, tag = "5")]
    pub is_definition: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Parameter {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(uint32, optional, tag = "2")]
    pub datatype: Option<u32>,
    #[prost(oneof = "ParameterValue", tags = "3, 4, 5, 6, 7, 8")]
    pub value: Option<ParameterValue>,
}

#[derive(Clone, PartialEq, Oneof)]
pub enum ParameterValue {
    #[prost(uint32, tag = "3")]
    Int(u32),
    #[prost(uint64, tag = "4")]
    Long(u64),
    #[prost(float, tag = "5")]
    Float(f32),
    #[prost(double, tag = "6")]
    Double(f64),
    #[prost(bool, tag = "7")]
    Boolean(bool),
    #[prost(string, tag = "8")]
    String(String),
}

/// Decodes a payload; `Err` names what is wrong.
pub fn read(bytes: &[u8]) -> Result<Payload, String> {
    Payload::decode(bytes).map_err(|e| format!("not a Sparkplug B payload ({e})"))
}
