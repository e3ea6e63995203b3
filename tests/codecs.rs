//! `mqtt-sub --decode` and `mqtt-pub --encode` against independent CBOR,
//! MessagePack and Protobuf implementations (cbor2, @msgpack/msgpack and
//! protobufjs under Node.js, in tests/codecs/, installed by scripts/test): what they encode we
//! decode, what we encode they decode, and a decoded capture replays.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::cmd::{binary, run};
use crate::support::{Broker, Sub, pub_on};

const WAIT: Duration = Duration::from_secs(30);
const CODECS: [&str; 2] = ["cbor", "msgpack"];

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codecs")
}

/// The peer's `op` (`encode`: JSON text → bytes; `decode`: bytes → JSON text).
fn peer(op: &str, codec: &str, input: &[u8]) -> Vec<u8> {
    peer_with(&[op, codec], input)
}

/// The peer with `args` (`encode|decode CODEC [FILE MESSAGE]`).
fn peer_with(args: &[&str], input: &[u8]) -> Vec<u8> {
    let dir = peers_dir();
    assert!(
        dir.join("node_modules/protobufjs").exists(),
        "{} is not installed: run scripts/test (or `. scripts/lib.sh; ensure_other_brokers`)",
        dir.join("node_modules").display()
    );
    let mut child = Command::new("node")
        .arg(dir.join("peer.mjs"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = crate::support::cmd::finish(child);
    assert!(
        out.status.success(),
        "peer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A document with what JSON has: nesting, arrays, floats, negatives,
/// text beyond ASCII, booleans and null.
fn document() -> Value {
    json!({
        "sensor": "pump-7",
        "values": [21.5, -3, 0.1, 1_000_000],
        "ok": true,
        "fault": null,
        "meta": {"unit": "°C", "tags": ["a", "b"], "depth": {"n": 2}}
    })
}

#[test]
fn payloads_an_independent_encoder_wrote_are_shown_as_json() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let doc = document();
    for codec in CODECS {
        let topic = format!("codec/{codec}/in");
        let encoded = home.path().join(format!("doc.{codec}"));
        std::fs::write(&encoded, peer("encode", codec, doc.to_string().as_bytes())).unwrap();
        let shown = Sub::mqtt_sub(&broker, home.path(), &topic, &["--decode", codec, "-v", "-C", "2"]);
        let lines = Sub::mqtt_sub(&broker, home.path(), &topic, &["--decode", codec, "--json", "-C", "2"]);
        run(pub_on(
            &broker,
            home.path(),
            &["-t", &topic, "-q", "1", "-f", encoded.to_str().unwrap()],
        ))
        .expect_code(0);
        // Not CBOR (a break code first) nor MessagePack (a value, then more).
        run(pub_on(
            &broker,
            home.path(),
            &["-t", &topic, "-q", "1", "-m", "\u{1}\u{2}"],
        ))
        .expect_code(0);

        let ended = shown.finish(WAIT);
        assert_eq!(ended.code, Some(0), "{codec}: {}", ended.stderr);
        let out = String::from_utf8(ended.stdout).unwrap();
        let mut out = out.lines();
        let first = out.next().unwrap().strip_prefix(&format!("{topic} ")).unwrap();
        assert_eq!(serde_json::from_str::<Value>(first).unwrap(), doc, "{codec}");
        // The one that does not decode: shown as it is, after one warning.
        assert_eq!(out.next(), Some(format!("{topic} \u{1}\u{2}").as_str()));
        let warnings: Vec<&str> = ended.stderr.lines().collect();
        assert_eq!(warnings.len(), 1, "{codec}: {}", ended.stderr);
        assert!(
            warnings[0].starts_with(&format!(
                "Warning: cannot decode the payload on topic {topic} as {codec}: "
            )),
            "{}",
            warnings[0]
        );

        let ended = lines.finish(WAIT);
        assert_eq!(ended.code, Some(0), "{codec}: {}", ended.stderr);
        let out = String::from_utf8(ended.stdout).unwrap();
        let line: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(line["payload"], doc, "{codec}: the payload is the JSON value");
        assert_eq!(line["codec"], codec);
        let raw: Value = serde_json::from_str(out.lines().nth(1).unwrap()).unwrap();
        assert_eq!(raw["payload"], "\u{1}\u{2}");
        assert!(raw.get("codec").is_none());
    }
}

/// The payloads of `--json` lines, as bytes.
fn payloads(out: &[u8]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            match (&v["payload"], &v["payload_base64"]) {
                (Value::String(s), _) => s.as_bytes().to_vec(),
                (_, Value::String(b)) => b64.decode(b).unwrap(),
                _ => panic!("no payload in {l}"),
            }
        })
        .collect()
}

#[test]
fn what_mqtt_pub_encodes_an_independent_decoder_reads() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let doc = document();
    for codec in CODECS {
        let topic = format!("codec/{codec}/out");
        let sub = Sub::mqtt_sub(&broker, home.path(), &topic, &["--json", "-C", "3"]);
        run(pub_on(
            &broker,
            home.path(),
            &["-t", &topic, "--encode", codec, "-m", &doc.to_string()],
        ))
        .expect_code(0);
        let mut lines = pub_on(
            &broker,
            home.path(),
            &["-t", &topic, "--encode", codec, "-l", "-q", "1"],
        );
        lines.write_stdin("[1, 2]\n\"text\"\n");
        let r = run(lines);
        r.expect_code(0);
        let got = payloads(&sub.output(WAIT));
        let decoded: Vec<Value> = got
            .iter()
            .map(|p| serde_json::from_slice(&peer("decode", codec, p)).unwrap())
            .collect();
        assert_eq!(decoded, [doc.clone(), json!([1, 2]), json!("text")], "{codec}");
    }
}

