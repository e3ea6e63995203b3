//! `mqtt-sub --decode` and `mqtt-pub --encode` against independent CBOR,
//! MessagePack, Protobuf and Sparkplug B implementations (cbor2,
//! @msgpack/msgpack, protobufjs and Eclipse Tahu's sparkplug-payload and
//! sparkplug-client under Node.js, in tests/codecs/, installed by
//! scripts/test): what they encode we decode, what we encode they decode, a
//! decoded capture replays, and a Tahu edge node is followed through a
//! rebirth.

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
            "--encode yaml: not a codec (codecs: sparkplug, protobuf:FILE.proto[:package.Message], json, cbor, msgpack)."
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

/// A Tahu edge node (tests/codecs/edge.mjs) on `broker`, and its output lines.
fn tahu_edge(broker: &Broker, group: &str, edge: &str) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let mut child = Command::new("node")
        .arg(peers_dir().join("edge.mjs"))
        .args([&url, group, edge])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let rx = crate::support::cmd::lines_of(&mut child);
    (child, rx)
}

/// Wait for the edge node to say `line`.
fn edge_says(lines: &std::sync::mpsc::Receiver<String>, line: &str) {
    loop {
        match lines.recv_timeout(WAIT) {
            Ok(l) if l == line => return,
            Ok(_) => {}
            Err(e) => panic!("the Tahu edge node did not say '{line}': {e}"),
        }
    }
}

#[test]
fn a_tahu_edge_node_is_followed_through_a_rebirth() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    // Per birth: NBIRTH, DBIRTH, three DDATA; then our NCMD, the second
    // birth, and the NDEATH.
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "spBv1.0/plant/#",
        &["--decode", "sparkplug", "--json", "-C", "12"],
    );
    let (mut edge, said) = tahu_edge(&broker, "plant", "edge1");
    edge_says(&said, "born 1");
    // mqtt-pub's encoding, read by Tahu: it asks for a rebirth.
    let rebirth = json!({"metrics": [{"name": "Node Control/Rebirth", "datatype": "Boolean", "value": true}]});
    run(pub_on(
        &broker,
        home.path(),
        &[
            "-t",
            "spBv1.0/plant/NCMD/edge1",
            "--encode",
            "sparkplug",
            "-m",
            &rebirth.to_string(),
        ],
    ))
    .expect_code(0);
    edge_says(&said, "rebirth asked");
    edge_says(&said, "born 2");
    edge.stdin.take().unwrap().write_all(b"stop\n").unwrap();
    let ended = sub.finish(WAIT);
    assert_eq!(crate::support::cmd::finish(edge).status.code(), Some(0));
    assert_eq!(ended.code, Some(0), "{}", ended.stderr);
    assert_eq!(ended.stderr, "", "a rebirth restarts seq: nothing amiss");
    let lines: Vec<Value> = String::from_utf8(ended.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| l["topic"].as_str().unwrap().split('/').nth(2).unwrap())
        .collect();
    let birth = ["NBIRTH", "DBIRTH", "DDATA", "DDATA", "DDATA"];
    assert_eq!(kinds, [&birth[..], &["NCMD"], &birth[..], &["NDEATH"]].concat());
    assert!(
        lines
            .iter()
            .all(|l| l["codec"] == "sparkplug" && l.get("warnings").is_none())
    );
    let nbirth = &lines[0]["payload"];
    assert_eq!(nbirth["seq"], 0);
    assert!(nbirth["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        nbirth["metrics"][1],
        json!({"name": "Uptime", "alias": 2, "datatype": "Int64", "value": 12345})
    );
    // DDATA carries aliases (and types); the names come from the DBIRTH.
    for (i, line) in [2, 3, 4, 8, 9, 10].iter().map(|&i| &lines[i]).enumerate() {
        let metrics = &line["payload"]["metrics"];
        assert_eq!(metrics[0]["name"], "Temperature", "{line}");
        assert_eq!(metrics[1]["name"], "Offset");
        assert_eq!(metrics[1]["value"], -4 - (i as i64 % 3));
        assert_eq!(metrics[1]["datatype"], "Int8");
    }
    assert_eq!(lines[2]["payload"]["metrics"][0]["value"], 21.0);
    assert_eq!(lines[2]["payload"]["seq"], 2);
    assert_eq!(lines[11]["payload"]["metrics"][0]["name"], "bdSeq");
}

