//! mqtt-rr: request/response against a responder made of mqtt-sub and mqtt-pub.

use std::time::Duration;

use crate::support::cmd::spawn_rr;
use crate::support::fake::FakeBroker;
use crate::support::{Broker, Sub, cmd, pub_on};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn request_and_response_with_correlation_data() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let request = home.path().join("request.bin");
    std::fs::write(&request, b"ping\x00\xff").unwrap();
    let responder = Sub::mqtt_sub(
        &broker,
        home.path(),
        "svc/req",
        &["-V", "5", "-C", "1", "-F", "%R|%D|%x"],
    );
    let rr = spawn_rr(
        &broker,
        home.path(),
        &[
            "-t",
            "svc/req",
            "-e",
            "svc/resp/1",
            "-f",
            request.to_str().unwrap(),
            "-v",
            "-W",
            "10",
        ],
    );
    let seen = String::from_utf8(responder.output(WAIT)).unwrap();
    let mut parts = seen.trim_end().split('|');
    let (topic, corr, payload) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    assert_eq!(
        (topic, payload),
        ("svc/resp/1", "70696e6700ff"),
        "the file was sent as the request"
    );
    assert!(corr.starts_with("mqtt-rr-"), "{corr}");
    // Someone else's answer first (wrong correlation data): ignored.
    let other = [
        "-V",
        "5",
        "-t",
        topic,
        "-m",
        "not yours",
        "-D",
        "publish",
        "correlation-data",
        "x",
    ];
    cmd::run(pub_on(&broker, home.path(), &other)).expect_code(0);
    let ours = [
        "-V",
        "5",
        "-t",
        topic,
        "-m",
        "pong",
        "-D",
        "publish",
        "correlation-data",
        corr,
    ];
    cmd::run(pub_on(&broker, home.path(), &ours)).expect_code(0);
    let out = crate::support::cmd::finish(rr);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "svc/resp/1 pong\n");
}

#[test]
fn no_answer_times_out_with_27() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-rr"), home.path());
    c.args(broker.addr_args())
        .args(["-t", "nobody", "-e", "void", "-m", "hello?", "-W", "1"]);
    let r = cmd::run(c);
    r.expect_code(27);
    assert_eq!(r.stderr(), "Timed out\n");
}

#[test]
fn usage_and_protocol_errors() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-rr"), home.path());
        c.args(args);
        cmd::run(c)
    };
    let r = run(&["-t", "req", "-e", "resp"]);
    r.expect_code(1);
    assert!(
        r.stderr()
            .starts_with("Error: All of topic, message, and response topic must be supplied.")
    );
    let r = run(&["-t", "req", "-e", "resp/#", "-m", "x"]);
    r.expect_code(1);
    assert!(
        r.stderr().starts_with("Error: Invalid response topic 'resp/#'"),
        "{}",
        r.stderr()
    );
    let fake = FakeBroker::v311_only();
    let r = run(&[
        "-h",
        "127.0.0.1",
        "-p",
        &fake.port.to_string(),
        "-t",
        "req",
        "-e",
        "resp",
        "-m",
        "x",
    ]);
    assert_ne!(r.code(), 0);
    assert!(
        r.stderr().contains("may not speak MQTT 5; try -V 311"),
        "{}",
        r.stderr()
    );
    fake.finish();
}
