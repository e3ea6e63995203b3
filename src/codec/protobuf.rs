//! `protobuf:FILE.proto[:package.Message]`: payloads of one message type of
//! a `.proto` file, compiled in-process when the option is read (imports
//! are looked up beside the file), shown in proto3's JSON mapping (int64 as
//! text, bytes as base64, enums by name, field names in lowerCamelCase) and
//! read back from it (either field spelling, enums by name or number).

use std::path::Path;

use prost::Message as _;
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, MessageDescriptor, SerializeOptions};
use serde_json::Value;

/// One message type of a compiled `.proto` file.
#[derive(Debug, Clone)]
pub struct Protobuf {
    message: MessageDescriptor,
}

impl Protobuf {
    /// `FILE.proto` or `FILE.proto:package.Message`; without a message name
    /// the file must define one message type.
    pub fn load(spec: &str) -> Result<Protobuf, String> {
        let (file, name) = match spec.rsplit_once(':') {
            Some((file, name)) if file.ends_with(".proto") && !name.contains('/') => (file, Some(name)),
            _ => (spec, None),
        };
        let path = Path::new(file);
        if !path.is_file() {
            return Err(format!("protobuf:{file}: no such file"));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let set = protox::compile([path], [dir]).map_err(|e| format!("protobuf:{file}: {e}"))?;
        let pool = DescriptorPool::from_file_descriptor_set(set).map_err(|e| format!("protobuf:{file}: {e}"))?;
        let own: Vec<MessageDescriptor> = pool
            .files()
            .filter(|f| Path::new(f.name()).file_name() == path.file_name())
            .flat_map(|f| f.messages().collect::<Vec<_>>())
            .collect();
        let message = match name {
            Some(n) => pool
                .get_message_by_name(n)
                .ok_or_else(|| format!("protobuf:{file}: no message {n} (messages: {})", names(&own)))?,
            None => match own.as_slice() {
                [one] => one.clone(),
                _ => {
                    return Err(format!(
                        "protobuf:{file}: say which message, as protobuf:{file}:NAME (messages: {})",
                        names(&own)
                    ));
                }
            },
        };
        Ok(Protobuf { message })
    }

    /// The message type's full name (`package.Message`).
    pub fn message_name(&self) -> &str {
        self.message.full_name()
    }

    pub fn decode(&self, payload: &[u8]) -> Result<Value, String> {
        let m = DynamicMessage::decode(self.message.clone(), payload)
            .map_err(|e| format!("not a {}: {e}", self.message_name()))?;
        // Fields at their defaults are left out, as proto3's mapping says.
        let options = SerializeOptions::new().skip_default_fields(true);
        m.serialize_with_options(serde_json::value::Serializer, &options)
            .map_err(|e| e.to_string())
    }

    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, String> {
        let options = DeserializeOptions::new().deny_unknown_fields(true);
        let m = DynamicMessage::deserialize_with_options(self.message.clone(), value, &options)
            .map_err(|e| format!("not a {}: {e}", self.message_name()))?;
        Ok(m.encode_to_vec())
    }
}

fn names(messages: &[MessageDescriptor]) -> String {
    let names: Vec<&str> = messages.iter().map(MessageDescriptor::full_name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROTO: &str = r#"
        syntax = "proto3";
        package plant;
        import "unit.proto";
        message Reading {
          string name = 1;
          repeated double values = 2;
          map<string, int64> counts = 3;
          bytes raw = 4;
          oneof kind { int32 code = 5; string text = 6; }
          Inner inner = 7;
          Unit unit = 8;
        }
        message Inner { uint64 n = 1; }
    "#;

    fn schema(dir: &Path) -> String {
        std::fs::write(
            dir.join("unit.proto"),
            "syntax = \"proto3\"; package plant; enum Unit { C = 0; F = 1; }",
        )
        .unwrap();
        let file = dir.join("reading.proto");
        std::fs::write(&file, PROTO).unwrap();
        file.display().to_string()
    }

    #[test]
    fn a_message_of_a_proto_file_round_trips_in_protos_json_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let file = schema(dir.path());
        // Two messages: the name is needed.
        assert!(
            Protobuf::load(&file)
                .unwrap_err()
                .contains("plant.Reading, plant.Inner")
        );
        let p = Protobuf::load(&format!("{file}:plant.Reading")).unwrap();
        assert_eq!(p.message_name(), "plant.Reading");
        let doc = json!({"name": "p7", "values": [1.5, 2.0], "counts": {"a": "3"}, "raw": "AAE=",
                         "code": 7, "inner": {"n": "5"}, "unit": "F"});
        let bytes = p.encode(&doc).unwrap();
        assert_eq!(p.decode(&bytes).unwrap(), doc);
        assert!(p.encode(&json!({"nope": 1})).unwrap_err().contains("nope"));
        assert!(p.decode(&[0xff, 0xff, 0xff]).is_err());
        assert!(
            Protobuf::load(&format!("{file}:plant.Nope"))
                .unwrap_err()
                .contains("no message plant.Nope")
        );
        assert!(
            Protobuf::load("/nonexistent.proto")
                .unwrap_err()
                .contains("no such file")
        );
    }
}
