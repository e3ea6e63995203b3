//! Publish-and-confirm: a producer hands messages to a [`Sink`] while the
//! connection is polled and every message is settled — QoS 0 when written,
//! QoS 1 at PUBACK, QoS 2 at PUBCOMP (or a v5 PUBACK/PUBREC refusal), by
//! counting events (MQTT 3.1.1) or by awaiting each tracked confirmation in
//! order (MQTT 5, see [`Publisher::publish`]). The DISCONNECT is queued only when the producer is
//! done and every message is settled, so nothing queued is ever dropped
//! (docs/mqtt-library.md, the first row).
//!
//! QoS 1 and 2 messages go to the library only while fewer than its
//! in-flight limit are open ([`super::window`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;

use super::codes::reason;
use super::session::{Confirmation, Outcome, Retry};
use super::window::Window;
use super::{ConnError, Event, Publisher, Session};
use crate::exit::eprint_line;
use crate::mqtt::{DisconnectProps, OutMessage, Protocol};

#[derive(Default)]
struct State {
    /// Messages handed to the library.
    sent: Cell<u64>,
    /// Messages confirmed, refused or given up on.
    settled: Cell<u64>,
    rejected: Cell<u64>,
    failed: Cell<u64>,
    first_reject_code: Cell<Option<u8>>,
    first_failure: RefCell<Option<String>>,
    producer_done: Cell<bool>,
    disconnecting: Cell<bool>,
    /// The producer gave up waiting for confirmations (a signal).
    abandoned: Cell<bool>,
    /// Confirmations not yet resolved, oldest first.
    pending: RefCell<VecDeque<Confirmation>>,
    /// Wakes the confirmation task when `pending` gains an entry.
    waker: RefCell<Option<Waker>>,
    progress: Notify,
    disconnect_props: RefCell<DisconnectProps>,
    producer_error: RefCell<Option<anyhow::Error>>,
    quiet: bool,
    /// Room for QoS 1/2 messages in the library.
    window: Window,
}

impl State {
    /// Queue the DISCONNECT once all work is done, whoever notices first.
    fn maybe_finish(&self, publisher: &Publisher) {
        if self.producer_done.get() && self.settled.get() == self.sent.get() && !self.disconnecting.get() {
            self.disconnecting.set(true);
            // The control lane is separate from the request channel; it cannot be full.
            let _ = publisher.disconnect(&self.disconnect_props.borrow(), false);
        }
    }

    fn settle(&self, outcome: Outcome) {
        match outcome {
            Outcome::Confirmed => {}
            Outcome::Refused { pkid, code, text } => {
                self.rejected.set(self.rejected.get() + 1);
                if self.first_reject_code.get().is_none() {
                    self.first_reject_code.set(Some(code));
                }
                if !self.quiet {
                    eprint_line(format_args!("Warning: Publish {pkid} failed: {}.", reason(code)));
                    if let Some(t) = text {
                        eprint_line(format_args!("{t}"));
                    }
                }
            }
            Outcome::Failed(why) => {
                self.failed.set(self.failed.get() + 1);
                self.first_failure.borrow_mut().get_or_insert(why);
            }
        }
        self.settled.set(self.settled.get() + 1);
        self.progress.notify_waiters();
    }

