//! `mqtt-pub --replay`: a capture mqtt-sub wrote, published again with the
//! gaps between its `tst` times (divided by `--speed`), or as fast as
//! confirmed delivery allows (`--speed max`).

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Broker, Sub, cmd, pub_on};

const WAIT: Duration = Duration::from_secs(30);

/// The lines of a `--json` capture.
fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Each line's `tst` in milliseconds after the first line's.
fn offsets_ms(capture: &[Value]) -> Vec<f64> {
    let at = |v: &Value| {
        let t = v["tst"].as_str().expect("a tst");
        chrono::DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z")
            .expect("tst as mqtt-sub writes it")
            .timestamp_micros()
    };
    let first = at(&capture[0]);
    capture.iter().map(|v| (at(v) - first) as f64 / 1000.0).collect()
}

/// What a message is, without when it came.
fn message(v: &Value) -> (Value, Value, Value, Value) {
    (
        v["topic"].clone(),
        v["qos"].clone(),
        v["payload"].clone(),
        v["properties"].clone(),
    )
}

/// `--replay FILE` with `extra`, captured again by a subscriber.
fn replayed(broker: &Broker, home: &Path, file: &Path, n: usize, extra: &[&str]) -> Vec<Value> {
    let sub = Sub::mqtt_sub(
        broker,
        home,
        "r/#",
        &["--json", "-q", "2", "-V", "5", "-C", &n.to_string()],
    );
    let mut args = vec!["--replay", file.to_str().unwrap(), "-V", "5"];
    args.extend_from_slice(extra);
    cmd::run(pub_on(broker, home, &args)).expect_code(0);
    lines(&sub.text(WAIT))
}

/// Every replayed message is where the capture had it, within `slack_ms`.
fn assert_paced(captured: &[f64], replayed: &[f64], speed: f64, slack_ms: f64) {
    for (i, (c, r)) in captured.iter().zip(replayed).enumerate() {
        let want = c / speed;
        assert!(
            (r - want).abs() <= slack_ms,
            "message {i} at {r:.1} ms, due at {want:.1} ms (speed {speed}): captured {captured:?}, replayed {replayed:?}"
        );
    }
}

#[test]
fn a_capture_is_replayed_with_its_own_gaps_and_ten_times_faster() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    // The capture: eight messages at 4 a second, of each QoS, one with properties.
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "r/#",
        &["--json", "-q", "2", "-V", "5", "-C", "8"],
    );
    let mut paced = pub_on(
        &broker,
        home.path(),
        &[
            "--jsonl",
            "-V",
            "5",
            "--rate",
            "4",
            "-D",
            "publish",
            "content-type",
            "text/x",
        ],
    );
    let input: String = (0..8)
        .map(|i| format!("{{\"topic\":\"r/{i}\",\"payload\":\"m{i}\",\"qos\":{}}}\n", i % 3))
        .collect();
    paced.write_stdin(input);
    cmd::run(paced).expect_code(0);
    let capture_text = sub.text(WAIT);
    let capture = lines(&capture_text);
    assert_eq!(capture.len(), 8, "{capture_text}");
    let file = home.path().join("capture.jsonl");
    std::fs::write(&file, &capture_text).unwrap();
    let captured = offsets_ms(&capture);
    assert!(
        captured[7] >= 1700.0,
        "the capture spans 7 gaps of 250 ms: {captured:?}"
    );

    let again = replayed(&broker, home.path(), &file, 8, &[]);
    assert_eq!(
        again.iter().map(message).collect::<Vec<_>>(),
        capture.iter().map(message).collect::<Vec<_>>(),
        "the same messages, in order"
    );
    assert_paced(&captured, &offsets_ms(&again), 1.0, 40.0);

    let faster = replayed(&broker, home.path(), &file, 8, &["--speed", "10"]);
    assert_eq!(faster.len(), 8);
    assert_paced(&captured, &offsets_ms(&faster), 10.0, 40.0);

    // Without pauses the QoS 2 messages, forwarded once their PUBREL has
    // come, may overtake those of QoS 0 and 1: the same messages, in some order.
    let sorted = |v: &[Value]| {
        let mut m: Vec<_> = v.iter().map(message).map(|m| format!("{m:?}")).collect();
        m.sort();
        m
    };
    let max = replayed(&broker, home.path(), &file, 8, &["--speed", "max"]);
    assert_eq!(sorted(&max), sorted(&capture));
}

#[test]
fn a_capture_out_of_time_order_or_without_times_sends_nothing_unless_speed_is_max() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("shuffled.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"tst\":\"2026-12-04T10:00:01.000000+0000\",\"topic\":\"r/a\",\"payload\":\"a\"}\n",
            "{\"tst\":\"2026-12-04T10:00:00.500000+0000\",\"topic\":\"r/b\",\"payload\":\"b\"}\n",
            "{\"topic\":\"r/c\",\"payload\":\"c\"}\n",
        ),
    )
    .unwrap();
    let connections = || broker.log().matches("New client connected").count();
    let before = connections();
    let r = cmd::run(pub_on(&broker, home.path(), &["--replay", file.to_str().unwrap()]));
    r.expect_code(1);
    assert!(
        r.stderr().contains("shuffled.jsonl line 2") && r.stderr().contains("out of time order"),
        "{}",
        r.stderr()
    );
    assert_eq!(
        connections(),
        before,
        "a capture that cannot be replayed is refused before connecting"
    );

    // In the file's order, without pauses, every line goes.
    let sub = Sub::mqtt_sub(&broker, home.path(), "r/#", &["-v", "-C", "3"]);
    cmd::run(pub_on(
        &broker,
        home.path(),
        &["--replay", file.to_str().unwrap(), "--speed", "max"],
    ))
    .expect_code(0);
    assert_eq!(sub.text(WAIT), "r/a a\nr/b b\nr/c c\n");

    // A line without "tst", from stdin: the lines before it were sent.
    let mut from_stdin = pub_on(&broker, home.path(), &["--replay", "-", "-q", "1"]);
    let first = "{\"tst\":\"2026-12-04T10:00:01.000000+0000\",\"topic\":\"r/a\",\"payload\":\"a\"}";
    from_stdin.write_stdin(format!("{first}\n{{\"topic\":\"r/c\"}}\n"));
    let r = cmd::run(from_stdin);
    r.expect_code(1);
    assert!(
        r.stderr().contains("--replay - line 2 has no \"tst\""),
        "{}",
        r.stderr()
    );
    assert!(r.stderr().contains("1 of 1 messages confirmed"), "{}", r.stderr());

    for (args, words) in [
        (&["-t", "r", "-m", "x", "--speed", "2"][..], "--speed paces a --replay"),
        (&["--replay", "f", "--rate", "2"], "--rate does not pace a --replay"),
        (
            &["--replay", "f", "--speed", "0"],
            "--speed must be a number greater than 0",
        ),
        (&["--replay", "f", "-l"], "Only one type of message"),
        (
            &["--replay", "no/such/file"],
            "cannot read --replay no/such/file: No such file or directory",
        ),
    ] {
        let r = cmd::run(pub_on(&broker, home.path(), args));
        r.expect_code(1);
        assert!(r.stderr().contains(words), "{args:?}: {}", r.stderr());
    }
}
