//! `-l`: one message per line, pipelined, and the 200,000-line runs that
//! mosquitto_pub 2.0.11 loses (it delivered ~3,400 and exited 0).

use std::time::{Duration, Instant};

use crate::support::{Broker, Sub, cmd, pub_on};

#[test]
fn lines_keep_cr_and_empty_lines_and_the_last_unterminated_line() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "lines", &["-C", "4", "-q", "1", "-F", "%l:%x"]);
    let mut c = pub_on(&broker, home.path(), &["-t", "lines", "-l", "-q", "1"]);
    c.write_stdin(&b"one\n\ntwo\r\nlast"[..]);
    cmd::run(c).expect_code(0);
    assert_eq!(
        sub.text(Duration::from_secs(20)),
        "3:6f6e65\n0:\n4:74776f0d\n4:6c617374\n"
    );
}

#[test]
fn empty_input_connects_and_disconnects() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let mut c = pub_on(&broker, home.path(), &["-t", "nothing", "-l", "-q", "1"]);
    c.write_stdin(&b""[..]);
    cmd::run(c).expect_code(0);
}

#[test]
fn rate_paces_lines_on_a_schedule() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "paced", &["-C", "5", "-F", "%p"]);
    let mut c = pub_on(&broker, home.path(), &["-t", "paced", "-l", "--rate", "20"]);
    c.write_stdin("1\n2\n3\n4\n5\n");
    let start = Instant::now();
    cmd::run(c).expect_code(0);
    // Five messages at 20/s: the fifth is due 200 ms after the first.
    assert!(start.elapsed() >= Duration::from_millis(200), "{:?}", start.elapsed());
    assert_eq!(sub.text(Duration::from_secs(20)), "1\n2\n3\n4\n5\n");
}

fn many_lines(n: usize, qos: &str, extra: &[&str]) {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let input: String = (1..=n).map(|i| format!("{i}\n")).collect();
    let sub = Sub::start(&broker, "many", &["-C", &n.to_string(), "-q", qos]);
    let rest: Vec<&str> = ["-t", "many", "-l", "-q", qos].iter().chain(extra).copied().collect();
    let mut c = pub_on(&broker, home.path(), &rest);
    c.write_stdin(input.clone());
    cmd::run(c).expect_code(0);
    let got = sub.text(Duration::from_secs(180));
    assert_eq!(got.lines().count(), n, "messages received");
    assert!(got == input, "messages differ from the input lines (order or content)");
}

#[test]
fn two_hundred_thousand_lines_at_qos1_all_arrive() {
    many_lines(200_000, "1", &[]);
}

#[test]
fn two_hundred_thousand_lines_at_qos2_all_arrive() {
    many_lines(200_000, "2", &[]);
}

#[test]
fn twenty_thousand_lines_over_mqtt5_at_qos2_all_arrive() {
    many_lines(20_000, "2", &["-V", "5"]);
}
