//! `mqtt-bench check` against mosquitto in different configurations, a
//! broker that lies (a proxy that says retain is unavailable while the
//! broker retains, and delivers QoS 2 messages twice) and aedes (MQTT 3.1.1
//! only): the report must match what each broker does.

use std::time::Duration;

use serde_json::Value;

use crate::support::broker::require;
use crate::support::cmd::{Run, binary, run};
use crate::support::fake::Liar;
use crate::support::others::{Kind, OtherBroker};
use crate::support::{Broker, BrokerConfig, Sub};

fn check_at(port: u16, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.args(["check", "-h", "127.0.0.1", "-p", &port.to_string(), "--json", "-"])
        .args(args);
    run(c)
}

/// Run a check; its exit code and JSON report.
fn check(port: u16, args: &[&str]) -> (i32, Value) {
    let r = check_at(port, args);
    let report: Value = serde_json::from_str(&r.stdout())
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}\n{}", r.stdout(), r.stderr()));
    (r.code(), report)
}

fn item<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no item {name}"))
}

fn result(report: &Value, name: &str) -> String {
    item(report, name)["result"].as_str().unwrap().to_string()
}

/// Each named item has this result (the failing ones listed with details).
fn expect(report: &Value, names: &[&str], want: &str) {
    let wrong: Vec<String> = names
        .iter()
        .filter(|n| result(report, n) != want)
        .map(|n| format!("{n}: {} ({})", result(report, n), item(report, n)["detail"]))
        .collect();
    assert!(wrong.is_empty(), "want {want}:\n{}", wrong.join("\n"));
}

fn mosquitto(extra: &str) -> Broker {
    Broker::start(BrokerConfig {
        extra: extra.to_string(),
        ..Default::default()
    })
}

const BEHAVIOUR_V5: &[&str] = &[
    "mqtt31",
    "mqtt311",
    "mqtt5",
    "anonymous",
    "zero_length_client_id",
    "qos0",
    "qos1",
    "qos2",
    "qos2_exactly_once",
    "retain",
    "wildcard_plus",
    "wildcard_hash",
    "dollar_topics",
    "shared_subscriptions",
    "persistent_session",
    "offline_qos1",
    "offline_qos2",
    "will",
    "will_delay",
    "message_expiry",
    "no_local",
    "retain_as_published",
    "retain_handling",
    "topic_alias",
    "subscription_identifiers",
    "properties_relayed",
    "qos1_order",
    "max_payload",
    "max_topic_length",
    "max_client_id_length",
    "sys_topics",
];

/// What a check left behind under its prefix: retained messages, and
/// whether its persistent session still holds messages for its client id.
fn leftovers(broker: &Broker, report: &Value) -> (String, String) {
    let prefix = report["config"]["topic_prefix"].as_str().unwrap();
    let pub_ = |topic: &str, msg: &str| {
        assert_cmd::Command::new(require("mosquitto_pub"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &broker.port.to_string(),
                "-q",
                "1",
                "-t",
                topic,
                "-m",
                msg,
            ])
            .timeout(Duration::from_secs(20))
            .assert()
            .success();
    };
    // Retained messages come on subscribing, before a live message sent
    // after it; --retained-only prints those and stops at the live one.
    let retained = Sub::start(broker, &format!("{prefix}/#"), &["-v", "--retained-only"]);
    pub_(&format!("{prefix}/zz-live"), "live");
    let retained = retained.text(Duration::from_secs(10));
    // The persistent session's client id, from the evidence.
    let session = item(report, "persistent_session")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find_map(|l| l.strip_prefix("session → CONNECT ").and_then(|l| l.split("id=").nth(1)))
        .and_then(|l| l.split_whitespace().next())
        .expect("the persistent session's CONNECT in the evidence")
        .to_string();
    // Were the session still there, this message would wait in it, and
    // come before anything else when that id connects again.
    pub_(&format!("{prefix}/offline"), "stale");
    let resumed = Sub::start(
        broker,
        &format!("{prefix}/fresh"),
        &["-c", "-i", &session, "-q", "1", "-C", "1", "-v"],
    );
    pub_(&format!("{prefix}/fresh"), "fresh");
    (retained, resumed.text(Duration::from_secs(10)))
}

