//! Entry points for the fuzz targets in `fuzz/` (cargo fuzz, libFuzzer) —
//! the parsers that take hostile text: `-F` formats and their rendering,
//! `-L` URLs, `-D` properties, password files, `--jsonl` lines and the
//! payload decoders. Each
//! function must return without panicking for any input and checks the
//! properties that must hold (a password file that parses is written back
//! byte for byte). The same functions run in `cargo test` over the committed
//! corpus plus seeded mutations (see the tests below), so a crash the fuzzer
//! found stays fixed.

use std::path::Path;

use bytes::Bytes;

use crate::codec::Codec;
use crate::format::{Mode, Printer};
use crate::mqtt::{Message, Protocol, PublishProps, QoS};
use crate::passwd::PwFile;
use crate::publish::jsonl;
use crate::settings::Props;

/// A fuzz target: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// The fuzz targets by name (the directories of `fuzz/corpus`).
pub const TARGETS: &[(&str, Target)] = &[
    ("format", format),
    ("url", url),
    ("props", props),
    ("passwd", passwd),
    ("jsonl", jsonl_line),
    ("cbor", cbor),
    ("msgpack", msgpack),
    ("protobuf", protobuf),
    ("sparkplug", sparkplug),
];

/// Split `data` at NUL bytes into (lossy) strings.
fn fields(data: &[u8]) -> Vec<String> {
    data.split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// `-F FORMAT` parsed, then rendered for a message: the first NUL-separated
/// field is the format, the next the topic, the rest the payload.
pub fn format(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == 0);
    let spec = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let topic = Bytes::copy_from_slice(parts.next().unwrap_or_default());
    let payload = Bytes::copy_from_slice(parts.next().unwrap_or_default());
    let Ok(format) = crate::format::Format::parse(&spec) else {
        return;
    };
    let message = Message {
        topic,
        payload,
        qos: QoS::ExactlyOnce,
        retain: true,
        dup: false,
        pkid: 7,
        props: Some(Box::new(PublishProps {
            content_type: Some("text/plain".into()),
            correlation_data: Some(Bytes::from_static(b"\x00\xff")),
            user_properties: vec![("k".into(), "v".into())],
            ..PublishProps::default()
        })),
        props_order: vec![0x26, 0x03, 0x09],
    };
    for pretty in [false, true] {
        let mut printer = Printer {
            mode: Mode::Format(format.clone()),
            eol: true,
            pretty,
            decode: None,
        };
        let mut out = Vec::new();
        printer.message(&message, &mut out);
    }
}

/// `-L URL`.
pub fn url(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::settings::parse_url(text);
    }
}

/// `-D COMMAND NAME VALUE ...`: NUL-separated argument values.
pub fn props(data: &[u8]) {
    let _ = Props::parse(&fields(data));
}

/// A password file: whatever parses is written back unchanged, and stays
/// parseable after setting and deleting users.
pub fn passwd(data: &[u8]) {
    let Ok(mut file) = PwFile::parse(data, Path::new("fuzz")) else {
        return;
    };
    assert_eq!(
        file.to_bytes(),
        data,
        "an untouched password file is written back byte for byte"
    );
    file.set("fuzz-user", "$7$101$c2FsdA==$aGFzaA==".into());
    file.set("other", "$7$101$c2FsdA==$aGFzaA==".into());
    file.delete("fuzz-user");
    let again = file.to_bytes();
    PwFile::parse(&again, Path::new("fuzz")).expect("what mqtt-passwd writes, it can read");
}

/// A payload decoded as `codec`: whatever decodes encodes again, and reads
/// back as the same JSON.
fn decode(codec: &Codec, data: &[u8]) {
    let Ok(value) = codec.decode(data) else {
        return;
    };
    let bytes = codec.encode(&value).expect("decoded JSON encodes");
    assert_eq!(codec.decode(&bytes).as_ref(), Ok(&value), "JSON survives a round trip");
}

/// `--decode cbor`.
pub fn cbor(data: &[u8]) {
    decode(&Codec::Cbor, data);
}

/// `--decode msgpack`.
pub fn msgpack(data: &[u8]) {
    decode(&Codec::Msgpack, data);
}

