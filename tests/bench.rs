//! mqtt-bench against real brokers: every scenario's JSON report is checked
//! for internal consistency, loss is detected when the broker really drops
//! messages, shard reports merge into a single run's counts, and the exit
//! codes (0 pass, 1 assertion failed, 2 usage, 3 run failed) hold.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::cmd::{Run, binary, run};
use crate::support::{Broker, BrokerConfig};

fn bench(broker: &Broker, home: &Path, args: &[&str]) -> Run {
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home);
    c.args(args).args(broker.addr_args());
    run(c)
}

/// mqtt-bench in the background against `broker`, quiet, its report to `json`.
fn spawn_bench(broker: &Broker, args: &[&str], json: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mqtt-bench"))
        .args(args)
        .args(["--quiet", "--json", json.to_str().unwrap()])
        .args(broker.addr_args())
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report written")).expect("report is JSON")
}

fn n(v: &Value, path: &str) -> u64 {
    v.pointer(path)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{path} in {v:#}"))
}

/// Internal consistency of a delivery section.
fn consistent(r: &Value) {
    assert_eq!(
        n(r, "/delivery/expected"),
        n(r, "/delivery/unique") + n(r, "/delivery/lost"),
        "{:#}",
        r["delivery"]
    );
    assert_eq!(r["schema"], 2);
    assert!(r["config"]["password"].is_null() || r["config"]["password"] == "<redacted>");
}

#[test]
fn pubsub_at_each_qos_delivers_everything_and_says_so() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    for qos in ["0", "1", "2"] {
        let json = home.path().join(format!("q{qos}.json"));
        bench(
            &broker,
            home.path(),
            &[
                "pubsub",
                "-c",
                "2",
                "--rate",
                "400",
                "--count",
                "400",
                "-q",
                qos,
                "--json",
                json.to_str().unwrap(),
                "--assert",
                "loss==0",
                "--assert",
                "p99_ms<=2000",
            ],
        )
        .expect_code(0);
        let r = report(&json);
        consistent(&r);
        // Two publishers, two subscribers of mqtt-bench/+: every message twice.
        assert_eq!(n(&r, "/publish/published"), 400);
        assert_eq!(n(&r, "/delivery/expected"), 800);
        assert_eq!(n(&r, "/delivery/unique"), 800);
        assert_eq!(n(&r, "/delivery/received"), 800);
        assert_eq!(n(&r, "/delivery/lost"), 0);
        assert_eq!(n(&r, "/delivery/duplicated"), 0);
        assert_eq!(n(&r, "/latency/e2e/count"), 800);
        assert_eq!(n(&r, "/connections/succeeded"), 4);
        assert_eq!(n(&r, "/latency/connect/count"), 4);
        assert_eq!(n(&r, "/latency/suback/count"), 2);
        let acks = match qos {
            "1" => "/latency/puback/count",
            "2" => "/latency/pubcomp/count",
            _ => "/latency/lag/count",
        };
        assert_eq!(n(&r, acks), 400);
        if qos != "0" {
            assert_eq!(n(&r, "/publish/acked"), 400);
        }
        let series_received: u64 = r["series"].as_array().unwrap().iter().map(|s| n(s, "/received")).sum();
        assert_eq!(series_received, 800);
        assert_eq!(r["outcome"], "pass");
        assert_eq!(r["verdicts"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn a_failed_assertion_exits_1_and_names_the_measured_value() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let r = bench(
        &broker,
        home.path(),
        &["pubsub", "--count", "50", "--assert", "p50_us<1", "--assert", "loss==0"],
    );
    r.expect_code(1);
    assert!(
        r.stdout().contains("FAIL         p50_us<1 (measured "),
        "{}",
        r.stdout()
    );
    assert!(
        r.stdout().contains("pass         loss==0 (measured 0)"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stderr().contains("Error: 1 of 2 assertions failed."),
        "{}",
        r.stderr()
    );
}

#[test]
fn an_unreachable_broker_exits_3_and_usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let port = crate::support::broker::free_port().to_string();
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.args(["pub", "-h", "127.0.0.1", "-p", &port, "--count", "10"]);
    let r = run(c);
    r.expect_code(3);
    assert!(
        r.stdout().contains("RUN FAILED   no client could connect"),
        "{}",
        r.stdout()
    );
    assert!(r.stderr().contains("Error: the run failed"), "{}", r.stderr());
    for args in [
        &["pub", "-s", "10"][..],
        &["pubsub", "--assert", "p98_ms<1"],
        &["pubsub", "--rate", "0"],
        &["conn", "--count", "5"],
        &["pub", "--shard", "3/3"],
        &["pub", "--bogus"],
        &["merge", "/nonexistent.json"],
        &["pub", "--json", "/nonexistent/dir/r.json"],
    ] {
        let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
        c.args(args);
        let r = run(c);
        r.expect_code(2);
        assert!(r.stderr().starts_with("Error: "), "{args:?}: {}", r.stderr());
    }
    // A CA file that holds no certificate is a configuration error, the same
    // for a load test and a check: exit 2, before any connection.
    for scenario in ["pub", "check"] {
        let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
        c.args([scenario, "-h", "127.0.0.1", "-p", &port, "--cafile", "/dev/null"]);
        let r = run(c);
        r.expect_code(2);
        assert!(
            r.stderr()
                .starts_with("Error: Problem setting TLS options: /dev/null holds no PEM certificate"),
            "{scenario}: {}",
            r.stderr()
        );
    }
}

fn lossy_broker() -> Broker {
    Broker::start(BrokerConfig {
        extra: "max_queued_messages 10\nmax_inflight_messages 1\n".into(),
        ..BrokerConfig::default()
    })
}

#[test]
fn at_full_speed_a_broker_that_waits_for_each_answer_still_gets_everything() {
    // A window of one toward the subscriber: the broker sends the next
    // message only after the last one's PUBACK (PUBREC, PUBCOMP), so a
    // subscriber that gathers its acknowledgements must stop gathering;
    // the publisher's window waits for company as well (at QoS 1: mosquitto
    // also takes only one QoS 2 message at a time, and resets a client
    // that sends more).
    let broker = Broker::start(BrokerConfig {
        extra: "max_inflight_messages 1\n".into(),
        ..BrokerConfig::default()
    });
    let home = tempfile::tempdir().unwrap();
    for (qos, inflight) in [("1", "20"), ("2", "1")] {
        let json = home.path().join(format!("q{qos}.json"));
        bench(
            &broker,
            home.path(),
            &[
                "pubsub",
                "-q",
                qos,
                "-M",
                inflight,
                "--count",
                "3000",
                "--json",
                json.to_str().unwrap(),
                "--assert",
                "loss==0",
            ],
        )
        .expect_code(0);
        let r = report(&json);
        consistent(&r);
        assert_eq!(n(&r, "/publish/acked"), 3000, "{:#}", r["publish"]);
        assert_eq!(n(&r, "/delivery/unique"), 3000, "{:#}", r["delivery"]);
        assert_eq!(n(&r, "/delivery/duplicated"), 0, "{:#}", r["delivery"]);
    }
}

#[test]
fn qos1_messages_the_broker_drops_are_reported_lost() {
    // mosquitto drops QoS 1 messages beyond max_queued_messages for a
    // subscriber that is online but behind, and tells nobody.
    let broker = lossy_broker();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let r = bench(
        &broker,
        home.path(),
        &[
            "pubsub",
            "-q",
            "1",
            "--count",
            "5000",
            "--drain",
            "2",
            "--json",
            json.to_str().unwrap(),
            "--assert",
            "loss==0",
        ],
    );
    r.expect_code(1);
    let r = report(&json);
    consistent(&r);
    assert!(n(&r, "/delivery/lost") > 0, "{:#}", r["delivery"]);
    assert_eq!(n(&r, "/delivery/expected"), 5000);
    assert_eq!(
        n(&r, "/publish/acked"),
        5000,
        "the broker acknowledged what it then dropped"
    );
}

#[test]
fn qos0_loss_of_a_stalled_subscriber_is_found_from_sequence_gaps() {
    // A subscriber that stops reading: the broker's queue for it overflows
    // and QoS 0 messages are dropped. `sub` alone knows no publisher, so it
    // counts the gaps in each publisher's sequence numbers.
    let broker = lossy_broker();
    let home = tempfile::tempdir().unwrap();
    let sub_json = home.path().join("sub.json");
    let pub_json = home.path().join("pub.json");
    let sub = spawn_bench(&broker, &["sub", "-t", "loss/#", "--duration", "8"], &sub_json);
    assert!(broker.wait_log("loss/#", Duration::from_secs(10)));
    let publisher = spawn_bench(
        &broker,
        &[
            "pub",
            "-t",
            "loss/%i",
            "--rate",
            "2000",
            "--duration",
            "3",
            "-s",
            "8000",
        ],
        &pub_json,
    );
    // Publishing has begun: stall the subscriber for 1.5 s (the fault itself).
    assert!(broker.wait_log_count("Received PUBLISH from", 200, Duration::from_secs(10)));
    let pid = sub.id().to_string();
    Command::new("kill").args(["-STOP", &pid]).status().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    assert!(crate::support::cmd::finish(publisher).status.success());
    assert_eq!(crate::support::cmd::finish(sub).status.code(), Some(0));
    let (s, p) = (report(&sub_json), report(&pub_json));
    consistent(&s);
    assert!(n(&s, "/delivery/lost") > 0, "{:#}", s["delivery"]);
    assert_eq!(n(&s, "/delivery/expected"), n(&p, "/publish/published"));
    assert!(broker.log().contains("Outgoing messages are being dropped"));
}

#[test]
fn three_shards_merge_into_the_counts_of_one_run() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let common = [
        "pubsub", "-c", "3", "--count", "900", "--rate", "900", "-q", "1", "-t", "shard/%i", "--filter", "shard/%i",
    ];
    let single = home.path().join("single.json");
    bench(
        &broker,
        home.path(),
        &[&common[..], &["--json", single.to_str().unwrap()]].concat(),
    )
    .expect_code(0);
    let shards: Vec<_> = (0..3)
        .map(|i| {
            let json = home.path().join(format!("shard{i}.json"));
            let shard = format!("{i}/3");
            let args: Vec<&str> = common.iter().copied().chain(["--shard", &shard, "-I", "m-"]).collect();
            let child = spawn_bench(&broker, &args, &json);
            (child, json)
        })
        .collect();
    let mut paths = Vec::new();
    for (child, json) in shards {
        assert!(crate::support::cmd::finish(child).status.success());
        assert_eq!(n(&report(&json), "/publish/published"), 300);
        paths.push(json.to_str().unwrap().to_string());
    }
    let merged = home.path().join("merged.json");
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.arg("merge")
        .args(&paths)
        .args(["--json", merged.to_str().unwrap(), "--assert", "loss==0"]);
    run(c).expect_code(0);
    let (m, s) = (report(&merged), report(&single));
    consistent(&m);
    for key in [
        "/publish/published",
        "/publish/acked",
        "/delivery/expected",
        "/delivery/unique",
        "/delivery/lost",
        "/connections/succeeded",
        "/latency/e2e/count",
        "/latency/puback/count",
        "/latency/connect/count",
        "/latency/connect_tcp/count",
        "/latency/connack/count",
    ] {
        assert_eq!(n(&m, key), n(&s, key), "{key}");
    }
    assert_eq!(m["shards"], serde_json::json!([0, 1, 2]));
    // Per broker and per second, shards add up too.
    assert_eq!(m["connections"]["brokers"], s["connections"]["brokers"]);
    for field in ["sent", "received"] {
        assert_eq!(series_sum(&m, field), series_sum(&s, field), "{field}");
    }
}

#[test]
fn a_shared_subscription_gets_each_message_once() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    bench(
        &broker,
        home.path(),
        &[
            "pubsub",
            "-V",
            "5",
            "--publishers",
            "2",
            "--subscribers",
            "3",
            "--filter",
            "$share/g/mqtt-bench/+",
            "--count",
            "600",
            "--rate",
            "600",
            "-q",
            "1",
            "--json",
            json.to_str().unwrap(),
            "--assert",
            "dup==0",
        ],
    )
    .expect_code(0);
    let r = report(&json);
    consistent(&r);
    assert_eq!(n(&r, "/delivery/expected"), 600);
    assert_eq!(n(&r, "/delivery/unique"), 600);
    assert_eq!(r["groups"].as_array().unwrap().len(), 1);
    assert_eq!(n(&r, "/groups/0/members"), 3);
}

#[test]
fn conn_holds_connections_and_reports_memory_and_html() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let (json, html) = (home.path().join("c.json"), home.path().join("c.html"));
    let r = bench(
        &broker,
        home.path(),
        &[
            "conn",
            "-c",
            "60",
            "--conn-rate",
            "300",
            "--duration",
            "1",
            "--json",
            json.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--assert",
            "connections==60",
            "--assert",
            "connect_failed==0",
        ],
    );
    r.expect_code(0);
    let r = report(&json);
    assert_eq!(n(&r, "/connections/succeeded"), 60);
    assert_eq!(n(&r, "/latency/connect/count"), 60);
    assert!(n(&r, "/generator/rss_per_connection_bytes") > 0);
    // 60 connections at 300/s take about 0.2 s.
    assert!(
        r["connections"]["connect_phase_s"].as_f64().unwrap() >= 0.15,
        "{:#}",
        r["connections"]
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg"));
    assert!(!page.contains("<script") && !page.contains("src="));
}

#[test]
fn a_baseline_flags_regressions() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let base = home.path().join("base.json");
    let args = ["pubsub", "--count", "200", "--rate", "400", "-q", "1"];
    bench(
        &broker,
        home.path(),
        &[&args[..], &["--json", base.to_str().unwrap()]].concat(),
    )
    .expect_code(0);
    // The same run again passes: the tolerance is wide, as a p99 of 200
    // samples on a shared machine may double from one run to the next.
    bench(
        &broker,
        home.path(),
        &[
            &args[..],
            &["--baseline", base.to_str().unwrap(), "--tolerance", "900%"],
        ]
        .concat(),
    )
    .expect_code(0);
    // A baseline that delivered ten times as fast: this run is a regression.
    let mut doc = report(&base);
    let rate = doc["delivery"]["delivered_rate"].as_f64().unwrap();
    doc["delivery"]["delivered_rate"] = (rate * 10.0).into();
    let fast = home.path().join("fast.json");
    std::fs::write(&fast, doc.to_string()).unwrap();
    let r = bench(
        &broker,
        home.path(),
        &[&args[..], &["--baseline", fast.to_str().unwrap()]].concat(),
    );
    r.expect_code(1);
    assert!(r.stdout().contains("FAIL         rate>="), "{}", r.stdout());
}