#[test]
fn a_default_mosquitto_keeps_every_promise_and_the_check_cleans_up() {
    let broker = Broker::anonymous();
    let (code, r) = check(broker.port, &["--assert", "qos2_exactly_once", "--assert", "retain"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["schema"], 1);
    expect(&r, BEHAVIOUR_V5, "pass");
    assert_eq!(result(&r, "credentials"), "skipped");
    assert_eq!(item(&r, "receive_maximum")["value"], 20);
    assert_eq!(item(&r, "max_packet_size")["value"], 268_435_455);
    assert_eq!(item(&r, "max_payload")["value"], 16 << 20);
    assert_eq!(item(&r, "max_topic_length")["value"], 65535);
    assert!(
        item(&r, "broker_version")["value"]
            .as_str()
            .unwrap()
            .starts_with("mosquitto version")
    );
    assert_eq!(r["connack"]["receive_maximum"], 20);
    assert_eq!(r["latency"]["qos2"]["count"], 200);
    assert!(r["verdicts"].as_array().unwrap().iter().all(|v| v["pass"] == true));
    // Every item has its evidence.
    let evidence = item(&r, "qos2_exactly_once")["evidence"].as_array().unwrap().len();
    assert!(evidence > 3, "{:#}", item(&r, "qos2_exactly_once"));
    let (retained, resumed) = leftovers(&broker, &r);
    assert_eq!(retained, "", "retained messages left behind");
    assert!(
        resumed.ends_with("/fresh fresh\n"),
        "the check's session is still there: {resumed}"
    );
}

#[test]
fn persistence_on_disk_changes_nothing_the_check_sees_and_it_cleans_up() {
    let broker = Broker::start(BrokerConfig {
        persistence: true,
        ..Default::default()
    });
    let (code, r) = check(broker.port, &[]);
    assert_eq!(code, 0);
    expect(
        &r,
        &[
            "persistent_session",
            "offline_qos1",
            "offline_qos2",
            "message_expiry",
            "retain",
        ],
        "pass",
    );
    let (retained, resumed) = leftovers(&broker, &r);
    assert_eq!(retained, "");
    assert!(resumed.ends_with("/fresh fresh\n"), "{resumed}");
}

#[test]
fn max_qos_1_makes_qos_2_unsupported_and_an_assertion_on_it_fails() {
    let broker = mosquitto("max_qos 1");
    let (code, r) = check(broker.port, &["--assert", "qos2_exactly_once"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(item(&r, "maximum_qos")["value"], 1);
    expect(&r, &["qos2", "qos2_exactly_once", "offline_qos2"], "unsupported");
    expect(&r, &["qos0", "qos1", "offline_qos1"], "pass");
    assert_eq!(r["verdicts"][0]["pass"], false);
    // Over MQTT 3.1.1 nothing is advertised: the SUBACK tells.
    let (_, r) = check(broker.port, &["-V", "311"]);
    expect(&r, &["qos2"], "unsupported");
    assert!(item(&r, "qos2")["detail"].as_str().unwrap().contains("granted QoS 1"));
    expect(&r, &["will_delay", "no_local"], "skipped");
}

#[test]
fn retain_available_false_is_reported_and_can_be_asserted_absent() {
    let broker = mosquitto("retain_available false");
    let (code, r) = check(broker.port, &["--assert", "!retain"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(item(&r, "retain_available")["value"], false);
    expect(&r, &["retain", "retain_as_published", "retain_handling"], "unsupported");
    expect(&r, &["qos1", "will", "persistent_session"], "pass");
}

#[test]
fn max_packet_size_bounds_the_payload_and_fails_a_larger_assertion() {
    let broker = mosquitto("max_packet_size 2000");
    let (code, r) = check(broker.port, &["--assert", "max_packet_size>=1048576"]);
    assert_eq!(code, 1);
    assert_eq!(item(&r, "max_packet_size")["value"], 2000);
    assert_eq!(item(&r, "max_payload")["value"], 1024);
    assert!(item(&r, "max_topic_length")["value"].as_u64().unwrap() < 2000);
    assert_eq!(r["verdicts"][0]["found"], 2000);
}

#[test]
fn zero_length_ids_refused_and_topic_aliases_off_are_unsupported() {
    let broker = mosquitto("allow_zero_length_clientid false\nmax_topic_alias 0");
    let (code, r) = check(broker.port, &[]);
    assert_eq!(code, 0);
    expect(&r, &["zero_length_client_id", "topic_alias"], "unsupported");
    assert_eq!(item(&r, "topic_alias_maximum")["value"], 0);
    assert_eq!(result(&r, "assigned_client_identifier"), "skipped");
}

#[test]
fn without_anonymous_access_credentials_decide() {
    let broker = Broker::start(BrokerConfig::with_users(&[("alice", "secret")]));
    // No credentials: the versions are spoken, nothing else can run.
    let (code, r) = check(broker.port, &["--assert", "anonymous"]);
    assert_eq!(code, 1, "{r:#}");
    expect(&r, &["mqtt311", "mqtt5"], "pass");
    expect(&r, &["anonymous"], "unsupported");
    expect(&r, &["qos1", "retain", "receive_maximum"], "skipped");
    assert!(item(&r, "mqtt5")["detail"].as_str().unwrap().contains("Not authorized"));
    // With them, everything runs.
    let (code, r) = check(broker.port, &["-u", "alice", "-P", "secret", "--assert", "!anonymous"]);
    assert_eq!(code, 0, "{r:#}");
    expect(
        &r,
        &["credentials", "qos1", "qos2_exactly_once", "persistent_session"],
        "pass",
    );
    expect(&r, &["anonymous"], "unsupported");
    assert_eq!(r["config"]["username"], "alice");
    // Wrong ones are a failed item, not a crash.
    let (_, r) = check(broker.port, &["-u", "alice", "-P", "wrong"]);
    expect(&r, &["credentials"], "fail");
}

#[test]
fn a_broker_that_lies_fails_the_items_it_lies_about() {
    let broker = Broker::anonymous();
    let liar = Liar::start(broker.port);
    let (code, r) = check(liar.port, &["--assert", "qos2_exactly_once"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(item(&r, "retain_available")["value"], false);
    expect(&r, &["retain", "qos2_exactly_once"], "fail");
    let retain = item(&r, "retain")["detail"].as_str().unwrap().to_string();
    assert!(retain.contains("Retain Available 0"), "{retain}");
    let twice = item(&r, "qos2_exactly_once")["detail"].as_str().unwrap().to_string();
    assert!(twice.contains("more than once"), "{twice}");
    expect(&r, &["qos1", "qos1_order"], "pass");
}

#[test]
fn an_mqtt_3_1_1_broker_has_every_mqtt_5_item_unsupported_not_failed() {
    let broker = OtherBroker::start(Kind::Aedes0);
    let (code, r) = check(broker.port, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["config"]["protocol"], 4);
    expect(
        &r,
        &[
            "mqtt5",
            "assigned_client_identifier",
            "server_keep_alive",
            "receive_maximum",
            "maximum_qos",
            "retain_available",
            "max_packet_size",
            "topic_alias_maximum",
            "session_expiry_interval",
            "will_delay",
            "message_expiry",
            "no_local",
            "retain_as_published",
            "retain_handling",
            "topic_alias",
            "subscription_identifiers",
            "properties_relayed",
        ],
        "unsupported",
    );
    expect(
        &r,
        &[
            "mqtt311",
            "qos0",
            "qos1",
            "qos2",
            "qos2_exactly_once",
            "retain",
            "wildcard_plus",
            "wildcard_hash",
            "persistent_session",
            "offline_qos1",
            "offline_qos2",
            "will",
            "qos1_order",
        ],
        "pass",
    );
    let failed: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["result"] == "fail")
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(failed.is_empty(), "failed on aedes: {failed:?}");
    // Asked to speak MQTT 5 there, the probes do not run, and say why.
    let (code, r) = check(broker.port, &["-V", "5"]);
    assert_eq!(code, 0);
    expect(&r, &["qos1", "retain"], "skipped");
    assert!(item(&r, "qos1")["detail"].as_str().unwrap().contains("-V 5"));
}

#[test]
fn usage_errors_exit_2_and_an_unreachable_broker_exits_3() {
    let port = crate::support::broker::free_port();
    for bad in [
        vec!["--assert", "retained"],
        vec!["--assert", "qos1_p99_ms<fast"],
        vec!["--max-payload", "12"],
        vec!["--probe-timeout", "0s"],
        vec!["-i", "me"],
        vec!["--topic-prefix", "a/#"],
    ] {
        let r = check_at(port, &bad);
        assert_eq!(r.code(), 2, "{bad:?}: {}", r.stderr());
        assert!(r.stderr().starts_with("Error: "), "{bad:?}: {}", r.stderr());
        assert_eq!(r.stdout(), "", "{bad:?}");
    }
    let (code, r) = check(port, &[]);
    assert_eq!(code, 3);
    assert_eq!(r["outcome"], "error");
    assert!(r["error"].as_str().unwrap().contains("no CONNACK"), "{r:#}");
    expect(&r, &["qos1"], "skipped");
}
