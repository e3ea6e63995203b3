//! mqtt-pub: payload sources (`-m -f -s -l -n`, `--jsonl`, `--replay`),
//! repetition and pacing (`--rate`, a replay's captured times), on top of the client's publish-and-confirm loop; then the exit
//! code: 0 only when every message was confirmed.

mod deliver;
mod input;
mod interrupt;
pub(crate) mod jsonl;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use crate::client::Connection;
use crate::exit::{self, Exit, Program};
use crate::mqtt::OutMessage;
use crate::settings::{PubSettings, SessionOptions, Source};
use deliver::{Delivered, Sink, deliver};

/// Entry point of `mqtt-pub`.
pub fn run(settings: PubSettings, _program: &Program) -> anyhow::Result<()> {
    let payload = read_payload(&settings.source)?
        .map(|p| input::encoded(settings.encode.as_ref(), p, source_name(&settings.source)))
        .transpose()?;
    if let Source::Replay(path) = &settings.source
        && path.as_os_str() != "-"
    {
        input::check_replay(path, line_kind(&settings), line_defaults(&settings))?;
    }
    exit::status(crate::runtime(1)?.block_on(publish(settings, payload))?)
}

/// What the single payload came from, for an error's words.
fn source_name(source: &Source) -> &'static str {
    match source {
        Source::Message(_) => "-m",
        Source::File(_) => "-f",
        _ => "stdin",
    }
}

/// A single payload (`-m -f -s -n`), loaded before connecting as mosquitto
/// does, so a missing file never costs a connection; `None` for line input.
pub fn read_payload(source: &Source) -> anyhow::Result<Option<Bytes>> {
    Ok(match source {
        Source::Message(m) => Some(Bytes::from(m.clone())),
        Source::Null => Some(Bytes::new()),
        Source::File(path) => Some(input::read_file(path)?),
        Source::Stdin => Some(input::read_stdin()?),
        Source::Lines | Source::JsonLines | Source::Replay(_) => None,
    })
}

/// How each line of the input becomes a message.
fn line_kind(s: &PubSettings) -> input::LineKind {
    match s.source {
        Source::Replay(_) => input::LineKind::Replay(s.speed),
        Source::JsonLines => input::LineKind::Json,
        _ => input::LineKind::Raw,
    }
}

/// What a line leaves out comes from the command line.
fn line_defaults(s: &PubSettings) -> jsonl::Defaults {
    jsonl::Defaults {
        topic: s.topic.clone(),
        qos: s.qos,
        retain: s.retain,
        props: publish_props(s),
        protocol: s.conn.protocol,
        encode: s.encode.clone(),
    }
}

/// `-D publish ...`, when any were given.
fn publish_props(s: &PubSettings) -> Option<Box<crate::mqtt::PublishProps>> {
    (!s.conn.props.publish.is_default()).then(|| Box::new(s.conn.props.publish.clone()))
}

async fn publish(s: PubSettings, payload: Option<Bytes>) -> anyhow::Result<Exit> {
    // Line input can be interrupted cleanly; single messages keep the
    // default action of the signals, as in mosquitto_pub.
    let mut signals = match payload {
        None => Some(crate::signals::Signals::new()?),
        Some(_) => None,
    };
    let connect = Connection::start(&s.conn, SessionOptions::default());
    let connected = match &mut signals {
        None => connect.await,
        Some(signals) => tokio::select! {
            r = connect => r,
            signo = signals.recv() => return Ok(interrupt::before_connecting(signo)),
        },
    };
    let conn = match connected {
        Ok(conn) => conn,
        Err(f) => {
            exit::diag(format_args!("{}", f.text()));
            return Ok(f.exit);
        }
    };
    let disconnect = s.conn.props.disconnect.clone();
    let interrupted = Rc::new(Cell::new(None));
    let seen = interrupted.clone();
    let delivery = deliver(conn, disconnect, |sink| produce(s, payload, sink, signals, seen)).await;
    if let Some((signo, all_read)) = interrupted.get() {
        return Ok(interrupt::finish(&delivery, signo, all_read));
    }
    finish(delivery)
}

