//! The oracle: `mosquitto_sub`, started and known to be subscribed (the
//! broker has logged its SUBSCRIBE) before the test publishes.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::broker::{Broker, require};

static NEXT: AtomicU32 = AtomicU32::new(1);

pub struct Sub {
    child: Child,
    reader: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Sub {
    /// `mosquitto_sub -t TOPIC` plus `args`, on `broker`. Returns once subscribed.
    pub fn start(broker: &Broker, topic: &str, args: &[&str]) -> Sub {
        let id = format!("oracle-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut child = Command::new(require("mosquitto_sub"))
            .args(broker.addr_args())
            .args(["-i", &id, "-t", topic])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mosquitto_sub");
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            buf
        });
        // The broker logs "<time>: <id> <qos> <topic>" for each subscription.
        let needle = format!(": {id} ");
        let tail = format!(" {topic}");
        assert!(
            broker.wait_log_line(|l| l.contains(&needle) && l.ends_with(&tail), Duration::from_secs(10)),
            "mosquitto_sub did not subscribe:\n{}",
            broker.log()
        );
        // The log line is written as the SUBSCRIBE is handled; give the broker a moment.
        std::thread::sleep(Duration::from_millis(50));
        Sub {
            child,
            reader: Some(reader),
        }
    }

    /// Wait (up to `timeout`) for the subscriber to exit, then return its stdout.
    pub fn output(mut self, timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.reader.take().unwrap().join().unwrap()
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