    /// Resolve the oldest confirmations that are ready.
    fn poll_pending(&self, cx: &mut Context<'_>) -> bool {
        let mut any = false;
        loop {
            let mut queue = self.pending.borrow_mut();
            let Some(front) = queue.front_mut() else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                return any;
            };
            match front.as_mut().poll(cx) {
                Poll::Ready(outcome) => {
                    queue.pop_front();
                    drop(queue);
                    self.settle(outcome);
                    any = true;
                }
                Poll::Pending => return any,
            }
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
    ///
    /// Cancel-safe: dropped before the library took the message (a signal
    /// while the queue is full), it is not counted as sent.
    pub async fn send(&self, m: OutMessage) -> anyhow::Result<()> {
        /// Takes the count back unless the message was handed over.
        struct Counted<'a>(&'a State, bool);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.sent.set(self.0.sent.get() - 1);
                }
            }
        }
        if m.qos != crate::mqtt::QoS::AtMostOnce {
            self.state.window.take().await;
        }
        // Counted first: an untracked publish can be confirmed by an event
        // before this task resumes.
        self.state.sent.set(self.state.sent.get() + 1);
        let mut counted = Counted(&self.state, false);
        let confirmation = self.publisher.publish(m).await?;
        counted.1 = true;
        if let Some(confirmation) = confirmation {
            self.state.pending.borrow_mut().push_back(confirmation);
            if let Some(w) = self.state.waker.borrow_mut().take() {
                w.wake();
            }
        }
        Ok(())
    }

    /// Stop waiting: disconnect now, whatever is still unconfirmed (which
    /// the [`Delivery`] then reports). For a producer interrupted by a signal.
    pub fn abandon(&self) {
        self.state.abandoned.set(true);
        self.state.disconnecting.set(true);
        let _ = self.publisher.disconnect_now();
    }

    /// Messages handed over so far, and how many of them are confirmed.
    pub fn counts(&self) -> (u64, u64) {
        let s = &self.state;
        (s.sent.get(), s.settled.get() - s.rejected.get() - s.failed.get())
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
pub struct Delivery {
    pub sent: u64,
    pub confirmed: u64,
    pub rejected: u64,
    /// Messages the library gave up on, and why (the first).
    pub failed: u64,
    pub first_failure: Option<String>,
    /// The reason code of the first refused message (v5).
    pub first_reject_code: Option<u8>,
    /// Set when the connection ended before the work did.
    pub lost: Option<ConnError>,
    /// Whether the producer had read all its input when the run ended.
    pub producer_finished: bool,
    /// The producer stopped waiting for confirmations ([`Sink::abandon`]).
    pub abandoned: bool,
    /// The producer's own error (bad input line, unreadable file, ...).
    pub producer_error: Option<anyhow::Error>,
}

/// Run `producer` against a connected session until everything it sent is
/// settled and the DISCONNECT is written, or the connection is lost.
pub async fn deliver<F, Fut>(mut session: Session, disconnect: DisconnectProps, quiet: bool, producer: F) -> Delivery
where
    F: FnOnce(Sink) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let state = Rc::new(State {
        disconnect_props: RefCell::new(disconnect),
        quiet,
        ..State::default()
    });
    state.window.open_up(session.inflight_limit());
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
    let confirm = std::future::poll_fn(|cx| {
        if state.poll_pending(cx) {
            state.maybe_finish(&publisher);
        }
        Poll::<()>::Pending
    });
    let lost = {
        let poll = poll_loop(&mut session, &state);
        tokio::pin!(poll);
        tokio::select! {
            lost = &mut poll => lost,
            _ = async { tokio::join!(produce, confirm) } => unreachable!("confirm never completes"),
        }
    };
    if let Err(e) = session.save_state()
        && !quiet
    {
        eprint_line(format_args!(
            "Warning: cannot save the session state for the next run: {e}"
        ));
    }
    // Answers read just before the connection dropped are already resolved.
    let mut cx = Context::from_waker(Waker::noop());
    state.poll_pending(&mut cx);
    let everything_settled = state.producer_done.get() && state.settled.get() == state.sent.get();
    let lost = lost.filter(|_| !everything_settled);

    let (rejected, failed) = (state.rejected.get(), state.failed.get());
    Delivery {
        sent: state.sent.get(),
        confirmed: state.settled.get() - rejected - failed,
        rejected,
        failed,
        first_failure: state.first_failure.take(),
        first_reject_code: state.first_reject_code.get(),
        lost,
        producer_finished: state.producer_done.get(),
        abandoned: state.abandoned.get(),
        producer_error: state.producer_error.take(),
    }
}

/// Poll until the DISCONNECT is written (`None`) or the connection fails.
/// Untracked (MQTT 3.1.1) publishes are confirmed here, by their events.
///
/// A persistent session with `--connect-retry` ([`Session::retry_lost`])
/// reconnects after a lost connection (backing off from 50 ms to 2 s, for up
/// to the retry duration per outage): the broker resumes the session and the
/// library sends again what was not acknowledged. If the broker resumes no
/// session, what was in flight is lost: that ends the run.
async fn poll_loop(session: &mut Session, state: &State) -> Option<ConnError> {
    let by_events = session.protocol != Protocol::V5;
    let mut outage: Option<Retry> = None;
    // An earlier run's messages go out first, and their acks come first:
    // they settle nothing of this run and hold no room in the window.
    let mut earlier = session.resends_pending();
    loop {
        match session.poll().await {
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
            Ok(ev @ (Event::PublishSent { pkid: 0 } | Event::PubAck { .. } | Event::PubComp { .. })) => {
                if !matches!(ev, Event::PublishSent { .. }) {
                    state.window.give_back();
                }
                if by_events {
                    state.settle(Outcome::Confirmed);
                    state.maybe_finish(&session.publisher);
                }
            }
            // An MQTT 5 PUBREC that refuses the message ends its flow.
            Ok(Event::PubRec { reason, .. }) if reason >= 0x80 => state.window.give_back(),
            Ok(_) => {}
            Err(e) => {
                let all_done = state.producer_done.get() && state.settled.get() == state.sent.get();
                if all_done {
                    return None;
                }
                let Some(limit) = session.retry_lost.filter(|_| e.is_transient()) else {
                    return Some(e);
                };
                if outage.is_none() && !state.quiet {
                    eprint_line(format_args!("Warning: the connection was lost ({e}); reconnecting."));
                }
                if !outage.get_or_insert_with(|| Retry::new(limit)).pause().await {
                    return Some(e);
                }
            }
        }
    }
}
