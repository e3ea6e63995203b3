//! A subscriber process — the `mosquitto_sub` oracle, or `mqtt-sub` itself
//! under test — started and known to be subscribed (the broker has logged
//! its SUBSCRIBE) before the test publishes.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::broker::{Broker, require};

static NEXT: AtomicU32 = AtomicU32::new(1);

pub struct Sub {
    child: Child,
    pub id: String,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

/// How a subscriber ended.
pub struct Ended {
    /// `None` when it had to be killed at the timeout.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

impl Sub {
    /// `mosquitto_sub -t TOPIC` plus `args`, on `broker`. Returns once subscribed.
    pub fn start(broker: &Broker, topic: &str, args: &[&str]) -> Sub {
        Sub::start_program(&require("mosquitto_sub"), broker, topic, args, None)
    }

    /// `mqtt-sub -t TOPIC` plus `args` (HOME set to `home`). Returns once subscribed.
    pub fn mqtt_sub(broker: &Broker, home: &Path, topic: &str, args: &[&str]) -> Sub {
        Sub::start_program(
            Path::new(env!("CARGO_BIN_EXE_mqtt-sub")),
            broker,
            topic,
            args,
            Some(home),
        )
    }

    fn start_program(program: &Path, broker: &Broker, topic: &str, args: &[&str], home: Option<&Path>) -> Sub {
        let id = args
            .windows(2)
            .find(|w| w[0] == "-i")
            .map(|w| w[1].to_string())
            .unwrap_or_else(|| format!("sub-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let mut c = Command::new(program);
        if let Some(h) = home {
            c.env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", h)
                .env("TZ", "UTC");
        }
        c.args(broker.addr_args()).args(["-t", topic]).args(args);
        if !args.contains(&"-i") {
            c.args(["-i", &id]);
        }
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start subscriber");
        let stdout = drain(child.stdout.take().unwrap());
        let stderr = drain(child.stderr.take().unwrap());
        // The broker logs "<time>: <id> <qos> <topic>" for each subscription.
        let needle = format!(": {id} ");
        let tail = format!(" {topic}");
        assert!(
            broker.wait_log_line(|l| l.contains(&needle) && l.ends_with(&tail), Duration::from_secs(10)),
            "the subscriber did not subscribe:\n{}",
            broker.log()
        );
        // The subscription is in place once the broker has answered it.
        let suback = format!("Sending SUBACK to {id}");
        assert!(
            broker.wait_log_line(|l| l.ends_with(&suback), Duration::from_secs(10)),
            "the broker did not acknowledge the subscription:\n{}",
            broker.log()
        );
        Sub {
            child,
            id,
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// The process id (for signals).
    /// The client id it connected with.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait (up to `timeout`) for the subscriber to exit; kill it at the timeout.
    pub fn finish(mut self, timeout: Duration) -> Ended {
        let code = super::cmd::wait_or_kill(&mut self.child, timeout);
        Ended {
            code,
            stdout: self.stdout.take().unwrap().join().unwrap(),
            stderr: String::from_utf8_lossy(&self.stderr.take().unwrap().join().unwrap()).into_owned(),
        }
    }

    /// Wait for the subscriber to exit, then return its stdout.
    pub fn output(self, timeout: Duration) -> Vec<u8> {
        self.finish(timeout).stdout
    }

    /// Stdout as text.
    pub fn text(self, timeout: Duration) -> String {
        String::from_utf8_lossy(&self.output(timeout)).into_owned()
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