#[test]
fn json_on_stdout_with_quiet_is_pure_json() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let r = bench(
        &broker,
        home.path(),
        &["pub", "--count", "20", "-q", "1", "--json", "-", "--quiet"],
    );
    r.expect_code(0);
    assert_eq!(r.stderr(), "");
    let doc: Value = serde_json::from_str(&r.stdout()).expect("stdout is one JSON document");
    assert_eq!(n(&doc, "/publish/acked"), 20);
    assert_eq!(doc["scenario"], "pub");
    assert_eq!(n(&doc, "/latency/puback/count"), 20);
}

#[test]
fn credentials_tls_and_mqtt5_are_the_shared_connection_options() {
    // Users from the environment, %u in the topic, a password never echoed.
    let broker = Broker::start(BrokerConfig::with_users(&[("loader", "s3cret")]));
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.env("MQTT_USERNAME", "loader").env("MQTT_PASSWORD", "s3cret");
    c.args([
        "pubsub",
        "-V",
        "5",
        "-t",
        "by/%u/%i",
        "--count",
        "100",
        "-q",
        "2",
        "--json",
        json.to_str().unwrap(),
    ])
    .args(broker.addr_args());
    run(c).expect_code(0);
    let r = report(&json);
    assert_eq!(r["config"]["password"], "<redacted>");
    assert_eq!(r["config"]["protocol"], 5);
    assert_eq!(r["publishers"][0]["topic"], "by/loader/0");
    assert_eq!(n(&r, "/delivery/unique"), 100);
    assert!(!std::fs::read_to_string(&json).unwrap().contains("s3cret"));
    // A wrong password: the CONNACK refusal is the run's failure (exit 3).
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.env("MQTT_USERNAME", "loader").env("MQTT_PASSWORD", "wrong");
    c.args(["conn", "-c", "2", "--duration", "1"]).args(broker.addr_args());
    let out = run(c);
    out.expect_code(3);
    assert!(out.stdout().contains("not authorised"), "{}", out.stdout());

    let certs = crate::support::certs::Certs::make();
    let tls = Broker::start(BrokerConfig {
        tls: Some((
            certs.path("ca.pem"),
            certs.path("server.pem"),
            certs.path("server.key"),
            false,
        )),
        ..Default::default()
    });
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.args([
        "pubsub",
        "-h",
        "localhost",
        "-p",
        &tls.port.to_string(),
        "--count",
        "50",
        "-q",
        "1",
    ])
    .args([
        "--cafile",
        certs.path("ca.pem").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    run(c).expect_code(0);
    let r = report(&json);
    assert_eq!(r["config"]["tls"], true);
    assert!(
        r["config"]["broker"]
            .as_str()
            .unwrap()
            .starts_with("mqtts://localhost:")
    );
    assert_eq!(n(&r, "/delivery/unique"), 50);
}

#[test]
fn a_broker_restart_mid_run_is_counted_and_survived() {
    let mut broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let child = spawn_bench(
        &broker,
        &[
            "pubsub",
            "-c",
            "2",
            "--rate",
            "200",
            "--duration",
            "4",
            "-q",
            "1",
            "--seed",
            "7",
            "--drain",
            "1",
        ],
        &json,
    );
    // Messages are flowing (acknowledged at QoS 1): restart the broker now.
    assert!(broker.wait_log_count("Sending PUBACK to", 100, Duration::from_secs(10)));
    broker.restart(Duration::from_millis(500));
    let status = crate::support::cmd::finish(child).status;
    // No assertions were given: the run worked, and its report tells the rest.
    assert_eq!(status.code(), Some(0));
    let r = report(&json);
    consistent(&r);
    let disconnects: u64 = r["connections"]["disconnects"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(disconnects >= 4, "{:#}", r["connections"]);
    assert!(n(&r, "/connections/reconnects") >= 4, "{:#}", r["connections"]);
    // Subscribers re-subscribed: messages published after the restart arrived.
    let series = r["series"].as_array().unwrap();
    let last_second = series.iter().find(|s| s["t"] == 3).expect("a fourth second");
    assert!(n(last_second, "/received") > 0, "{:#}", r["series"]);
    assert_eq!(r["config"]["seed"], 7);
    let warnings = r["warnings"].to_string();
    assert!(warnings.contains("unexpected disconnects"), "{warnings}");
}

#[test]
fn an_open_file_limit_too_low_is_named() {
    // The hard limit cannot be raised by the program itself: it says which
    // limit stopped it, and the connections that failed fail the run.
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let mut c = binary("prlimit", home.path());
    c.args([
        "--nofile=60:60",
        env!("CARGO_BIN_EXE_mqtt-bench"),
        "conn",
        "-c",
        "100",
        "--duration",
        "1",
    ])
    .args(broker.addr_args());
    let r = run(c);
    r.expect_code(3);
    assert!(
        r.stderr().contains(
            "Warning: the open-file limit is 60 (hard limit 60) but 100 connections need about 164 descriptors"
        ),
        "{}",
        r.stderr()
    );
    assert!(r.stdout().contains("Too many open files"), "{}", r.stdout());
}

#[test]
fn a_failure_that_is_no_assertion_exits_3() {
    // stdout on a full disk: the run went through, but its summary cannot be
    // written — a broken run, not a performance verdict (1).
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let port = broker.port.to_string();
    let mut c = binary("sh", home.path());
    c.args(["-c", "exec \"$0\" \"$@\" > /dev/full", env!("CARGO_BIN_EXE_mqtt-bench")])
        .args(["pub", "-h", "127.0.0.1", "-p", &port, "-c", "1", "--count", "100"]);
    let r = run(c);
    assert_eq!(r.code(), 3, "{}", r.stderr());
    assert!(r.stderr().contains("No space left on device"), "{}", r.stderr());
}

#[test]
fn ifaddr_binds_clients_to_local_addresses_in_turn() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let args = [
        "conn",
        "-c",
        "4",
        "--ifaddr",
        "127.0.0.2,127.0.0.3",
        "--duration",
        "1s",
        "--quiet",
        "--json",
    ];
    let mut all: Vec<&str> = args.to_vec();
    all.push(json.to_str().unwrap());
    bench(&broker, home.path(), &all).expect_code(0);
    // mosquitto: "New connection from 127.0.0.2:PORT on port ..."
    let log = broker.log();
    for addr in ["127.0.0.2", "127.0.0.3"] {
        let from = format!("New connection from {addr}:");
        assert_eq!(log.matches(&from).count(), 2, "{addr}:\n{log}");
    }
    assert_eq!(
        report(&json).pointer("/config/ifaddrs"),
        Some(&serde_json::json!(["127.0.0.2", "127.0.0.3"]))
    );
    // Not an address; and -A (one address for all) with --ifaddr.
    for bad in [
        &["conn", "--ifaddr", "127.0.0.2,nope"][..],
        &["conn", "-A", "127.0.0.2", "--ifaddr", "127.0.0.3"],
    ] {
        let r = bench(&broker, home.path(), bad);
        r.expect_code(2);
        assert!(r.stderr().starts_with("Error: "), "{}", r.stderr());
    }
}

/// The sum of one field over the per-second series.
fn series_sum(r: &Value, field: &str) -> u64 {
    r["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| n(s, &format!("/{field}")))
        .sum()
}

#[test]
fn a_host_list_spreads_clients_over_brokers_in_turn() {
    let (a, b) = (Broker::anonymous(), Broker::anonymous());
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let hosts = format!("127.0.0.1:{},127.0.0.1:{}", a.port, b.port);
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.args([
        "pubsub", "-h", &hosts, "-c", "2", "-I", "hl-", "--count", "40", "--rate", "200",
    ])
    .args([
        "-t",
        "hl/%i",
        "--filter",
        "hl/%i",
        "--quiet",
        "--json",
        json.to_str().unwrap(),
    ]);
    run(c).expect_code(0);
    // Publishers first, then subscribers, in turn: pub-0 and sub-0 on the
    // first broker, pub-1 and sub-1 on the second.
    let connected = |broker: &Broker, id: &str| broker.log().contains(&format!(" as {id} "));
    for (broker, ids) in [(&a, ["hl-pub-0", "hl-sub-0"]), (&b, ["hl-pub-1", "hl-sub-1"])] {
        for id in ids {
            assert!(
                connected(broker, id),
                "{id} not on port {}:\n{}",
                broker.port,
                broker.log()
            );
        }
    }
    assert!(!connected(&a, "hl-pub-1") && !connected(&b, "hl-pub-0"));
    let r = report(&json);
    consistent(&r);
    assert_eq!(n(&r, "/delivery/unique"), 40);
    let (ta, tb) = (format!("127.0.0.1:{}", a.port), format!("127.0.0.1:{}", b.port));
    assert_eq!(r["config"]["hosts"], serde_json::json!([ta, tb]));
    for t in [&ta, &tb] {
        assert_eq!(
            n(&r["connections"]["brokers"][t], "/attempted"),
            2,
            "{:#}",
            r["connections"]
        );
        assert_eq!(n(&r["connections"]["brokers"][t], "/succeeded"), 2);
    }
    let clients = r["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 4);
    assert!(
        clients.contains(&serde_json::json!({"id": "hl-sub-1", "broker": tb})),
        "{clients:?}"
    );
    // One broker: no client list, one entry in connections.brokers.
    let one = home.path().join("one.json");
    bench(
        &a,
        home.path(),
        &[
            "conn",
            "-c",
            "2",
            "--duration",
            "1s",
            "--quiet",
            "--json",
            one.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let r = report(&one);
    assert!(r.get("clients").is_none() && r["config"].get("hosts").is_none());
    assert_eq!(n(&r["connections"]["brokers"][&ta], "/attempted"), 2);
    // A list with an empty entry or a bad port is a usage error.
    for bad in ["127.0.0.1,,127.0.0.2", "127.0.0.1,127.0.0.2:99999"] {
        let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
        c.args(["conn", "-h", bad]);
        let out = run(c);
        out.expect_code(2);
        assert!(out.stderr().contains("Invalid host list"), "{}", out.stderr());
    }
}

#[test]
fn connection_phases_are_timed_apart_and_asserted() {
    let broker = Broker::anonymous();
    let certs = crate::support::certs::Certs::make();
    let wss = crate::support::ws::WsBridge::start(
        broker.port,
        Some((&certs.path("server.pem"), &certs.path("server.key"))),
    );
    let home = tempfile::tempdir().unwrap();
    let (plain, secure) = (home.path().join("tcp.json"), home.path().join("wss.json"));
    bench(
        &broker,
        home.path(),
        &[
            "conn",
            "-c",
            "3",
            "--duration",
            "1s",
            "--quiet",
            "--json",
            plain.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let r = report(&plain);
    for h in ["connect", "connect_tcp", "connack"] {
        assert_eq!(n(&r["latency"][h], "/count"), 3, "{h}: {:#}", r["latency"]);
    }
    assert!(r["latency"].get("connect_tls").is_none() && r["latency"].get("connect_ws").is_none());
    // Over wss://: every layer has its own histogram, and each can be asserted.
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-bench"), home.path());
    c.args([
        "conn",
        "-h",
        "localhost",
        "-p",
        &wss.port.to_string(),
        "--ws",
        "-c",
        "3",
        "--duration",
        "1s",
    ])
    .args(["--cafile", certs.path("ca.pem").to_str().unwrap(), "--quiet"])
    .args([
        "--assert",
        "connect_tls_p99_ms<=20000",
        "--assert",
        "connect_ws_p99_ms<=20000",
    ])
    .args(["--assert", "connack_p50_us>0", "--json", secure.to_str().unwrap()]);
    run(c).expect_code(0);
    let r = report(&secure);
    for h in ["connect", "connect_tcp", "connect_tls", "connect_ws", "connack"] {
        assert_eq!(n(&r["latency"][h], "/count"), 3, "{h}: {:#}", r["latency"]);
    }
    // The whole connect is at least its parts (each rounded to 1 µs).
    let p = |h: &str| n(&r["latency"][h], "/min_us");
    assert!(p("connect") + 4 >= p("connect_tcp") + p("connect_tls") + p("connect_ws") + p("connack") - 4);
    // A phase that was not measured fails its assertion; a threshold nobody
    // meets fails with the measured value named.
    let out = bench(
        &broker,
        home.path(),
        &[
            "conn",
            "-c",
            "1",
            "--duration",
            "1s",
            "--assert",
            "connect_tls_p99_ms<=1000",
            "--assert",
            "connack_max_us<1",
        ],
    );
    out.expect_code(1);
    assert!(out.stdout().contains("connect_tls_p99_ms"), "{}", out.stdout());
    assert!(out.stdout().contains("connack_max_us"), "{}", out.stdout());
    // Unknown phase names are usage errors.
    bench(&broker, home.path(), &["conn", "--assert", "connect_quic_p99_ms<1"]).expect_code(2);
}

#[test]
fn a_reconnect_storm_is_measured() {
    let mut broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let clients = 40;
    let count = clients.to_string();
    let mut child = spawn_bench(
        &broker,
        &["conn", "-c", &count, "--duration", "6s", "-I", "storm-", "--seed", "3"],
        &json,
    );
    assert!(broker.wait_log_count("New client connected", clients, Duration::from_secs(20)));
    let down = Duration::from_millis(700);
    broker.restart(down);
    let out = crate::support::cmd::wait_or_kill(&mut child, Duration::from_secs(60));
    assert_eq!(out, Some(0));
    let r = report(&json);
    let c = &r["connections"];
    let lost: u64 = c["disconnects"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(lost, clients as u64, "{c:#}");
    assert_eq!(n(c, "/reconnects"), clients as u64, "{c:#}");
    // Every client came back: each one's time to reconnect is in the histogram.
    let rc = &r["latency"]["reconnect"];
    assert_eq!(n(rc, "/count"), clients as u64, "{:#}", r["latency"]);
    // The broker was away for the restart: nobody came back sooner; backoff
    // spread them (full jitter), so not all at once.
    assert!(n(rc, "/min_us") >= down.as_micros() as u64 / 2, "{rc:#}");
    assert!(n(rc, "/max_us") > n(rc, "/min_us"), "{rc:#}");
    assert_eq!(n(c, "/still_down"), 0);
    let all = c["all_reconnected_s"].as_f64().unwrap();
    assert!(all >= down.as_secs_f64() / 2.0 && all < 6.0, "{all}");
    let peak = n(c, "/peak_reconnect_rate");
    assert!(peak >= 1 && peak <= clients as u64, "{peak}");
    assert_eq!(series_sum(&r, "reconnects"), clients as u64, "{:#}", r["series"]);
    assert!(
        r["series"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| n(s, "/reconnects") == peak)
    );
}

/// Pixels of one colour (within 2 per channel) in an RGB(A) screenshot.
fn pixels_of(png: &[u8], width: usize, channels: usize, colour: &str) -> usize {
    let c = u32::from_str_radix(colour.trim_start_matches('#'), 16).unwrap();
    let want = [(c >> 16) as u8, (c >> 8) as u8, c as u8];
    png.chunks_exact(channels)
        .take(png.len() / channels / width * width)
        .filter(|p| (0..3).all(|i| p[i].abs_diff(want[i]) <= 2))
        .count()
}

#[test]
fn the_html_report_renders_in_chromium_with_every_chart_drawn() {
    let chromium = crate::support::broker::require("chromium");
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let html = home.path().join("report.html");
    // One assertion holds, one cannot: the page leads with FAIL.
    let r = bench(
        &broker,
        home.path(),
        &[
            "pubsub",
            "-c",
            "2",
            "-q",
            "1",
            "--rate",
            "400",
            "--duration",
            "2.5s",
            "--quiet",
            "--assert",
            "loss==0",
            "--assert",
            "p99_us<1",
            "--html",
            html.to_str().unwrap(),
        ],
    );
    r.expect_code(1);
    let page = std::fs::read_to_string(&html).unwrap();
    let banner = page.find("FAIL — 1 of 2 assertions failed").expect("the outcome first");
    assert!(
        banner < page.find("<svg").unwrap(),
        "the verdicts come before the charts"
    );
    assert!(page.contains("<code>p99_us&lt;1</code>"));
    // Headless Chromium renders the page; no console errors, and every
    // chart's lines are on the screenshot (each line has its own colour).
    let shot = home.path().join("shot.png");
    let profile = home.path().join("chromium-profile");
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(["--enable-logging=stderr", "--v=0", "--window-size=900,2800"])
    .arg(format!("--screenshot={}", shot.display()))
    .arg(format!("file://{}", html.display()))
    .env("HOME", home.path())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let done = crate::support::cmd::finish(c.spawn().unwrap());
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "chromium failed:\n{stderr}");
    for bad in ["CONSOLE", "Uncaught", "Failed to load"] {
        assert!(!stderr.contains(bad), "{bad}:\n{stderr}");
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    for (what, colour) in [
        ("the FAIL banner", "#c62828"),
        ("throughput: sent", "#9ecae1"),
        ("throughput: acknowledged", "#2ca02c"),
        ("throughput: received", "#d62728"),
        ("e2e per second: p50", "#9467bd"),
        ("e2e per second: p99", "#8c564b"),
        ("phases: TCP connect", "#ff7f0e"),
        ("phases: CONNECT → CONNACK", "#98df8a"),
        ("phases: whole connect", "#393b79"),
        ("latency by percentile", "#d6616b"),
    ] {
        // More than the legend's sample of the line: the line itself.
        let n = pixels_of(pixels, info.width as usize, channels, colour);
        assert!(n > 150, "{what} ({colour}): {n} pixels in {}", shot.display());
    }
}

#[test]
fn debug_lines_show_each_clients_packets_as_mosquitto_prints_them() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let out = bench(
        &broker,
        home.path(),
        &[
            "pubsub", "-c", "1", "-q", "1", "--count", "2", "--rate", "50", "-d", "-I", "dbg-", "--quiet",
        ],
    );
    out.expect_code(0);
    let stdout = out.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    for want in [
        "Client dbg-pub-0 sending CONNECT",
        "Client dbg-pub-0 received CONNACK (0)",
        "Client dbg-sub-0 sending SUBSCRIBE (Mid: 1, Topic: mqtt-bench/+, QoS: 1, Options: 0x00)",
        "Client dbg-sub-0 received SUBACK",
        "Client dbg-pub-0 sending PUBLISH (d0, q1, r0, m1, 'mqtt-bench/0', ... (64 bytes))",
        "Client dbg-pub-0 received PUBACK (Mid: 1, RC:0)",
        "Client dbg-pub-0 sending PUBLISH (d0, q1, r0, m2, 'mqtt-bench/0', ... (64 bytes))",
        "Client dbg-sub-0 received PUBLISH (d0, q1, r0, m1, 'mqtt-bench/0', ... (64 bytes))",
        "Client dbg-sub-0 sending PUBACK (m1, rc0)",
        "Client dbg-pub-0 sending DISCONNECT",
    ] {
        assert!(lines.contains(&want), "{want}:\n{stdout}");
    }
    // A message's line comes before the acknowledgement it gets.
    let at = |l: &str| lines.iter().position(|x| *x == l).unwrap();
    assert!(
        at("Client dbg-sub-0 received PUBLISH (d0, q1, r0, m1, 'mqtt-bench/0', ... (64 bytes))")
            < at("Client dbg-sub-0 sending PUBACK (m1, rc0)")
    );
}

#[test]
fn held_connections_keep_alive_with_pings() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let out = bench(
        &broker,
        home.path(),
        &[
            "conn",
            "-c",
            "1",
            "-k",
            "5",
            "--duration",
            "12s",
            "-d",
            "-I",
            "ka-",
            "--quiet",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    out.expect_code(0);
    let pings = out.stdout().matches("Client ka-conn-0 sending PINGREQ").count();
    let answers = out.stdout().matches("Client ka-conn-0 received PINGRESP").count();
    // One every 5 s for 12 s (the broker drops a client silent for 7.5 s).
    assert!(pings >= 2 && answers >= 2, "{}", out.stdout());
    let r = report(&json);
    assert!(
        r["connections"]["disconnects"].as_object().unwrap().is_empty(),
        "{:#}",
        r["connections"]
    );
}

#[test]
fn sparkplug_edge_nodes_are_born_send_data_and_answer_a_rebirth() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    // A host's view: every message decoded, names from the births, seq checked.
    let host = crate::support::Sub::mqtt_sub(&broker, home.path(), "spBv1.0/#", &["--decode", "sparkplug", "--json"]);
    let json = home.path().join("pub.json");
    let args = [
        "pub",
        "--sparkplug",
        "--sparkplug-devices",
        "2",
        "-c",
        "2",
        "--rate",
        "40",
        "--count",
        "1000000",
        "-I",
        "sp-",
    ];
    let mut child = spawn_bench(&broker, &args, &json);
    let commands = " spBv1.0/mqtt-bench/NCMD/edge-1";
    assert!(
        broker.wait_log_line(|l| l.ends_with(commands), Duration::from_secs(20)),
        "{}",
        broker.log()
    );
    assert!(broker.wait_log_line(|l| l.ends_with("Sending SUBACK to sp-pub-1"), Duration::from_secs(20)));
    let rebirth = r#"{"metrics": [{"name": "Node Control/Rebirth", "datatype": "Boolean", "value": true}]}"#;
    let mut ask = binary(env!("CARGO_BIN_EXE_mqtt-pub"), home.path());
    ask.args([
        "-t",
        "spBv1.0/mqtt-bench/NCMD/edge-1",
        "--encode",
        "sparkplug",
        "-m",
        rebirth,
    ])
    .args(broker.addr_args());
    run(ask).expect_code(0);
    // The second NBIRTH of edge-1 is the answer.
    let nbirth = "'spBv1.0/mqtt-bench/NBIRTH/edge-1'";
    let births = |l: &str| l.contains("Received PUBLISH from sp-pub-1") && l.contains(nbirth);
    assert!(
        broker.wait_log_count_by(births, 2, Duration::from_secs(20)),
        "{}",
        broker.log()
    );
    // And data goes on after it.
    let data = |l: &str| l.contains("Received PUBLISH from sp-pub-1") && l.contains("/DDATA/edge-1/");
    let so_far = broker.log().lines().filter(|l| data(l)).count();
    assert!(broker.wait_log_count_by(data, so_far + 3, Duration::from_secs(20)));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(
        crate::support::cmd::wait_or_kill(&mut child, Duration::from_secs(30)),
        Some(0)
    );
    // Each node says it leaves (NDEATH) before disconnecting.
    for edge in ["edge-0", "edge-1"] {
        let death = format!("'spBv1.0/mqtt-bench/NDEATH/{edge}'");
        let sent = |l: &str| l.contains(&format!("Sending PUBLISH to {}", host.id())) && l.contains(&death);
        assert!(
            broker.wait_log_count_by(sent, 1, Duration::from_secs(20)),
            "{}",
            broker.log()
        );
    }
    Command::new("kill")
        .args(["-TERM", &host.pid().to_string()])
        .status()
        .unwrap();
    let ended = host.finish(Duration::from_secs(30));
    assert_eq!(ended.code, Some(0));
    assert_eq!(ended.stderr, "", "births before data, seq without a gap, bdSeq matched");
    let lines: Vec<Value> = String::from_utf8(ended.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &'static str| {
        lines
            .iter()
            .filter(move |l| l["topic"].as_str().unwrap().contains(kind))
    };
    assert_eq!(of("/NBIRTH/edge-1").count(), 2);
    assert_eq!(of("/DBIRTH/edge-1/").count(), 4);
    assert_eq!(of("/NDEATH/").count(), 2);
    assert!(of("/DDATA/").count() > 4);
    for d in of("/DDATA/") {
        let m = &d["payload"]["metrics"][0];
        assert_eq!(m["name"], "mqtt-bench/header", "named from the DBIRTH: {d}");
        assert!(m.get("alias").is_some());
    }
    let r = report(&json);
    assert_eq!(n(&r, "/sparkplug/rebirths"), 1, "{:#}", r["sparkplug"]);
}

#[test]
fn sparkplug_subscribers_check_each_nodes_seq() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("r.json");
    let args = [
        "pubsub",
        "--sparkplug",
        "--sparkplug-devices",
        "3",
        "-c",
        "2",
        "--count",
        "600",
        "--rate",
        "600",
        "-q",
        "1",
        "--assert",
        "seq_gaps==0",
        "--assert",
        "lost==0",
    ];
    let r = bench(
        &broker,
        home.path(),
        &[&args[..], &["--json", json.to_str().unwrap()]].concat(),
    );
    r.expect_code(0);
    let rep = report(&json);
    consistent(&rep);
    assert_eq!(n(&rep, "/delivery/expected"), 1200);
    assert_eq!(n(&rep, "/delivery/foreign"), 0, "births and deaths are not foreign");
    assert_eq!(n(&rep, "/sparkplug/seq_gaps"), 0);
    assert!(n(&rep, "/sparkplug/births") > 0, "{:#}", rep["sparkplug"]);
    assert!(r.stdout().contains("seq gaps"), "{}", r.stdout());
    // --sparkplug takes its own topics and no retain.
    let r = bench(&broker, home.path(), &["pub", "--sparkplug", "-t", "x"]);
    r.expect_code(2);
    let r = bench(
        &broker,
        home.path(),
        &["pub", "--sparkplug", "--sparkplug-group", "a/b"],
    );
    r.expect_code(2);
    assert!(
        r.stderr().contains("--sparkplug-group must be one topic level"),
        "{}",
        r.stderr()
    );
}
