//! Big and odd payloads: 100 MB at QoS 1 intact and within a small multiple
//! of its size in memory; NUL/0xFF bytes, empty payloads, long topics and
//! non-UTF-8 topic bytes through -N, -F '%p' and --json exactly.

use std::time::Duration;

use serde_json::Value;

use crate::support::cmd::{binary, run};
use crate::support::fake::{FakeBroker, Misbehaviour};
use crate::support::{Broker, Sub, pub_on};

const WAIT: Duration = Duration::from_secs(60);

/// Seeded bytes of every value (not compressible, not text).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 56) as u8
        })
        .collect()
}

/// The largest resident set of any child process of this test binary that
/// has ended so far, in bytes.
fn children_max_rss() -> u64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss() as u64 * 1024
}

#[test]
fn a_100_mb_file_at_qos1_arrives_intact_in_bounded_memory() {
    const SIZE: usize = 100 * 1024 * 1024;
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let payload = noise(SIZE, 100);
    let file = home.path().join("big.bin");
    std::fs::write(&file, &payload).unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "big/file", &["-C", "1", "-q", "1", "-N"]);
    run(pub_on(
        &broker,
        home.path(),
        &["-t", "big/file", "-q", "1", "-f", file.to_str().unwrap()],
    ))
    .expect_code(0);
    let got = sub.output(WAIT);
    assert_eq!(got.len(), SIZE);
    assert!(got == payload, "the 100 MB payload arrived changed");
    // mqtt-pub holds the file and its encoded packet, mqtt-sub the packet and
    // its output: about twice the payload each (measured alone: 206 MB; the
    // read buffer's growth can add a transient copy).
    let rss = children_max_rss();
    assert!(rss < 4 * SIZE as u64, "peak RSS of a child: {} MB", rss >> 20);
}

#[test]
fn mqtt5_clients_take_messages_over_the_librarys_10_kib_default() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let payload = noise(1024 * 1024, 5);
    let file = home.path().join("m.bin");
    std::fs::write(&file, &payload).unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "big/v5", &["-V", "5", "-C", "1", "-q", "1", "-N"]);
    run(pub_on(
        &broker,
        home.path(),
        &["-V", "5", "-t", "big/v5", "-q", "1", "-f", file.to_str().unwrap()],
    ))
    .expect_code(0);
    assert!(sub.output(WAIT) == payload);
}

#[test]
fn odd_payloads_and_long_topics_pass_through_exactly() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    // A topic of 60,000 bytes in 100 levels (subscribed to as long/#;
    // mosquitto allows at most 200 levels).
    let long_topic = format!(
        "long/{}",
        (0..100).map(|i| format!("{i:0599}")).collect::<Vec<_>>().join("/")
    );
    let all_bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let cases: [(&str, Vec<u8>); 4] = [
        ("odd/nul", b"\x00\xff\x00".to_vec()),
        ("odd/empty", Vec::new()),
        ("odd/all", all_bytes),
        (long_topic.as_str(), b"long".to_vec()),
    ];
    for (topic, payload) in &cases {
        let file = home.path().join("p.bin");
        std::fs::write(&file, payload).unwrap();
        let filter = if topic.starts_with("long/") { "long/#" } else { topic };
        let raw = Sub::mqtt_sub(&broker, home.path(), filter, &["-C", "1", "-N"]);
        let fmt = Sub::mqtt_sub(&broker, home.path(), filter, &["-C", "1", "-F", "%p"]);
        let json = Sub::mqtt_sub(&broker, home.path(), filter, &["-C", "1", "--json"]);
        run(pub_on(
            &broker,
            home.path(),
            &["-t", topic, "-q", "1", "-f", file.to_str().unwrap()],
        ))
        .expect_code(0);
        // -N: the payload and nothing else (mosquitto prints nothing for an empty one).
        assert_eq!(raw.output(WAIT), *payload, "{:.20}", topic);
        let mut line = payload.clone();
        line.push(b'\n');
        assert_eq!(fmt.output(WAIT), line, "{:.20}", topic);
        let doc: Value = serde_json::from_slice(&json.output(WAIT)).unwrap();
        assert_eq!(doc["topic"], *topic);
        assert_eq!(json_payload(&doc), *payload, "{doc}");
    }
}

/// The payload of an mqtt-sub --json line, whichever field holds it.
fn json_payload(doc: &Value) -> Vec<u8> {
    use base64::Engine;
    match (&doc["payload"], &doc["payload_base64"]) {
        (Value::String(s), _) => s.as_bytes().to_vec(),
        (_, Value::String(b)) => base64::engine::general_purpose::STANDARD.decode(b).unwrap(),
        _ => panic!("no payload in {doc}"),
    }
}

#[test]
fn a_topic_that_is_not_utf8_is_a_malformed_packet_said_so() {
    // MQTT makes ill-formed UTF-8 in a topic a malformed packet that the
    // receiver must close the connection for (MQTT-1.5.4-1); the library
    // refuses it while decoding, and libmosquitto does the same. So it
    // cannot pass through: mqtt-sub says what the broker did and stops.
    let home = tempfile::tempdir().unwrap();
    let fake = FakeBroker::misbehaving(Misbehaviour::Publish(b"a\xffb", b"\x00x"));
    let port = fake.port.to_string();
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-sub"), home.path());
    c.args(["-h", "127.0.0.1", "-p", &port, "-t", "#", "-C", "1", "-W", "10", "-v"]);
    let r = run(c);
    r.expect_code(1);
    assert_eq!(r.stdout(), "");
    assert_eq!(
        r.stderr(),
        "Error: the broker sent a malformed packet: Topic is not UTF-8: invalid utf-8 sequence of 1 bytes from index 1; not reconnecting.\n"
    );
}
