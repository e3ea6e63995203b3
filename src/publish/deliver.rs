//! Publish-and-confirm: a producer hands messages to a [`Sink`] while the
//! connection is polled and every message is settled by its event — QoS 0
//! when written, QoS 1 at PUBACK, QoS 2 at PUBCOMP, or refused by an MQTT 5
//! PUBACK/PUBREC with a reason code of 0x80 or more. The DISCONNECT is
//! queued only when the producer is done and every message is settled, so
//! nothing queued is ever dropped, and the broker is given the time to
//! close before we do.
//!
//! QoS 1 and 2 messages wait in the connection's queue while its in-flight
//! window is full ([`Outbox`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use tokio::sync::Notify;

use crate::client::{ConnError, Connection, Event, Outbox, Retry};
use crate::exit::diag;
use crate::mqtt::{DisconnectProps, OutMessage, reason};

/// How one publish ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Settlement {
    /// Written (QoS 0), PUBACK (QoS 1) or PUBCOMP (QoS 2).
    Confirmed,
    /// A v5 PUBACK/PUBREC with a reason code of 0x80 or more.
    Refused { pkid: u16, code: u8, text: Option<String> },
    /// It could not be sent (it does not encode).
    Failed(String),
}

#[derive(Default)]
struct Ledger {
    /// Messages handed to the connection.
    sent: Cell<u64>,
    /// Messages confirmed, refused or failed.
    settled: Cell<u64>,
    rejected: Cell<u64>,
    failed: Cell<u64>,
    first_reject_code: Cell<Option<u8>>,
    first_failure: RefCell<Option<String>>,
    producer_done: Cell<bool>,
    /// The producer gave up waiting for confirmations (a signal).
    abandoned: Cell<bool>,
    /// Wakes producers waiting for [`Sink::settled`].
    progress: Notify,
    /// Wakes the polling loop when the producer is done or gives up.
    wake: Notify,
    producer_error: RefCell<Option<anyhow::Error>>,
}

impl Ledger {
    fn all_settled(&self) -> bool {
        self.producer_done.get() && self.settled.get() == self.sent.get()
    }

    fn settle(&self, outcome: Settlement) {
        match outcome {
            Settlement::Confirmed => {}
            Settlement::Refused { pkid, code, text } => {
                self.rejected.set(self.rejected.get() + 1);
                if self.first_reject_code.get().is_none() {
                    self.first_reject_code.set(Some(code));
                }
                diag(format_args!("Warning: Publish {pkid} failed: {}.", reason(code)));
                if let Some(t) = text {
                    diag(format_args!("{t}"));
                }
            }
            Settlement::Failed(why) => {
                self.failed.set(self.failed.get() + 1);
                self.first_failure.borrow_mut().get_or_insert(why);
            }
        }
        self.settled.set(self.settled.get() + 1);
        self.progress.notify_waiters();
    }
}

/// Where a producer puts messages.
pub struct Sink {
    outbox: Outbox,
    state: Rc<Ledger>,
}

impl Sink {
    /// Hand one message to the connection (waits while its queue or
    /// in-flight window is full).
    ///
    /// Cancel-safe: dropped before the connection took the message (a
    /// signal while the queue is full), it is not counted as sent.
    pub async fn send(&self, m: OutMessage) -> anyhow::Result<()> {
        /// Takes the count back unless the message was handed over.
        struct Counted<'a>(&'a Ledger, bool);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.sent.set(self.0.sent.get() - 1);
                }
            }
        }
        // Counted first: a QoS 0 message can be confirmed (written) before
        // this task resumes.
        self.state.sent.set(self.state.sent.get() + 1);
        let mut counted = Counted(&self.state, false);
        self.outbox.publish(m).await?;
        counted.1 = true;
        Ok(())
    }

    /// Stop waiting: disconnect now, whatever is still unconfirmed (which
    /// the [`Delivered`] then reports). For a producer interrupted by a signal.
    pub fn abandon(&self) {
        self.state.abandoned.set(true);
        self.state.wake.notify_one();
    }

    /// Wait until every message sent so far is settled (for `--repeat-delay`).
    pub async fn settled(&self) {
        while self.state.settled.get() < self.state.sent.get() {
            self.state.progress.notified().await;
        }
    }
}