/// A payload with one metric of most types, in Tahu's object form (its
/// data set columns of types Tahu's JavaScript reads back: it refuses
/// 8–32-bit integer cells).
fn sparkplug_doc() -> Value {
    json!({"timestamp": 1_700_000_000_000u64, "seq": 7, "metrics": [
        {"name": "i8", "type": "Int8", "value": -8},
        {"name": "i16", "type": "Int16", "value": -1600},
        {"name": "i32", "type": "Int32", "value": -320_000},
        {"name": "i64", "type": "Int64", "value": -6_400_000_000i64},
        {"name": "u16", "type": "UInt16", "value": 65_535},
        {"name": "u32", "type": "UInt32", "value": 4_000_000_000u64},
        {"name": "u64", "type": "UInt64", "value": 9_007_199_254_740_000u64},
        {"name": "f", "type": "Float", "value": 1.5},
        {"name": "d", "type": "Double", "value": -2.125},
        {"name": "b", "type": "Boolean", "value": true},
        {"name": "s", "type": "String", "value": "pump °C"},
        {"name": "when", "type": "DateTime", "value": 1_700_000_000_500u64},
        {"name": "raw", "type": "Bytes", "value": "AAH/"},
        {"name": "table", "type": "DataSet", "value": {"numOfColumns": 2, "columns": ["n", "t"],
            "types": ["UInt32", "Double"], "rows": [[1, 0.5], [4_000_000_000u64, -1.5]]}},
        {"name": "p", "alias": 9, "type": "Int32", "value": 3,
            "properties": {"engUnit": {"type": "String", "value": "bar"}}},
    ]})
}

/// `doc`'s metrics as `[name, type, value]`, however each side spells them.
fn metric_values(doc: &Value) -> Vec<Value> {
    let metrics = doc["metrics"].as_array().unwrap();
    metrics
        .iter()
        .map(|m| {
            let t = m.get("type").or(m.get("datatype")).unwrap();
            let v = match &m["value"] {
                Value::Object(o) => json!(o.get("rows").unwrap_or(&Value::Null)),
                // Tahu's JavaScript reads a negative Int64 as its unsigned
                // bits (its own encodings too): the same 64 bits.
                Value::String(u) if t == "Int64" => json!(u.parse::<u64>().unwrap() as i64),
                v => v.clone(),
            };
            json!([m["name"], t, v])
        })
        .collect()
}

#[test]
fn sparkplug_payloads_both_ways_with_tahu() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let doc = sparkplug_doc();
    // Tahu encodes, mqtt-sub decodes.
    let topic = "spBv1.0/g/NCMD/e";
    let encoded = home.path().join("doc.sparkplug");
    std::fs::write(&encoded, peer("encode", "sparkplug", doc.to_string().as_bytes())).unwrap();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        topic,
        &["--decode", "sparkplug", "--json", "-C", "1"],
    );
    run(pub_on(
        &broker,
        home.path(),
        &["-t", topic, "-q", "1", "-f", encoded.to_str().unwrap()],
    ))
    .expect_code(0);
    let ended = sub.finish(WAIT);
    assert_eq!(ended.code, Some(0), "{}", ended.stderr);
    let line: Value = serde_json::from_slice(&ended.stdout).unwrap();
    let ours = &line["payload"];
    assert_eq!(metric_values(ours), metric_values(&doc));
    assert_eq!(ours["metrics"][11]["value_time"], "2023-11-14T22:13:20.500Z");
    assert_eq!(
        ours["metrics"][14]["properties"]["engUnit"],
        json!({"type": "String", "value": "bar"})
    );

    // mqtt-pub encodes (from our own JSON and from Tahu's form), Tahu decodes.
    let sub = Sub::mqtt_sub(&broker, home.path(), "sp/out", &["--json", "-C", "2"]);
    for form in [ours.clone(), doc.clone()] {
        run(pub_on(
            &broker,
            home.path(),
            &[
                "-t",
                "sp/out",
                "-q",
                "1",
                "--encode",
                "sparkplug",
                "-m",
                &form.to_string(),
            ],
        ))
        .expect_code(0);
    }
    for payload in payloads(&sub.output(WAIT)) {
        let theirs: Value = serde_json::from_slice(&peer("decode", "sparkplug", &payload)).unwrap();
        assert_eq!(metric_values(&theirs), metric_values(&doc));
        assert_eq!(theirs["seq"], 7);
        assert_eq!(theirs["timestamp"], 1_700_000_000_000u64);
    }

    // A value that does not fit its type: an error naming the line, nothing sent.
    let mut lines = pub_on(&broker, home.path(), &["-t", "sp/bad", "--encode", "sparkplug", "-l"]);
    lines.write_stdin("{\"metrics\": [{\"name\": \"x\", \"datatype\": \"UInt8\", \"value\": 300}]}\n");
    let r = run(lines);
    r.expect_code(1);
    assert!(
        r.stderr()
            .contains("line 1: cannot encode as sparkplug: metric 1's value: 300 is out of UInt8's range"),
        "{}",
        r.stderr()
    );
}