/// Feed the sink from the configured source.
async fn produce(
    s: PubSettings,
    payload: Option<Bytes>,
    sink: Sink,
    signals: Option<crate::signals::Signals>,
    interrupted: Rc<Cell<Option<(i32, bool)>>>,
) -> anyhow::Result<()> {
    let mut pace = Pace::new(s.rate);
    if let Some(payload) = payload {
        let topic = s.topic.clone().expect("settings require a topic for single messages");
        let props = publish_props(&s);
        for i in 0..s.repeat {
            pace.wait(None).await;
            let m = OutMessage {
                topic: topic.clone(),
                payload: payload.clone(),
                qos: s.qos,
                retain: s.retain,
                props: props.clone(),
            };
            sink.send(m).await?;
            if !s.repeat_delay.is_zero() && i + 1 < s.repeat {
                sink.settled().await;
                tokio::time::sleep(s.repeat_delay).await;
            }
        }
        return Ok(());
    }
    let from = match &s.source {
        Source::Replay(path) if path.as_os_str() != "-" => input::LineInput::File(path.clone()),
        _ => input::LineInput::Stdin,
    };
    let mut lines = input::spawn_reader(from, line_kind(&s), line_defaults(&s));
    let mut signals = signals.expect("line input catches signals");
    let (signo, all_read) = 'input: loop {
        // Input first: when the input has ended as a signal arrives, the
        // report says so (a random pick made it depend on timing).
        let batch = tokio::select! {
            biased;
            batch = lines.recv() => batch,
            signo = signals.recv() => break 'input (signo, false),
        };
        let Some(batch) = batch else {
            // All input sent: wait for its confirmations here, where a
            // signal is still heard.
            tokio::select! {
                () = sink.settled() => return Ok(()),
                signo = signals.recv() => break 'input (signo, true),
            }
        };
        for line in batch? {
            let sent = async {
                pace.wait(line.due).await;
                sink.send(line.message).await
            };
            tokio::select! {
                r = sent => r?,
                signo = signals.recv() => break 'input (signo, false),
            }
        }
    };
    interrupted.set(Some((signo, all_read)));
    // Stop reading; give what was sent a bounded chance to be confirmed.
    tokio::select! {
        () = sink.settled() => {}
        () = tokio::time::sleep(interrupt::GRACE) => sink.abandon(),
        _ = signals.recv() => sink.abandon(),
    }
    Ok(())
}

/// `--rate`: message i goes out at start + i/rate, so pauses do not drift;
/// a replay's message at start + its `due`, for the same reason.
struct Pace {
    interval: Option<Duration>,
    next: Option<Instant>,
    start: Option<Instant>,
}

impl Pace {
    fn new(rate: Option<f64>) -> Self {
        Pace {
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            next: None,
            start: None,
        }
    }

    async fn wait(&mut self, due: Option<Duration>) {
        if let Some(due) = due {
            let start = *self.start.get_or_insert_with(Instant::now);
            tokio::time::sleep_until(start + due).await;
            return;
        }
        let Some(interval) = self.interval else {
            return;
        };
        let now = Instant::now();
        let due = *self.next.get_or_insert(now);
        if due > now {
            tokio::time::sleep_until(due).await;
        }
        self.next = Some(due + interval);
    }
}

/// The exit code for a finished delivery, with its messages.
fn finish(d: Delivered) -> anyhow::Result<Exit> {
    if let Some(err) = &d.lost {
        let unconfirmed = d.sent - d.confirmed - d.rejected - d.failed;
        let rest = if d.producer_finished {
            ""
        } else {
            "; the rest of the input was not sent"
        };
        exit::diag(format_args!("Error: The connection was lost ({err})."));
        exit::diag(format_args!(
            "Error: {} of {} messages confirmed, {unconfirmed} unconfirmed{rest}.",
            d.confirmed, d.sent
        ));
        return Ok(Exit::ConnLost);
    }
    if let Some(err) = d.producer_error {
        return Err(exit::error(
            Exit::Error,
            format!(
                "{err:#}\nError: {} of {} messages confirmed before the error.",
                d.confirmed, d.sent
            ),
        ));
    }
    if let Some(why) = &d.first_failure {
        exit::diag(format_args!(
            "Error: {} of {} messages were dropped by the client ({why}).",
            d.failed, d.sent
        ));
        return Ok(Exit::ConnLost);
    }
    if let Some(code) = d.first_reject_code {
        exit::diag(format_args!(
            "Error: {} of {} messages were refused by the broker.",
            d.rejected, d.sent
        ));
        return Ok(Exit::Refused(code));
    }
    Ok(Exit::Ok)
}
