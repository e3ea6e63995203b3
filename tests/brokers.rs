//! The same behaviour on brokers other than mosquitto: aedes 0.51 and 1.2
//! (Node.js) and amqtt (Python), all MQTT 3.1.1 only. Each case runs once per
//! broker, as its own test.

use std::time::Duration;

use crate::support::cmd::{binary, mqtt_pub, run};
use crate::support::others::{Kind, Listener, OtherBroker};

const WAIT: Duration = Duration::from_secs(30);

fn numbers(n: usize) -> Vec<String> {
    (1..=n).map(|i| i.to_string()).collect()
}

/// mqtt-pub on `b` with `args`, stdin `input`; asserts exit 0.
fn publish(b: &OtherBroker, home: &std::path::Path, args: &[&str], input: &str) {
    let mut c = mqtt_pub(home, &[]);
    c.args(b.addr_args()).args(args).write_stdin(input.to_string());
    let r = run(c);
    assert_eq!(
        r.code(),
        0,
        "mqtt-pub {args:?} on {}: {}\nbroker:\n{}",
        b.kind.name(),
        r.stderr(),
        b.log()
    );
}

fn one_message_at_each_qos(kind: Kind) {
    let b = OtherBroker::start(kind);
    let home = tempfile::tempdir().unwrap();
    let mut sub = Listener::start(b.addr_args(), home.path(), &["-t", "q/#", "-q", "2", "-v"]);
    for q in ["0", "1", "2"] {
        publish(
            &b,
            home.path(),
            &["-t", &format!("q/{q}"), "-q", q, "-m", &format!("at {q}")],
            "",
        );
    }
    let got = sub.take(3, WAIT).to_vec();
    assert_eq!(got, ["q/0 at 0", "q/1 at 1", "q/2 at 2"], "on {}", kind.name());
}

/// The case aedes 0.51 failed with reused packet ids: 5,000 lines, byte-exact.
fn lines_at_qos(kind: Kind, qos: &str) {
    let b = OtherBroker::start(kind);
    let home = tempfile::tempdir().unwrap();
    let mut sub = Listener::start(b.addr_args(), home.path(), &["-t", "lines", "-q", qos]);
    let want = numbers(5000);
    publish(
        &b,
        home.path(),
        &["-t", "lines", "-q", qos, "-l"],
        &(want.join("\n") + "\n"),
    );
    let got = sub.take(want.len(), WAIT).to_vec();
    assert_eq!(got.len(), want.len(), "QoS {qos} on {}", kind.name());
    assert!(got == want, "QoS {qos} on {}: out of order or changed", kind.name());
}

fn retained_message(kind: Kind) {
    let b = OtherBroker::start(kind);
    let home = tempfile::tempdir().unwrap();
    publish(
        &b,
        home.path(),
        &["-t", "kept", "-r", "-q", "1", "-m", "still here"],
        "",
    );
    let sub = Listener::start(b.addr_args(), home.path(), &["-t", "kept", "-C", "1"]);
    let (code, got) = sub.finish(WAIT);
    assert_eq!(
        (code, got),
        (Some(0), vec!["still here".to_string()]),
        "on {}",
        kind.name()
    );
    // Cleared with an empty retained message (at QoS 1: acknowledged means
    // done; amqtt handles a QoS 0 one after a subscription that follows it
    // at once): a new subscriber gets nothing
    // retained (the live message after it proves it is subscribed).
    publish(&b, home.path(), &["-t", "kept", "-r", "-n", "-q", "1"], "");
    let mut sub = Listener::start(b.addr_args(), home.path(), &["-t", "kept"]);
    publish(&b, home.path(), &["-t", "kept", "-m", "live"], "");
    assert_eq!(sub.take(1, WAIT), ["live"], "on {}", kind.name());
}

fn will_on_abnormal_close(kind: Kind) {
    let b = OtherBroker::start(kind);
    let home = tempfile::tempdir().unwrap();
    let mut watcher = Listener::start(b.addr_args(), home.path(), &["-t", "wills/#", "-v"]);
    let dying = Listener::start(
        b.addr_args(),
        home.path(),
        &[
            "-t",
            "anything",
            "--will-topic",
            "wills/a",
            "--will-payload",
            "gone",
            "-i",
            "dying",
        ],
    );
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &dying.pid().to_string()])
        .status();
    assert_eq!(watcher.take(1, WAIT), ["wills/a gone"], "on {}", kind.name());
}