#[test]
fn text_that_is_not_json_is_an_error_naming_it_and_nothing_of_it_is_sent() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let r = run(pub_on(
        &broker,
        home.path(),
        &["-t", "c/bad", "--encode", "cbor", "-m", "{bad"],
    ));
    r.expect_code(1);
    assert!(r.stderr().starts_with("Error: -m: not JSON ("), "{}", r.stderr());
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-pub"), home.path());
    c.args(["-t", "c", "--encode", "yaml", "-m", "1"]);
    let r = run(c);
    r.expect_code(1);
    assert!(
        r.stderr().contains(
            "--encode yaml: not a codec (codecs: json, cbor, msgpack, protobuf:FILE.proto[:package.Message])."
        ),
        "{}",
        r.stderr()
    );
    // Line input: the good line before the bad one is sent, the bad one and
    // the rest are not, and the exit says so.
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "c/lines",
        &["--decode", "msgpack", "-C", "1", "-W", "5"],
    );
    let mut lines = pub_on(
        &broker,
        home.path(),
        &["-t", "c/lines", "--encode", "msgpack", "-l", "-q", "1"],
    );
    lines.write_stdin("{\"n\": 1}\nnot json\n{\"n\": 3}\n");
    let r = run(lines);
    r.expect_code(1);
    assert!(r.stderr().contains("line 2 is not JSON"), "{}", r.stderr());
    assert_eq!(String::from_utf8(sub.output(WAIT)).unwrap(), "{\"n\":1}\n");
}

#[test]
fn a_decoded_capture_is_encoded_again_by_jsonl() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let doc = document();
    let encoded = home.path().join("doc.cbor");
    std::fs::write(&encoded, peer("encode", "cbor", doc.to_string().as_bytes())).unwrap();
    let capture = Sub::mqtt_sub(
        &broker,
        home.path(),
        "c/cap",
        &["--decode", "cbor", "--json", "-C", "1"],
    );
    run(pub_on(
        &broker,
        home.path(),
        &["-t", "c/cap", "-q", "1", "-f", encoded.to_str().unwrap()],
    ))
    .expect_code(0);
    let captured = capture.output(WAIT);
    let replayed = Sub::mqtt_sub(&broker, home.path(), "c/replay", &["--json", "-C", "1"]);
    let mut replay = pub_on(
        &broker,
        home.path(),
        &["-t", "c/replay", "--jsonl", "--encode", "cbor", "-q", "1"],
    );
    // The capture's own topic is replaced: the line's "topic" wins, so drop it.
    let mut line: Value = serde_json::from_slice(&captured).unwrap();
    line.as_object_mut().unwrap().remove("topic");
    replay.write_stdin(format!("{line}\n"));
    let r = run(replay);
    r.expect_code(0);
    let got = payloads(&replayed.output(WAIT));
    let decoded: Value = serde_json::from_slice(&peer("decode", "cbor", &got[0])).unwrap();
    assert_eq!(decoded, doc);
}

