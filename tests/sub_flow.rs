//! mqtt-sub's message flow: counts, filters, retained handling, -E, -W,
//! signals, closed pipes, --exec, persistent sessions and reconnects.

use std::process::Command;
use std::time::Duration;

use crate::support::{Broker, BrokerConfig, Sub, cmd, pub_on};

const WAIT: Duration = Duration::from_secs(20);

fn publish(broker: &Broker, home: &std::path::Path, args: &[&str]) {
    cmd::run(pub_on(broker, home, args)).expect_code(0);
}

fn mqtt_sub(broker: &Broker, home: &std::path::Path, args: &[&str]) -> cmd::Run {
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-sub"), home);
    c.args(broker.addr_args()).args(args);
    cmd::run(c)
}

fn retained(broker: &Broker, home: &std::path::Path) {
    for (t, m) in [("r/1", "one"), ("r/2", "two"), ("r/3/x", "three")] {
        publish(broker, home, &["-t", t, "-m", m, "-r", "-q", "1"]);
    }
}

#[test]
fn retained_messages_filters_and_timeouts() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    retained(&broker, home.path());
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-v", "-W", "1"]);
    r.expect_code(27);
    assert_eq!(r.stdout(), "r/1 one\nr/2 two\nr/3/x three\n");
    assert_eq!(r.stderr(), "Timed out\n");
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-v", "-T", "r/3/#", "-W", "1"]);
    assert_eq!(r.stdout(), "r/1 one\nr/2 two\n");
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-v", "-T", "r/+", "-W", "1"]);
    assert_eq!(r.stdout(), "r/3/x three\n");
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-R", "-W", "1"]);
    r.expect_code(27);
    assert_eq!(r.stdout(), "");
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-E"]);
    r.expect_code(0);
    assert_eq!(r.stdout(), "");
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-C", "2", "-F", "%t"]);
    r.expect_code(0);
    assert_eq!(r.stdout(), "r/1\nr/2\n");
}

#[test]
fn retained_only_exits_at_the_first_live_message() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    retained(&broker, home.path());
    let sub = Sub::mqtt_sub(&broker, home.path(), "r/#", &["--retained-only", "-v"]);
    publish(&broker, home.path(), &["-t", "r/live", "-m", "live"]);
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    assert_eq!(end.stdout, b"r/1 one\nr/2 two\nr/3/x three\n");
}

#[test]
fn remove_retained_clears_and_still_terminates() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    retained(&broker, home.path());
    // mosquitto_sub never exits by itself here; mqtt-sub ends at -C.
    let r = mqtt_sub(
        &broker,
        home.path(),
        &["-t", "r/#", "--remove-retained", "-T", "r/2", "-C", "2", "-v"],
    );
    r.expect_code(0);
    assert_eq!(r.stdout(), "r/1 one\nr/3/x three\n");
    let r = mqtt_sub(&broker, home.path(), &["-t", "r/#", "-v", "-W", "1"]);
    assert_eq!(r.stdout(), "r/2 two\n");
}

#[test]
fn unsubscribe_alone_and_after_subscribe() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let r = mqtt_sub(&broker, home.path(), &["-U", "a/#", "-d"]);
    r.expect_code(0);
    assert!(
        r.stdout().contains("sending UNSUBSCRIBE (Mid: 1, Topic: a/#)"),
        "{}",
        r.stdout()
    );
    assert!(r.stdout().contains("received UNSUBACK"), "{}", r.stdout());
    retained(&broker, home.path());
    let r = mqtt_sub(
        &broker,
        home.path(),
        &["-t", "r/1", "-t", "r/2", "-U", "r/2", "-W", "1", "-v"],
    );
    r.expect_code(27);
}

#[test]
fn debug_lines_follow_mosquitto_sub() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    publish(&broker, home.path(), &["-t", "d/t", "-m", "hello", "-r", "-q", "1"]);
    let r = mqtt_sub(
        &broker,
        home.path(),
        &["-t", "r/#", "-t", "d/t", "-d", "-C", "1", "-q", "1"],
    );
    r.expect_code(0);
    assert_eq!(
        r.stdout(),
        "Client null sending CONNECT\n\
         Client (null) received CONNACK (0)\n\
         Client null sending SUBSCRIBE (Mid: 1, Topic: r/#, QoS: 1, Options: 0x00)\n\
         Client null sending SUBSCRIBE (Mid: 1, Topic: d/t, QoS: 1, Options: 0x00)\n\
         Client null received SUBACK\n\
         Subscribed (mid: 1): 1, 1\n\
         Client null received PUBLISH (d0, q1, r1, m1, 'd/t', ... (5 bytes))\n\
         hello\n\
         Client null sending PUBACK (m1, rc0)\n\
         Client null sending DISCONNECT\n"
    );
}