/// How a delivery ended.
#[derive(Debug)]
pub struct Delivered {
    pub sent: u64,
    pub confirmed: u64,
    pub rejected: u64,
    /// Messages that could not be sent, and why (the first).
    pub failed: u64,
    pub first_failure: Option<String>,
    /// The reason code of the first refused message (v5).
    pub first_reject_code: Option<u8>,
    /// Set when the connection ended before the work did.
    pub lost: Option<ConnError>,
    /// Whether the producer had read all its input when the run ended.
    pub producer_finished: bool,
    /// The producer's own error (bad input line, unreadable file, ...).
    pub producer_error: Option<anyhow::Error>,
}

/// Run `producer` against a connection until everything it sent is settled
/// and the DISCONNECT is written, or the connection is lost.
pub async fn deliver<F, Fut>(mut conn: Connection, disconnect: DisconnectProps, producer: F) -> Delivered
where
    F: FnOnce(Sink) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let state = Rc::new(Ledger::default());
    let sink = Sink {
        outbox: conn.outbox(),
        state: state.clone(),
    };
    let produce = async {
        if let Err(e) = producer(sink).await {
            *state.producer_error.borrow_mut() = Some(e);
        }
        state.producer_done.set(true);
        state.wake.notify_one();
        std::future::pending::<()>().await;
    };
    let lost = tokio::select! {
        lost = poll_loop(&mut conn, &state, &disconnect) => lost,
        () = produce => unreachable!("the producer's future never completes"),
    };
    if let Err(e) = conn.save_session() {
        diag(format_args!(
            "Warning: cannot save the session state for the next run: {e}"
        ));
    }
    let lost = lost.filter(|_| !state.all_settled());
    let (rejected, failed) = (state.rejected.get(), state.failed.get());
    Delivered {
        sent: state.sent.get(),
        confirmed: state.settled.get() - rejected - failed,
        rejected,
        failed,
        first_failure: state.first_failure.take(),
        first_reject_code: state.first_reject_code.get(),
        lost,
        producer_finished: state.producer_done.get(),
        producer_error: state.producer_error.take(),
    }
}

/// Poll until the DISCONNECT is written (`None`) or the connection fails,
/// settling each message by its event.
///
/// A persistent session with `--connect-retry` ([`Connection::retry_lost`])
/// reconnects after a lost connection (backing off from 50 ms to 2 s, for up
/// to the retry duration per outage): the broker resumes the session and the
/// connection sends again what was not acknowledged. If the broker resumes
/// no session, what was in flight is lost: that ends the run.
async fn poll_loop(conn: &mut Connection, state: &Ledger, props: &DisconnectProps) -> Option<ConnError> {
    let mut outage: Option<Retry> = None;
    let mut disconnecting = false;
    // An earlier run's messages go out first, and their acks come first:
    // they settle nothing of this run.
    let mut earlier = conn.resends_pending();
    loop {
        if !disconnecting && (state.all_settled() || state.abandoned.get()) {
            disconnecting = true;
            conn.disconnect(props, false);
        }
        let polled = tokio::select! {
            ev = conn.poll() => ev,
            () = state.wake.notified() => continue,
        };
        match polled {
            Ok(Event::DisconnectSent) => return None,
            Ok(Event::ConnAck { session_present, .. }) => {
                outage = None;
                if !session_present && state.settled.get() < state.sent.get() {
                    return Some(ConnError::Closed(
                        "the broker resumed no session after reconnecting, so the messages in flight are gone".into(),
                    ));
                }
            }
            Ok(Event::PubAck { .. } | Event::PubComp { .. }) if earlier > 0 => earlier -= 1,
            Ok(Event::PublishSent { pkid: 0, .. } | Event::PubComp { .. }) => state.settle(Settlement::Confirmed),
            Ok(
                Event::PubAck {
                    pkid,
                    reason,
                    reason_string,
                }
                | Event::PubRec {
                    pkid,
                    reason,
                    reason_string,
                },
            ) if reason >= 0x80 => state.settle(Settlement::Refused {
                pkid,
                code: reason,
                text: reason_string,
            }),
            Ok(Event::PubAck { .. }) => state.settle(Settlement::Confirmed),
            Ok(Event::PublishFailed { why }) => state.settle(Settlement::Failed(why)),
            Ok(_) => {}
            Err(e) => {
                if state.all_settled() {
                    return None;
                }
                let Some(limit) = conn.retry_lost().filter(|_| e.is_transient() && !disconnecting) else {
                    return Some(e);
                };
                if outage.is_none() {
                    diag(format_args!("Warning: the connection was lost ({e}); reconnecting."));
                }
                if !outage.get_or_insert_with(|| Retry::new(limit)).pause().await {
                    return Some(e);
                }
            }
        }
    }
}