/// A schema with what Protobuf has: nesting, repeated, a map, bytes, a
/// oneof and an enum (from an imported file).
fn proto(dir: &Path) -> String {
    std::fs::write(
        dir.join("units.proto"),
        "syntax = \"proto3\";\npackage plant;\nenum Unit { C = 0; F = 1; }\n",
    )
    .unwrap();
    let file = dir.join("reading.proto");
    std::fs::write(
        &file,
        "syntax = \"proto3\";\npackage plant;\nimport \"units.proto\";\n\
         message Reading {\n  string name = 1;\n  repeated double values = 2;\n  map<string, int64> counts = 3;\n  \
         bytes raw = 4;\n  oneof kind { int32 code = 5; string text = 6; }\n  Inner inner = 7;\n  Unit unit = 8;\n}\n\
         message Inner { uint64 n = 1; repeated Inner more = 2; }\n",
    )
    .unwrap();
    file.display().to_string()
}

/// A `plant.Reading` in proto3's JSON mapping (64-bit integers as text).
fn reading() -> Value {
    json!({"name": "pump-7", "values": [21.5, -3.25], "counts": {"starts": "12"}, "raw": "AAH/",
           "text": "ok", "inner": {"n": "5", "more": [{"n": "6"}]}, "unit": "F"})
}

#[test]
fn protobuf_from_a_proto_file_both_ways_with_an_independent_implementation() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let file = proto(home.path());
    let codec = format!("protobuf:{file}:plant.Reading");
    let doc = reading();
    // protobufjs encodes, mqtt-sub decodes.
    let theirs = home.path().join("reading.bin");
    let encoded = peer_with(
        &["encode", "protobuf", &file, "plant.Reading"],
        doc.to_string().as_bytes(),
    );
    std::fs::write(&theirs, encoded).unwrap();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "pb/in",
        &["--decode", &codec, "--json", "-C", "1"],
    );
    run(pub_on(
        &broker,
        home.path(),
        &["-t", "pb/in", "-q", "1", "-f", theirs.to_str().unwrap()],
    ))
    .expect_code(0);
    let line: Value = serde_json::from_slice(&sub.output(WAIT)).unwrap();
    assert_eq!(line["payload"], doc);
    assert_eq!(line["codec"], "protobuf");
    // mqtt-pub encodes, protobufjs decodes.
    let sub = Sub::mqtt_sub(&broker, home.path(), "pb/out", &["--json", "-C", "1"]);
    run(pub_on(
        &broker,
        home.path(),
        &["-t", "pb/out", "--encode", &codec, "-m", &doc.to_string()],
    ))
    .expect_code(0);
    let got = payloads(&sub.output(WAIT));
    let decoded = peer_with(&["decode", "protobuf", &file, "plant.Reading"], &got[0]);
    assert_eq!(serde_json::from_slice::<Value>(&decoded).unwrap(), doc);
    // A field the schema does not have, a file with two messages and no
    // name, a missing file: errors that name the problem, exit 1.
    let r = run(pub_on(
        &broker,
        home.path(),
        &["-t", "pb/x", "--encode", &codec, "-m", "{\"nope\": 1}"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr().contains("not a plant.Reading") && r.stderr().contains("nope"),
        "{}",
        r.stderr()
    );
    let r = run(pub_on(
        &broker,
        home.path(),
        &["-t", "pb/x", "--encode", &format!("protobuf:{file}"), "-m", "{}"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr().contains("messages: plant.Reading, plant.Inner"),
        "{}",
        r.stderr()
    );
    let r = run(pub_on(
        &broker,
        home.path(),
        &["-t", "pb/x", "--encode", "protobuf:/nonexistent.proto", "-m", "{}"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr().contains("protobuf:/nonexistent.proto: no such file"),
        "{}",
        r.stderr()
    );
}