#[test]
fn usage_errors() {
    let home = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[],
            "Error: You must specify a topic to subscribe to (-t) or unsubscribe from (-U).\n",
        ),
        (
            &["-t", "a/b#"],
            "Error: Invalid subscription topic 'a/b#', are all '+' and '#' wildcards correct?\n",
        ),
        (&["-t", "a", "-T", "++"], "Error: Invalid filter topic '++'"),
        (&["-t", "a", "-C", "0"], "Error: Invalid message count \"0\"."),
        (&["-t", "a", "-W", "0"], "Error: Invalid timeout \"0\"."),
        (
            &["-t", "a", "--random-filter", "200"],
            "Error: --random-filter chance must be between 0.1-100.0",
        ),
        (&["-t", "a", "-F", "%Z"], "Error: Invalid format specifier 'Z'.\n"),
        (&["-t", "a", "--json", "-v"], "Error: "),
        (&["-t", "a", "-q", "3"], "Error: Invalid QoS given: 3\n"),
    ];
    for (args, want) in cases {
        let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-sub"), home.path());
        c.args(*args);
        let r = cmd::run(c);
        assert_eq!(r.code(), 1, "{args:?}: {}", r.stderr());
        assert!(r.stderr().starts_with(want), "{args:?}: {:?}", r.stderr());
        assert!(
            r.stderr().ends_with("Use 'mqtt-sub --help' to see usage.\n"),
            "{args:?}"
        );
    }
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-sub"), home.path());
    c.args(["-t", "x", "-R", "--retained-only"]);
    let r = cmd::run(c);
    r.expect_code(1);
    assert_eq!(
        r.stderr(),
        "\nError: Combining '-R' and '--retained-only' makes no sense.\n"
    );
}

#[test]
fn signal_disconnects_with_the_will_and_exits_0() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let will = Sub::start(&broker, "will/sub", &["-C", "1", "-V", "5"]);
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "x",
        &["-V", "5", "--will-topic", "will/sub", "--will-payload", "bye"],
    );
    Command::new("kill")
        .args(["-TERM", &sub.pid().to_string()])
        .status()
        .unwrap();
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    assert_eq!(will.text(WAIT), "bye\n");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    retained(&broker, home.path());
    let r = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "HOME={} timeout 20 {} -h 127.0.0.1 -p {} -t 'r/#' | head -1; echo status=${{PIPESTATUS[0]}}",
            home.path().display(),
            env!("CARGO_BIN_EXE_mqtt-sub"),
            broker.port
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&r.stdout), "one\nstatus=0\n");
    assert_eq!(String::from_utf8_lossy(&r.stderr), "");
}

#[test]
fn exec_runs_a_command_per_message_in_order() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("log");
    let command = format!(
        "printf '%s|%s|%s|' \"$MQTT_TOPIC\" \"$MQTT_QOS\" \"$MQTT_RETAIN\" >> {log}; cat >> {log}; echo >> {log}; \
         test \"$(cat {log} | wc -l)\" -ne 2",
        log = log.display()
    );
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "ex/#",
        &["-C", "3", "-q", "1", "--exec", &command],
    );
    for m in ["first", "second", "third"] {
        publish(&broker, home.path(), &["-t", &format!("ex/{m}"), "-m", m, "-q", "1"]);
    }
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "ex/first|1|0|first\nex/second|1|0|second\nex/third|1|0|third\n"
    );
    // The second command failed: reported, and the run went on.
    assert!(
        end.stderr.contains("Error: --exec for a message on ex/second"),
        "{}",
        end.stderr
    );
}

#[test]
fn count_leaves_later_messages_with_a_persistent_session() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    for qos in ["1", "2"] {
        let id = format!("keeper{qos}");
        let topic = format!("k/{qos}");
        let args = ["-c", "-i", id.as_str(), "-q", qos, "-C", "1", "-F", "%p"];
        // First run: subscribes (creating the session) and takes one message.
        let sub = Sub::mqtt_sub(&broker, home.path(), &topic, &args);
        for m in ["a", "b", "c"] {
            publish(&broker, home.path(), &["-t", &topic, "-m", m, "-q", qos]);
        }
        let end = sub.finish(WAIT);
        assert_eq!((end.code, end.stdout), (Some(0), b"a\n".to_vec()), "{}", end.stderr);
        // Second run: the two not acknowledged come now, each once.
        let r = mqtt_sub(
            &broker,
            home.path(),
            &["-t", &topic, "-c", "-i", &id, "-q", qos, "-C", "2", "-F", "%p"],
        );
        r.expect_code(0);
        assert_eq!(r.stdout(), "b\nc\n");
    }
}

