//! Publish-and-confirm: a producer hands messages to a [`Sink`] while this
//! loop polls the connection and counts confirmations — QoS 0 when written,
//! QoS 1 at PUBACK, QoS 2 at PUBCOMP (or a v5 PUBACK/PUBREC refusal). The
//! DISCONNECT is queued only when the producer is done and every message is
//! settled, so nothing queued is ever dropped (rumqttc-notes pitfalls 1–2).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::Write;
use std::rc::Rc;

use tokio::sync::Notify;

use super::codes::reason;
use super::{ConnError, Event, OutMessage, Publisher, Session};
use crate::settings::DisconnectProps;

#[derive(Default)]
struct State {
    /// Messages handed to the library.
    sent: Cell<u64>,
    /// Messages confirmed or refused by the broker.
    settled: Cell<u64>,
    rejected: Cell<u64>,
    first_reject_code: Cell<Option<u8>>,
    producer_done: Cell<bool>,
    disconnecting: Cell<bool>,
    progress: Notify,
    disconnect_props: RefCell<DisconnectProps>,
    producer_error: RefCell<Option<anyhow::Error>>,
}

impl State {
    /// Queue the DISCONNECT once all work is done, whoever notices first.
    fn maybe_finish(&self, publisher: &Publisher) {
        if self.producer_done.get()
            && self.settled.get() == self.sent.get()
            && !self.disconnecting.get()
        {
            self.disconnecting.set(true);
            // The control lane is separate from the request channel; it cannot be full.
            let _ = publisher.disconnect(&self.disconnect_props.borrow());
        }
    }
}

/// Where a producer puts messages.
pub struct Sink {
    publisher: Publisher,
    state: Rc<State>,
}

impl Sink {
    /// Hand one message to the connection (waits while the channel is full).
    pub async fn send(&self, m: OutMessage) -> anyhow::Result<()> {
        self.state.sent.set(self.state.sent.get() + 1);
        if let Err(e) = self.publisher.publish(m).await {
            self.state.sent.set(self.state.sent.get() - 1);
            return Err(e);
        }
        Ok(())
    }

    /// Wait until every message sent so far is confirmed (for `--repeat-delay`).
    pub async fn settled(&self) {
        while self.state.settled.get() < self.state.sent.get() {
            self.state.progress.notified().await;
        }
    }

    /// Messages confirmed so far.
    pub fn confirmed(&self) -> u64 {
        self.state.settled.get() - self.state.rejected.get()
    }
}

/// How a delivery ended.
#[derive(Debug)]
pub struct Delivery {
    pub sent: u64,
    pub confirmed: u64,
    pub rejected: u64,
    /// The reason code of the first refused message (v5).
    pub first_reject_code: Option<u8>,
    /// Set when the connection ended before the work did.
    pub lost: Option<ConnError>,
    /// Whether the producer had read all its input when the run ended.
    pub producer_finished: bool,
    /// The producer's own error (bad input line, unreadable file, ...).
    pub producer_error: Option<anyhow::Error>,
}

/// Run `producer` against a connected session until everything it sent is
/// settled and the DISCONNECT is written, or the connection is lost.
pub async fn deliver<F, Fut>(
    mut session: Session,
    disconnect: DisconnectProps,
    quiet: bool,
    producer: F,
) -> Delivery
where
    F: FnOnce(Sink) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let state = Rc::new(State {
        disconnect_props: RefCell::new(disconnect),
        ..State::default()
    });
    let publisher = session.publisher.clone();

    let produce = async {
        let sink = Sink {
            publisher: publisher.clone(),
            state: state.clone(),
        };
        if let Err(e) = producer(sink).await {
            *state.producer_error.borrow_mut() = Some(e);
        }
        state.producer_done.set(true);
        state.maybe_finish(&publisher);
    };
    let poll = poll_loop(&mut session, &state, quiet);
    tokio::pin!(produce);
    tokio::pin!(poll);
    let lost = tokio::select! {
        lost = &mut poll => lost,
        () = &mut produce => poll.await,
    };
    let rejected = state.rejected.get();
    Delivery {
        sent: state.sent.get(),
        confirmed: state.settled.get() - rejected,
        rejected,
        first_reject_code: state.first_reject_code.get(),
        lost,
        producer_finished: state.producer_done.get(),
        producer_error: state.producer_error.take(),
    }
}

/// Poll until the DISCONNECT is written (`None`) or the connection fails.
async fn poll_loop(session: &mut Session, state: &State, quiet: bool) -> Option<ConnError> {
    loop {
        let ev = match session.poll().await {
            Ok(ev) => ev,
            Err(e) => {
                let all_done = state.producer_done.get() && state.settled.get() == state.sent.get();
                return if all_done { None } else { Some(e) };
            }
        };
        let refused = match ev {
            Event::PublishSent { pkid: 0 } | Event::PubComp { .. } => None,
            Event::PubAck {
                pkid,
                reason,
                reason_string,
            }
            | Event::PubRec {
                pkid,
                reason,
                reason_string,
            } if reason >= 0x80 => Some((pkid, reason, reason_string)),
            Event::PubAck { .. } => None,
            Event::DisconnectSent => return None,
            _ => continue,
        };
        if let Some((pkid, code, text)) = refused {
            state.rejected.set(state.rejected.get() + 1);
            if state.first_reject_code.get().is_none() {
                state.first_reject_code.set(Some(code));
            }
            if !quiet {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "Warning: Publish {pkid} failed: {}.", reason(code));
                if let Some(t) = text {
                    let _ = writeln!(err, "{t}");
                }
            }
        }
        state.settled.set(state.settled.get() + 1);
        state.progress.notify_waiters();
        state.maybe_finish(&session.publisher);
    }
}