#[test]
fn sequence_gaps_and_messages_without_a_birth_are_warned_about_and_marked() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "spBv1.0/#",
        &["--decode", "sparkplug", "--json", "-C", "6"],
    );
    let node = |kind: &str, payload: Value| json!({"topic": format!("spBv1.0/g/{kind}/e"), "payload": payload});
    let data = |seq: u64| node("NDATA", json!({"seq": seq, "metrics": [{"alias": 1, "value": 5}]}));
    let bd = |n: u64| json!([{"name": "bdSeq", "datatype": "UInt64", "value": n}]);
    let mut birth = json!({"seq": 0, "metrics": bd(4)});
    birth["metrics"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "Level", "alias": 1, "datatype": "Int64", "value": 1}));
    let lines = [
        data(17),
        node("NBIRTH", birth),
        data(1),
        data(3),
        node("NDEATH", json!({"metrics": bd(5)})),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut publish = pub_on(&broker, home.path(), &["--jsonl", "--encode", "sparkplug", "-q", "1"]);
    publish.write_stdin(input);
    run(publish).expect_code(0);
    // A host's STATE is JSON text, not a Sparkplug payload.
    let state = json!({"online": true, "timestamp": 1_700_000_000_000u64});
    run(pub_on(
        &broker,
        home.path(),
        &["-t", "spBv1.0/STATE/scada", "-q", "1", "-m", &state.to_string()],
    ))
    .expect_code(0);
    let ended = sub.finish(WAIT);
    assert_eq!(ended.code, Some(0), "{}", ended.stderr);
    let warned = [
        "Warning: spBv1.0/g/NDATA/e: NDATA from g/e before its NBIRTH: a rebirth is needed to know its metrics.",
        "Warning: spBv1.0/g/NDATA/e: seq 3 from g/e where 2 was due: 1 message(s) missing or out of order.",
        "Warning: spBv1.0/g/NDEATH/e: the NDEATH of g/e has bdSeq 5, its NBIRTH had 4: the death of another session.",
    ];
    assert_eq!(ended.stderr.lines().collect::<Vec<_>>(), warned);
    let out: Vec<Value> = String::from_utf8(ended.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let marked: Vec<usize> = (0..6).filter(|&i| out[i].get("warnings").is_some()).collect();
    assert_eq!(marked, [0, 3, 4], "the warning is a field on its message");
    assert_eq!(
        out[3]["warnings"][0],
        warned[1]
            .split(": ")
            .skip(2)
            .collect::<Vec<_>>()
            .join(": ")
            .trim_end_matches('.')
    );
    assert_eq!(out[2]["payload"]["metrics"][0]["name"], "Level", "named from the birth");
    assert!(
        out[0]["payload"]["metrics"][0].get("name").is_none(),
        "no birth yet: an alias only"
    );
    assert_eq!(out[5]["payload"]["time"], "2023-11-14T22:13:20.000Z");
}