/// `--decode protobuf:...` with a schema of every kind of field (compiled
/// once, from a file written for it).
pub fn protobuf(data: &[u8]) {
    static SCHEMA: std::sync::OnceLock<Codec> = std::sync::OnceLock::new();
    let codec = SCHEMA.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mqttkit-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let file = dir.join("fuzz.proto");
        std::fs::write(
            &file,
            "syntax = \"proto3\"; package fuzz; enum E { A = 0; B = 1; }\n\
             message M { string s = 1; repeated sint64 r = 2; map<string, M> m = 3; bytes b = 4;\n\
             oneof o { fixed32 f = 5; double d = 6; } E e = 7; repeated M more = 8; bool t = 9; }",
        )
        .expect("the schema written");
        let codec = Codec::parse(&format!("protobuf:{}:fuzz.M", file.display())).expect("the schema compiles");
        let _ = std::fs::remove_dir_all(&dir);
        codec
    });
    decode(codec, data);
}

/// `--decode sparkplug`: the payload alone, then as each kind of message
/// of one edge node, so the follower sees births, data and deaths of any
/// shape. Sparkplug's JSON reads back once a first encoding has given each
/// metric a type (one without takes the type its value plainly has).
pub fn sparkplug(data: &[u8]) {
    let codec = Codec::Sparkplug;
    if let Ok(value) = codec.decode(data)
        && let Ok(bytes) = codec.encode(&value)
    {
        let typed = codec.decode(&bytes).expect("what was encoded decodes");
        let again = codec.encode(&typed).expect("typed JSON encodes");
        assert_eq!(
            codec.decode(&again).as_ref(),
            Ok(&typed),
            "typed JSON survives a round trip"
        );
    }
    let mut decoder = crate::codec::Decoder::new(codec);
    for kind in ["NBIRTH", "DBIRTH", "NDATA", "DDATA", "DDEATH", "NDEATH", "NDATA"] {
        let device = if kind.starts_with('D') { "/d" } else { "" };
        let _ = decoder.read(&format!("spBv1.0/g/{kind}/e{device}"), data);
    }
    let _ = decoder.read("spBv1.0/STATE/host", data);
}

/// One `--jsonl` line, for both protocol versions.
pub fn jsonl_line(data: &[u8]) {
    for protocol in [Protocol::V311, Protocol::V5] {
        let d = jsonl::Defaults {
            topic: Some("default/topic".into()),
            qos: QoS::AtLeastOnce,
            retain: false,
            props: None,
            protocol,
            encode: None,
        };
        let _ = jsonl::parse(data, &d);
        let _ = jsonl::parse(
            data,
            &jsonl::Defaults {
                encode: Some(Codec::Cbor),
                ..d
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every committed corpus file (seeds and crashes found by fuzzing),
    /// then seeded mutations of them: a short deterministic pass per target.
    #[test]
    fn fuzz_targets_survive_their_corpus_and_mutations() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus");
        for (name, target) in TARGETS {
            let dir = root.join(name);
            let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| std::fs::read(e.unwrap().path()).unwrap())
                .collect();
            assert!(!inputs.is_empty(), "no corpus for {name}");
            inputs.sort();
            let mut rng = fastrand::Rng::with_seed(0x5eed ^ name.len() as u64);
            for input in &inputs {
                target(input);
            }
            for _ in 0..3000 {
                let base = &inputs[(rng.u64(..) % inputs.len() as u64) as usize];
                target(&mutate(base, &mut rng));
            }
        }
    }

    /// Flip, insert, delete or duplicate a few bytes.
    fn mutate(base: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
        let mut v = base.to_vec();
        const INTERESTING: &[u8] = b"%@:\\/[]{}\"\x00\n\r\xff#+$01-9xXjJpPtT";
        for _ in 0..1 + rng.u64(..) % 4 {
            let at = if v.is_empty() {
                0
            } else {
                (rng.u64(..) % v.len() as u64) as usize
            };
            let byte = if rng.u64(..).is_multiple_of(2) {
                INTERESTING[(rng.u64(..) % INTERESTING.len() as u64) as usize]
            } else {
                rng.u64(..) as u8
            };
            match rng.u64(..) % 4 {
                0 if !v.is_empty() => v[at] = byte,
                1 => v.insert(at, byte),
                2 if !v.is_empty() => {
                    v.remove(at);
                }
                _ => {
                    let end = (at + 1 + (rng.u64(..) % 8) as usize).min(v.len());
                    let chunk = v[at..end].to_vec();
                    v.splice(at..at, chunk);
                }
            }
        }
        v
    }
}