fn persistent_session_keeps_messages_while_offline(kind: Kind) {
    let b = OtherBroker::start(kind);
    let home = tempfile::tempdir().unwrap();
    let args = ["-t", "offline", "-q", "1", "-c", "-i", "keeper", "-C", "1"];
    let first = Listener::start(b.addr_args(), home.path(), &args);
    publish(&b, home.path(), &["-t", "offline", "-q", "1", "-m", "while online"], "");
    let (code, got) = first.finish(WAIT);
    assert_eq!((code, got), (Some(0), vec!["while online".to_string()]));
    publish(&b, home.path(), &["-t", "offline", "-q", "1", "-m", "while away"], "");
    if kind == Kind::Amqtt {
        // amqtt 0.12 drops what arrives for an offline session: mosquitto_sub
        // gets nothing either (checked here), and neither do we.
        let second = Listener::start(b.addr_args(), home.path(), &args[..7]);
        publish(&b, home.path(), &["-t", "offline", "-q", "1", "-m", "back"], "");
        let mut second = second;
        assert_eq!(second.take(1, WAIT), ["back"]);
        let mut c = std::process::Command::new(crate::support::broker::require("mosquitto_sub"));
        c.args(b.addr_args())
            .args(["-t", "offline", "-q", "1", "-c", "-i", "keeper2", "-C", "1", "-W", "3"]);
        let out = c.output().unwrap();
        publish(
            &b,
            home.path(),
            &["-t", "offline", "-q", "1", "-m", "away from mosquitto_sub"],
            "",
        );
        let out2 = c.output().unwrap();
        assert!(
            out.stdout.is_empty() && out2.stdout.is_empty(),
            "amqtt now keeps offline messages"
        );
        return;
    }
    let second = Listener::start(b.addr_args(), home.path(), &args);
    let (code, got) = second.finish(WAIT);
    assert_eq!(
        (code, got),
        (Some(0), vec!["while away".to_string()]),
        "on {}",
        kind.name()
    );
}

fn mqtt5_is_refused_with_the_version_named(kind: Kind) {
    let b = OtherBroker::start(kind);
    let home = tempfile::tempdir().unwrap();
    let mut c = mqtt_pub(home.path(), &[]);
    c.args(b.addr_args()).args(["-V", "5", "-t", "t", "-m", "x"]);
    let r = run(c);
    assert_ne!(r.code(), 0, "on {}", kind.name());
    assert!(
        r.stderr().contains("may not speak MQTT 5; try -V 311"),
        "on {}: {}",
        kind.name(),
        r.stderr()
    );
    // mqtt-bench keeps the hint in its report and its error line.
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.args(["conn", "-c", "1", "--duration", "1", "-V", "5"])
        .args(b.addr_args());
    let r = run(c);
    assert_eq!(r.code(), 3, "on {}: {}", kind.name(), r.stderr());
    assert!(
        r.stderr().contains("may not speak MQTT 5; try -V 311"),
        "on {}: {}",
        kind.name(),
        r.stderr()
    );
}

macro_rules! matrix {
    ($($name:ident => $kind:expr),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[test]
            fn one_message_at_each_qos() {
                super::one_message_at_each_qos($kind);
            }
            #[test]
            fn lines_at_qos_1() {
                super::lines_at_qos($kind, "1");
            }
            #[test]
            fn lines_at_qos_2() {
                super::lines_at_qos($kind, "2");
            }
            #[test]
            fn retained_message() {
                super::retained_message($kind);
            }
            #[test]
            fn will_on_abnormal_close() {
                super::will_on_abnormal_close($kind);
            }
            #[test]
            fn persistent_session_keeps_messages_while_offline() {
                super::persistent_session_keeps_messages_while_offline($kind);
            }
            #[test]
            fn mqtt5_is_refused_with_the_version_named() {
                super::mqtt5_is_refused_with_the_version_named($kind);
            }
        }
    )*};
}

matrix! {
    aedes_0_51 => Kind::Aedes0,
    aedes_1_2 => Kind::Aedes1,
    amqtt => Kind::Amqtt,
}