#[test]
fn reconnects_after_a_broker_restart_and_gets_what_it_missed() {
    let mut broker = Broker::start(BrokerConfig {
        persistence: true,
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "rc/t",
        &["-c", "-i", "comeback", "-q", "1", "-C", "3", "-F", "%p"],
    );
    publish(&broker, home.path(), &["-t", "rc/t", "-m", "before", "-q", "1"]);
    // Stopped before the subscriber's PUBACK reached it, the broker would
    // rightly send "before" again (QoS 1 is at least once).
    assert!(
        broker.wait_log("Received PUBACK from comeback", WAIT),
        "{}",
        broker.log()
    );
    broker.restart(Duration::from_millis(1500));
    publish(&broker, home.path(), &["-t", "rc/t", "-m", "while away", "-q", "1"]);
    publish(&broker, home.path(), &["-t", "rc/t", "-m", "after", "-q", "1"]);
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    assert_eq!(String::from_utf8_lossy(&end.stdout), "before\nwhile away\nafter\n");
}

#[test]
fn stdin_of_exec_may_be_ignored() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "ig", &["-C", "1", "--exec", "true"]);
    let big = vec![b'x'; 1 << 20];
    let mut c = pub_on(&broker, home.path(), &["-t", "ig", "-s"]);
    c.write_stdin(big);
    cmd::run(c).expect_code(0);
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
}

#[test]
fn qos2_redelivered_before_pubrel_is_printed_once() {
    let fake = crate::support::fake::FakeBroker::qos2_redelivery();
    let home = tempfile::tempdir().unwrap();
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-sub"), home.path());
    c.args([
        "-h",
        "127.0.0.1",
        "-p",
        &fake.port.to_string(),
        "-t",
        "dup/t",
        "-q",
        "2",
        "-C",
        "2",
    ]);
    let r = cmd::run(c);
    r.expect_code(0);
    assert_eq!(r.stdout(), "m1\nm2\n");
    // CONNECT, SUBSCRIBE, PUBREC, PUBREC, PUBCOMP, PUBREC, PUBCOMP, DISCONNECT: the
    // -C'th message's handshake completes before the DISCONNECT.
    assert_eq!(fake.finish(), [1, 8, 5, 5, 7, 5, 7, 14]);
}

#[test]
fn random_filter_drops_messages_that_still_count() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "rf",
        &["-C", "50", "-q", "1", "--random-filter", "0.1"],
    );
    let mut c = pub_on(&broker, home.path(), &["-t", "rf", "-l", "-q", "1"]);
    c.write_stdin((1..=50).map(|i| format!("{i}\n")).collect::<String>());
    cmd::run(c).expect_code(0);
    let end = sub.finish(WAIT);
    // Exits after 50 messages although (almost) none was printed.
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    assert!(end.stdout.iter().filter(|b| **b == b'\n').count() <= 5);
    let sub = Sub::mqtt_sub(&broker, home.path(), "rf", &["-C", "3", "--random-filter", "100"]);
    for m in ["a", "b", "c"] {
        publish(&broker, home.path(), &["-t", "rf", "-m", m]);
    }
    assert_eq!(sub.text(WAIT), "a\nb\nc\n");
}

/// A QoS 0 PUBLISH to `t` (3.1.1).
fn publish_qos0(payload: &str) -> Vec<u8> {
    let mut p = vec![0x30, (3 + payload.len()) as u8, 0, 1, b't'];
    p.extend_from_slice(payload.as_bytes());
    p
}

#[test]
fn a_message_after_a_flood_is_printed_and_every_one_in_order() {
    use std::io::{BufRead, Write};
    // A flood in one write makes mqtt-sub's next read wait for company; a
    // message that comes once the flood is printed must still come.
    let (printed, flood_out) = std::sync::mpsc::channel::<()>();
    let fake = crate::support::fake::FakeBroker::start(move |mut s| {
        let read = crate::support::fake::read_packet;
        read(&mut s).expect("CONNECT");
        s.write_all(&[0x20, 2, 0, 0]).unwrap();
        let (_, sub) = read(&mut s).expect("SUBSCRIBE");
        s.write_all(&[0x90, 3, sub[0], sub[1], 0]).unwrap();
        let flood: Vec<u8> = (1..=300).flat_map(|i| publish_qos0(&i.to_string())).collect();
        s.write_all(&flood).unwrap();
        flood_out.recv_timeout(WAIT).expect("the flood printed");
        s.write_all(&publish_qos0("301")).unwrap();
        read(&mut s).map(|(t, _)| vec![t >> 4]).unwrap_or_default()
    });
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqtt-sub"))
        .env("HOME", home.path())
        .args(["-h", "127.0.0.1", "-p", &fake.port.to_string(), "-t", "t", "-C", "301"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // The deadline runs while the output is read: a hang ends it.
    let exited = std::thread::spawn(move || cmd::wait_or_kill(&mut child, WAIT));
    let mut got = Vec::new();
    for line in lines {
        let line = line.unwrap();
        if line == "300" {
            printed.send(()).unwrap();
        }
        got.push(line);
    }
    assert_eq!(exited.join().unwrap(), Some(0));
    let want: Vec<String> = (1..=301).map(|i| i.to_string()).collect();
    assert_eq!(got, want);
    assert_eq!(fake.finish(), [14], "DISCONNECT after the last message");
}
