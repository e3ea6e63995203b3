//! Brokers that break the protocol (tests/support/fake.rs): every binary
//! ends with a clear error and a documented exit code within its timeouts —
//! no panic, no hang.

use std::time::{Duration, Instant};

use crate::support::cmd::{binary, run};
use crate::support::fake::{FakeBroker, Misbehaviour};

/// Run one binary against a fresh misbehaving broker: (exit, stderr + stdout, time).
fn against(how: Misbehaviour, exe: &str, args: &[&str]) -> (i32, String, Duration) {
    let home = tempfile::tempdir().unwrap();
    let fake = FakeBroker::misbehaving(how);
    let port = fake.port.to_string();
    let mut c = binary(exe, home.path());
    c.args(args)
        .args(["-h", "127.0.0.1", "-p", port.as_str()])
        .timeout(Duration::from_secs(40));
    let start = Instant::now();
    let r = run(c);
    assert!(!r.stderr().contains("panicked"), "{how:?} {exe}: {}", r.stderr());
    (r.code(), format!("{}{}", r.stderr(), r.stdout()), start.elapsed())
}

const PUB: &str = env!("CARGO_BIN_EXE_mqtt-pub");
const SUB: &str = env!("CARGO_BIN_EXE_mqtt-sub");
const RR: &str = env!("CARGO_BIN_EXE_mqtt-rr");
const BENCH: &str = env!("CARGO_BIN_EXE_mqtt-bench");
const PUB_ARGS: &[&str] = &["-t", "a/b", "-m", "x", "-q", "1"];
const SUB_ARGS: &[&str] = &["-t", "a/#", "-q", "1", "-W", "4"];
const RR_ARGS: &[&str] = &["-t", "a/b", "-e", "a/r", "-m", "x", "-W", "4"];
const BENCH_ARGS: &[&str] = &["pubsub", "--count", "5", "--drain", "1", "--quiet"];

fn expect(how: Misbehaviour, cases: &[(&str, &[&str], i32, &str)]) {
    std::thread::scope(|scope| {
        for (exe, args, code, says) in cases {
            scope.spawn(move || {
                let (got, out, took) = against(how, exe, args);
                assert_eq!(got, *code, "{how:?} {exe}: {out}");
                assert!(out.contains(says), "{how:?} {exe}: wanted {says:?} in {out}");
                assert!(took < Duration::from_secs(25), "{how:?} {exe}: {took:?}");
            });
        }
    });
}

#[test]
fn a_broker_that_never_answers_connect() {
    expect(
        Misbehaviour::NoConnack,
        &[
            (PUB, PUB_ARGS, 1, "Error: timed out connecting to 127.0.0.1:"),
            (SUB, SUB_ARGS, 27, "Timed out"),
            (RR, RR_ARGS, 27, "Timed out"),
            (
                BENCH,
                BENCH_ARGS,
                3,
                "RUN FAILED   no client could connect (Error: timed out connecting",
            ),
        ],
    );
}

#[test]
fn a_broker_that_answers_connect_with_the_wrong_packet() {
    expect(
        Misbehaviour::WrongPacketForConnack,
        &[
            (
                PUB,
                PUB_ARGS,
                1,
                "Unable to connect: the broker sent an unexpected SubAck packet",
            ),
            (
                SUB,
                SUB_ARGS,
                1,
                "Unable to connect: the broker sent an unexpected SubAck packet",
            ),
            (RR, RR_ARGS, 1, "Unable to connect: the broker sent a malformed packet"),
            (BENCH, BENCH_ARGS, 3, "no client could connect"),
        ],
    );
}

#[test]
fn a_connack_with_an_undefined_code() {
    expect(
        Misbehaviour::BadConnackCode,
        &[
            (
                PUB,
                PUB_ARGS,
                1,
                "the broker sent a malformed packet: Invalid Connect return code: 42",
            ),
            (
                SUB,
                SUB_ARGS,
                1,
                "the broker sent a malformed packet: Invalid Connect return code: 42",
            ),
            // MQTT 5 reads a two-byte CONNACK as incomplete and waits: -W ends it.
            (RR, RR_ARGS, 27, "Timed out"),
            (BENCH, BENCH_ARGS, 3, "no client could connect"),
        ],
    );
}

#[test]
fn a_malformed_packet_after_connack() {
    expect(
        Misbehaviour::Malformed,
        &[
            (
                PUB,
                PUB_ARGS,
                7,
                "The connection was lost (the broker sent a malformed packet: Malformed remaining length)",
            ),
            (
                SUB,
                SUB_ARGS,
                1,
                "Error: the broker sent a malformed packet: Malformed remaining length; not reconnecting.",
            ),
            (RR, RR_ARGS, 1, "Error: the broker sent a malformed packet"),
            (BENCH, BENCH_ARGS, 3, "subscriptions failed"),
        ],
    );
}

#[test]
fn a_packet_that_announces_256_mb_and_never_comes() {
    expect(
        Misbehaviour::Oversize,
        &[
            (PUB, PUB_ARGS, 7, "The connection was lost"),
            (SUB, SUB_ARGS, 27, "Timed out"),
            (RR, RR_ARGS, 27, "Timed out"),
            (BENCH, BENCH_ARGS, 3, "subscriptions failed"),
        ],
    );
}

#[test]
fn a_publish_nobody_subscribed_to() {
    expect(
        Misbehaviour::Publish(b"other", b"hi!"),
        &[
            // A publisher has nothing to do with it; its own message was acknowledged.
            (PUB, PUB_ARGS, 0, ""),
            (
                SUB,
                SUB_ARGS,
                27,
                "Warning: the broker sent a message on 'other', which matches no subscription; ignored",
            ),
            (RR, RR_ARGS, 27, "Timed out"),
        ],
    );
}

#[test]
fn a_connection_closed_in_the_middle_of_a_packet() {
    expect(
        Misbehaviour::CloseMidPacket,
        &[
            (PUB, PUB_ARGS, 7, "The connection was lost"),
            // A lost connection is what mqtt-sub and mqtt-rr reconnect after; -W ends it.
            (SUB, SUB_ARGS, 27, "Timed out"),
            (RR, RR_ARGS, 27, "Timed out"),
            (BENCH, BENCH_ARGS, 3, "subscriptions failed"),
        ],
    );
}
