//! `--exec COMMAND`: one `sh -c COMMAND` per message, in order, one at a
//! time, on a worker thread so the connection keeps being served while a
//! command runs. The payload is the command's stdin; `MQTT_TOPIC`,
//! `MQTT_QOS` and `MQTT_RETAIN` are in its environment.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use bytes::Bytes;

use crate::mqtt::Message;

struct Job {
    topic: String,
    payload: Bytes,
    qos: u8,
    retain: bool,
}

/// The worker and its queue.
pub struct Exec {
    tx: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
}

impl Exec {
    pub fn start(command: String) -> Exec {
        let (tx, rx) = mpsc::channel::<Job>();
        let worker = std::thread::spawn(move || {
            for job in rx {
                if let Err(e) = run(&command, &job) {
                    crate::exit::diag(format_args!("Error: --exec for a message on {}: {e}", job.topic));
                }
            }
        });
        Exec {
            tx: Some(tx),
            worker: Some(worker),
        }
    }

    /// Queue the command for `m`.
    pub fn message(&self, m: &Message) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job {
                topic: m.topic_str().into_owned(),
                payload: m.payload.clone(),
                qos: m.qos as u8,
                retain: m.retain,
            });
        }
    }

    /// Wait for every queued command to finish.
    pub fn finish(&mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn run(command: &str, job: &Job) -> Result<(), String> {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .env("MQTT_TOPIC", &job.topic)
        .env("MQTT_QOS", job.qos.to_string())
        .env("MQTT_RETAIN", u8::from(job.retain).to_string())
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is fine.
        let _ = stdin.write_all(&job.payload);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the command failed ({status})"))
    }
}
