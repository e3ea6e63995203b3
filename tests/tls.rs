//! TLS against real mosquitto TLS listeners, with certificates made at test
//! time: verification, client certificates, host names, --insecure, and the
//! errors for what is wrong or unsupported.

use std::time::Duration;

use crate::support::certs::Certs;
use crate::support::{Broker, BrokerConfig, Sub, cmd, hex, mqtt_pub};

const WAIT: Duration = Duration::from_secs(20);

fn tls_broker(certs: &Certs, leaf: &str, require_client: bool) -> Broker {
    Broker::start(BrokerConfig {
        tls: Some((
            certs.path("ca.pem"),
            certs.path(&format!("{leaf}.pem")),
            certs.path(&format!("{leaf}.key")),
            require_client,
        )),
        ..Default::default()
    })
}

fn run_pub(home: &std::path::Path, host: &str, broker: &Broker, extra: &[&str]) -> cmd::Run {
    let port = broker.port.to_string();
    let args: Vec<&str> = ["-h", host, "-p", &port, "-t", "tls/t", "-m", "x", "-q", "1"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    cmd::run(mqtt_pub(home, &args))
}

#[test]
fn a_binary_payload_crosses_a_tls_listener_byte_exact() {
    let certs = Certs::make();
    let broker = tls_broker(&certs, "server", false);
    let home = tempfile::tempdir().unwrap();
    let ca = certs.path("ca.pem");
    let ca = ca.to_str().unwrap();
    let payload: Vec<u8> = (0..=255u8).collect();
    let file = home.path().join("bin");
    std::fs::write(&file, &payload).unwrap();
    // The subscriber under test connects by name, over TLS 1.2.
    let broker_by_name = &broker;
    let sub = Sub::mqtt_sub(
        broker_by_name,
        home.path(),
        "tls/bin",
        &[
            "-h",
            "localhost",
            "--cafile",
            ca,
            "-q",
            "1",
            "-C",
            "1",
            "-F",
            "%x",
            "--tls-version",
            "tlsv1.2",
        ],
    );
    let port = broker.port.to_string();
    let url = format!("mqtts://127.0.0.1:{port}/tls/bin");
    let r = cmd::run(mqtt_pub(
        home.path(),
        &["-L", &url, "--cafile", ca, "-f", file.to_str().unwrap(), "-q", "1"],
    ));
    r.expect_code(0);
    assert_eq!(sub.text(WAIT), format!("{}\n", hex(&payload)));
}

#[test]
fn verification_failures_exit_8_and_say_which_check_failed() {
    let certs = Certs::make();
    let home = tempfile::tempdir().unwrap();
    let (ca, other) = (certs.path("ca.pem"), certs.path("other-ca.pem"));
    let (ca, other) = (ca.to_str().unwrap(), other.to_str().unwrap());

    let broker = tls_broker(&certs, "server", false);
    let r = run_pub(home.path(), "127.0.0.1", &broker, &["--cafile", other]);
    r.expect_code(8);
    assert!(r.stderr().contains("not signed by a trusted CA"), "{}", r.stderr());
    // Plain MQTT to the TLS port.
    let r = run_pub(home.path(), "127.0.0.1", &broker, &[]);
    r.expect_code(1);

    let wrong = tls_broker(&certs, "wrong", false);
    let r = run_pub(home.path(), "127.0.0.1", &wrong, &["--cafile", ca]);
    r.expect_code(8);
    assert!(r.stderr().contains("not valid for this host name"), "{}", r.stderr());
    // --insecure connects where verification fails, and says so.
    let r = run_pub(home.path(), "127.0.0.1", &wrong, &["--cafile", ca, "--insecure"]);
    r.expect_code(0);
    assert!(r.stderr().contains("--insecure"), "{}", r.stderr());

    // TLS to a plain listener.
    let plain = Broker::anonymous();
    let r = run_pub(home.path(), "127.0.0.1", &plain, &["--cafile", ca]);
    r.expect_code(8);
    assert!(r.stderr().contains("A TLS error occurred"), "{}", r.stderr());
    assert!(r.stderr().contains("(is this a TLS port?)"), "{}", r.stderr());
}

#[test]
fn client_certificates_for_a_listener_that_requires_them() {
    let certs = Certs::make();
    let home = tempfile::tempdir().unwrap();
    let broker = tls_broker(&certs, "server", true);
    let ca = certs.path("ca.pem");
    let (cert, key) = (certs.path("client.pem"), certs.path("client.key"));
    let ca = ca.to_str().unwrap();
    let r = run_pub(home.path(), "localhost", &broker, &["--cafile", ca]);
    r.expect_code(8);
    assert!(r.stderr().contains("client certificate"), "{}", r.stderr());
    let r = run_pub(
        home.path(),
        "localhost",
        &broker,
        &[
            "--cafile",
            ca,
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    r.expect_code(0);
}

#[test]
fn unsupported_and_inconsistent_options_are_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--psk", "abcd", "--psk-identity", "me"],
            "Error: TLS-PSK (--psk) is not supported",
        ),
        (
            &["--keyform", "engine", "--key", "k", "--cert", "c"],
            "Error: --keyform engine is not supported",
        ),
        (
            &["--tls-engine", "pkcs11"],
            "Error: --tls-engine pkcs11 is not supported",
        ),
        (&["--ciphers", "HIGH"], "Error: --ciphers is not supported"),
        (
            &["--cert", "c.pem"],
            "Error: Both certfile and keyfile must be provided if one of them is set.",
        ),
        (
            &["--cafile", "/nonexistent/ca.pem"],
            "Error: Problem setting TLS options: File not found",
        ),
        (
            &["--cafile", "/dev/null", "--tls-version", "tlsv9"],
            "Error: Problem setting TLS options, check the options are valid.",
        ),
        (
            &["--cafile", "/dev/null", "--tls-version", "tlsv1.1"],
            "Error: TLS versions before 1.2 are not supported",
        ),
    ];
    for (extra, want) in cases {
        let args: Vec<&str> = ["-t", "a", "-m", "x"].iter().chain(extra.iter()).copied().collect();
        let r = cmd::run(mqtt_pub(home.path(), &args));
        assert_eq!(r.code(), 1, "{extra:?}: {}", r.stderr());
        assert!(r.stderr().starts_with(want), "{extra:?}: {:?}", r.stderr());
    }
    // A CA file that holds no certificate: a setup error, exit 1.
    let r = cmd::run(mqtt_pub(
        home.path(),
        &["-p", "1", "-t", "a", "-m", "x", "--cafile", "/dev/null"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr()
            .starts_with("Error: Problem setting TLS options: /dev/null holds no PEM certificate"),
        "{}",
        r.stderr()
    );
}

#[test]
fn expired_certificates_and_capath() {
    let certs = Certs::make();
    let home = tempfile::tempdir().unwrap();
    let ca = certs.path("ca.pem");
    let expired = tls_broker(&certs, "expired", false);
    let r = run_pub(home.path(), "127.0.0.1", &expired, &["--cafile", ca.to_str().unwrap()]);
    r.expect_code(8);
    assert!(r.stderr().contains("has expired"), "{}", r.stderr());
    // --capath: every PEM file of a directory is trusted.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&ca, dir.path().join("mine.pem")).unwrap();
    std::fs::copy(certs.path("other-ca.pem"), dir.path().join("other.pem")).unwrap();
    let good = tls_broker(&certs, "server", false);
    run_pub(
        home.path(),
        "localhost",
        &good,
        &["--capath", dir.path().to_str().unwrap()],
    )
    .expect_code(0);
}

#[test]
fn binary_payloads_over_mutual_tls_unix_sockets_and_ipv6() {
    let certs = Certs::make();
    let home = tempfile::tempdir().unwrap();
    let payload: Vec<u8> = vec![0, 0xff, 0x10, b'\n', 0x80, 0];
    let file = home.path().join("bin");
    std::fs::write(&file, &payload).unwrap();
    let f = file.to_str().unwrap();
    let (ca, cert, key) = (certs.path("ca.pem"), certs.path("client.pem"), certs.path("client.key"));
    let mtls: Vec<&str> = vec![
        "--cafile",
        ca.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];

    // Mutual TLS: both ends present the client certificate.
    let broker = tls_broker(&certs, "server", true);
    let sub_args: Vec<&str> = mtls
        .iter()
        .copied()
        .chain(["-h", "localhost", "-q", "1", "-C", "1", "-F", "%x"])
        .collect();
    let sub = Sub::mqtt_sub(&broker, home.path(), "m/t", &sub_args);
    let port = broker.port.to_string();
    let pub_args: Vec<&str> = mtls
        .iter()
        .copied()
        .chain(["-h", "localhost", "-p", &port, "-t", "m/t", "-f", f, "-q", "1"])
        .collect();
    cmd::run(mqtt_pub(home.path(), &pub_args)).expect_code(0);
    assert_eq!(sub.text(WAIT), format!("{}\n", hex(&payload)));

    // A unix socket, and IPv6 (-h ::1 and an [::1] URL).
    let p6 = crate::support::broker::free_port();
    let broker = Broker::start(BrokerConfig {
        unix_socket: true,
        ipv6_port: Some(p6),
        ..Default::default()
    });
    let sock = broker.socket();
    let sock = sock.to_str().unwrap();
    let p6 = p6.to_string();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "u/t",
        &["--unix", sock, "-q", "1", "-C", "2", "-F", "%x"],
    );
    cmd::run(mqtt_pub(
        home.path(),
        &["-h", "::1", "-p", &p6, "-t", "u/t", "-f", f, "-q", "1"],
    ))
    .expect_code(0);
    let url = format!("mqtt://[::1]:{p6}/u/t");
    cmd::run(mqtt_pub(home.path(), &["-L", &url, "-f", f, "-q", "1"])).expect_code(0);
    assert_eq!(sub.text(WAIT), format!("{0}\n{0}\n", hex(&payload)));
}

#[test]
fn os_certificate_store_and_the_default_tls_port() {
    let certs = Certs::make();
    let home = tempfile::tempdir().unwrap();
    let broker = tls_broker(&certs, "server", false);
    let ca = certs.path("ca.pem");
    // The "OS store" here is SSL_CERT_FILE, which rustls-native-certs honours.
    let port = broker.port.to_string();
    let mut c = mqtt_pub(
        home.path(),
        &[
            "-h",
            "localhost",
            "-p",
            &port,
            "--tls-use-os-certs",
            "-t",
            "t",
            "-m",
            "x",
        ],
    );
    c.env("SSL_CERT_FILE", &ca);
    cmd::run(c).expect_code(0);
    let url = format!("mqtts://localhost:{port}/t");
    let mut c = mqtt_pub(home.path(), &["-L", &url, "-m", "x"]);
    c.env("SSL_CERT_FILE", &ca);
    cmd::run(c).expect_code(0);
    // With TLS and no -p, the port is 8883 (nothing listens there in the tests).
    let r = cmd::run(mqtt_pub(
        home.path(),
        &[
            "-h",
            "127.0.0.1",
            "--cafile",
            ca.to_str().unwrap(),
            "-t",
            "t",
            "-m",
            "x",
        ],
    ));
    assert!(r.stderr().contains("127.0.0.1:8883"), "{}", r.stderr());
}

#[test]
fn tls_inside_a_proxy_tunnel_verifies_the_broker_by_name() {
    use crate::support::proxy::{Kind, Proxy};
    let certs = Certs::make();
    let broker = tls_broker(&certs, "server", false);
    let home = tempfile::tempdir().unwrap();
    let ca = certs.path("ca.pem");
    let ca = ca.to_str().unwrap();
    for kind in [Kind::Socks5, Kind::Http] {
        let proxy = Proxy::start(kind, None);
        let url = proxy.url(kind, "");
        run_pub(home.path(), "localhost", &broker, &["--cafile", ca, "--proxy", &url]).expect_code(0);
        // The proxy was given the name (socks5h: it resolves it), and TLS checked that name.
        assert_eq!(proxy.targets(), [format!("localhost:{}", broker.port)]);
    }
}
