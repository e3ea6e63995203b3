//! mqtt-sub (and the listening half of mqtt-rr): subscribe, then handle each
//! message in mosquitto_sub's order — `--retained-only` → `-R` → `-T` →
//! `--remove-retained` → print → `-C` — until a count, `-E`, `-W`, a signal
//! or a closed stdout ends the run. A lost connection is re-established
//! with jittered backoff and the filters are subscribed again.

mod exec;

use std::future::Future;
use std::io::{BufWriter, Write};
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use crate::client::backoff::{Backoff, Spread};
use crate::client::{ConnError, Connection, Event};
use crate::exit::{self, Exit, Program, diag};
use crate::format::{Printer, Watch};
use crate::mqtt::{Filter, Message, OutMessage, QoS, reason, strip_share, topic_matches};
use crate::settings::{Endpoint, SubSettings};
use crate::signals::Signals;
use exec::Exec;

/// Entry point of `mqtt-sub`.
/// How long a read waits for company under a flood of QoS 0 messages
/// ([`Connection::pace_reads`]): the most a message's output is held back.
const READ_PAUSE: Duration = Duration::from_millis(1);

pub fn run(settings: SubSettings, _program: &Program) -> anyhow::Result<()> {
    exit::status(crate::runtime(1)?.block_on(listen(settings, None))?)
}

/// A request to publish once the subscription is in place (mqtt-rr).
pub struct Request {
    pub message: OutMessage,
    /// Responses carrying other correlation data are someone else's.
    pub correlation: Option<Bytes>,
}

/// Why the run is ending, and with which exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ending {
    exit: Exit,
    /// MQTT 5: DISCONNECT with reason 4, so the broker publishes the will.
    with_will: bool,
}

impl Ending {
    /// The work is done (-C, -E, --retained-only, a closed stdout).
    const DONE: Ending = Ending {
        exit: Exit::Ok,
        with_will: false,
    };
    /// `-W`: leave at once with exit 27, and let the broker publish the will.
    const TIMEOUT: Ending = Ending {
        exit: Exit::Timeout,
        with_will: true,
    };
    /// Interrupted: leave at once, and let the broker publish the will.
    const SIGNAL: Ending = Ending {
        exit: Exit::Ok,
        with_will: true,
    };
}

/// Wait until `deadline` (-W), or forever.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Connect (with `--connect-retry`), or the exit code: the refusal, -W, or a
/// signal before the connection was up.
async fn connect(
    s: &SubSettings,
    is_request: bool,
    signals: &mut Signals,
    deadline: Option<Instant>,
) -> Result<Connection, Exit> {
    tokio::select! {
        r = Connection::start(&s.conn, s.session) => r.map_err(|f| {
            diag(format_args!("{}", f.text()));
            if is_request && f.old_protocol && s.conn.protocol == crate::mqtt::Protocol::V5 {
                diag(format_args!("(With -V 311 the first message on the response topic is the answer: no correlation data.)"),
                );
            }
            f.exit
        }),
        () = until(deadline) => {
            diag(format_args!("Timed out"));
            Err(Exit::Timeout)
        }
        _ = signals.recv() => Err(Exit::SignalBeforeConnect),
    }
}

/// Where a run is: handling messages, ending (the DISCONNECT not yet
/// requested: it waits for `--remove-retained` publishes and the -C'th
/// message's handshake, unless stopping), or disconnecting (the DISCONNECT
/// requested; the run ends when it is sent or the connection goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Running,
    /// `stopping`: a signal or -W — leave without waiting for handshakes.
    Ending {
        ending: Ending,
        stopping: bool,
    },
    Disconnecting {
        ending: Ending,
        stopping: bool,
    },
}

impl Stage {
    fn ending(self) -> Option<Ending> {
        match self {
            Stage::Running => None,
            Stage::Ending { ending, .. } | Stage::Disconnecting { ending, .. } => Some(ending),
        }
    }

    fn stopping(self) -> bool {
        matches!(
            self,
            Stage::Ending { stopping: true, .. } | Stage::Disconnecting { stopping: true, .. }
        )
    }

    fn disconnecting(self) -> bool {
        matches!(self, Stage::Disconnecting { .. })
    }
}

/// Subscribe and handle messages until the run ends; returns the exit code.
pub async fn listen(s: SubSettings, request: Option<Request>) -> anyhow::Result<Exit> {
    let mut signals = Signals::new()?;
    let deadline = s.output.timeout.map(|t| Instant::now() + t);
    let timed_out = || until(deadline);
    let mut conn = match connect(&s, request.is_some(), &mut signals, deadline).await {
        Ok(conn) => conn,
        Err(exit) => return Ok(exit),
    };

    conn.pace_reads(READ_PAUSE);
    let mut run = Listening::new(&s, request);
    run.subscribe(&mut conn)?;
    let mut backoff = reconnect_backoff();
    let closed = stdout_closed();
    tokio::pin!(closed);
    let second = std::time::Duration::from_secs(1);
    let mut rate = tokio::time::interval_at(tokio::time::Instant::now() + second, second);
    loop {
        // Output is flushed whenever the next event is not already at hand, so
        // a pipe never waits for a message while a burst costs one write.
        let mut flush_failed = false;
        let polled = {
            let next = conn.poll();
            tokio::pin!(next);
            let mut ready = None;
            if run.unflushed {
                let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                if let std::task::Poll::Ready(r) = next.as_mut().poll(&mut cx) {
                    ready = Some(r);
                } else {
                    flush_failed = !run.flush();
                }
            }
            match ready {
                Some(r) => Ok(r),
                None => tokio::select! {
                    biased;
                    _ = signals.recv() => Err(Ending::SIGNAL),
                    () = &mut closed, if !run.state.disconnecting() => Err(Ending::DONE),
                    _ = rate.tick(), if s.message_rate && run.state.ending().is_none() => {
                        if run.rate_line() {
                            continue;
                        }
                        Err(Ending::DONE)
                    }
                    () = timed_out(), if run.state.ending().is_none() => {
                        diag(format_args!("Timed out"));
                        Err(Ending::TIMEOUT)
                    }
                    r = &mut next => Ok(r),
                },
            }
        };
        if flush_failed {
            // stdout is closed (`| head -1`): a normal way to stop.
            run.end(&mut conn, Ending::DONE);
        }
        let event = match polled {
            Err(ending) => {
                if run.state.disconnecting() {
                    // A second signal while leaving: leave now.
                    return Ok(run.close(run.state.ending().map_or(ending.exit, |e| e.exit)));
                }
                run.end(&mut conn, ending);
                continue;
            }
            Ok(Ok(event)) => event,
            Ok(Err(e)) => match run.on_lost(&conn, e, &mut backoff, &mut signals, deadline).await {
                Some(exit) => return Ok(exit),
                None => continue,
            },
        };
        if let Some(exit) = run.on_event(&mut conn, event, &mut backoff)? {
            return Ok(exit);
        }
    }
}

/// The state of one run.
struct Listening<'a> {
    s: &'a SubSettings,
    out: BufWriter<std::io::StdoutLock<'static>>,
    /// This run's copy of the printer (its decoder follows the messages).
    printer: Printer,
    buf: Vec<u8>,
    /// Output written to `out` but not yet flushed.
    unflushed: bool,
    printed: u64,
    /// `--random-filter`'s coin.
    rng: fastrand::Rng,
    exec: Option<Exec>,
    request: Option<Request>,
    request_sent: bool,
    /// `--remove-retained` publishes not yet acknowledged.
    removals: u64,
    /// The -C'th message's packet id at QoS 2, until its PUBREL came.
    last_handshake: Option<u16>,
    state: Stage,
    unsubacks: usize,
    /// The SUBSCRIBE is not yet acknowledged: a run that ends meanwhile
    /// (a message queued for a persistent session, -C 1) waits for it, so
    /// the subscription is known to be in place.
    suback_due: bool,
    /// The subscribed filters as topics are matched against them (without
    /// `$share/GROUP/`), worked out once.
    asked: Vec<&'a str>,
    /// Messages on topics no subscription matches (a misbehaving broker).
    unsolicited: u64,
    /// `-w/--watch`: the line of each topic.
    watch: Option<Watch>,
    /// mqtt-rr `--latency`: when the request went, and how long its answer took.
    request_at: Option<std::time::Instant>,
    latency: Option<std::time::Duration>,
    /// `--message-rate`: messages received in the current second.
    this_second: u64,
}

impl<'a> Listening<'a> {
    fn new(s: &'a SubSettings, request: Option<Request>) -> Self {
        let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let watch = s.watch.then(|| {
            let host = match &s.conn.endpoint {
                Endpoint::Tcp { host, .. } => host.clone(),
                Endpoint::Unix(path) => path.display().to_string(),
            };
            let mut header = Vec::new();
            let watch = Watch::start(&host, &mut header);
            // A closed stdout shows at the first message.
            let _ = out.write_all(&header).and_then(|()| out.flush());
            watch
        });
        Listening {
            s,
            out,
            printer: s.output.printer.clone(),
            buf: Vec::with_capacity(1024),
            unflushed: false,
            printed: 0,
            rng: fastrand::Rng::new(),
            exec: s.exec.clone().map(Exec::start),
            request,
            request_sent: false,
            removals: 0,
            last_handshake: None,
            state: Stage::Running,
            unsubacks: 0,
            suback_due: false,
            asked: s.filters.iter().map(|f| strip_share(f).unwrap_or(f)).collect(),
            unsolicited: 0,
            watch,
            request_at: None,
            latency: None,
            this_second: 0,
        }
    }

    fn subscribe(&mut self, conn: &mut Connection) -> anyhow::Result<()> {
        let s = self.s;
        if !s.filters.is_empty() {
            let filters: Vec<Filter> = s
                .filters
                .iter()
                .map(|t| Filter {
                    topic: t.clone(),
                    qos: s.qos,
                    no_local: false,
                    retain_as_published: s.output.retain_as_published,
                    retain_handling: s.output.retain_handling,
                })
                .collect();
            conn.subscribe(&filters, &s.conn.props.subscribe)?;
            self.suback_due = true;
        }
        for u in &s.unsubscribe {
            conn.unsubscribe(u, &s.conn.props.unsubscribe)?;
        }
        Ok(())
    }

    /// Only -U: nothing will arrive; leave once every UNSUBSCRIBE is acknowledged.
    fn unsubscribed(&mut self, conn: &mut Connection) {
        self.unsubacks += 1;
        if self.s.exit_after_unsubscribe && self.s.filters.is_empty() && self.unsubacks >= self.s.unsubscribe.len() {
            self.end(conn, Ending::DONE);
        }
    }

    fn subscribed(&mut self, conn: &mut Connection, pkid: u16, codes: &[u8]) -> anyhow::Result<()> {
        // mosquitto_sub's line (mosquitto_rr prints none).
        if conn.debug().enabled && !exit::quiet() && self.request.is_none() {
            let list: Vec<String> = codes.iter().map(u8::to_string).collect();
            conn.debug()
                .print(format_args!("Subscribed (mid: {pkid}): {}", list.join(", ")));
        }
        if codes.iter().all(|c| *c >= 0x80) {
            let why = codes.first().map_or("", |c| reason(*c));
            if self.request.is_some() {
                diag(format_args!(
                    "Error: the subscription to the response topic was refused: {why}."
                ));
            } else {
                diag(format_args!("All subscription requests were denied."));
            }
            self.end(
                conn,
                Ending {
                    exit: Exit::Error,
                    with_will: false,
                },
            );
            return Ok(());
        }
        if self.s.exit_after_subscribe {
            self.end(conn, Ending::DONE);
        }
        if let Some(r) = &self.request
            && !self.request_sent
        {
            self.request_sent = true;
            self.request_at = Some(std::time::Instant::now());
            // Its confirmation is not awaited: the response is the answer.
            conn.publish(r.message.clone())?;
        }
        Ok(())
    }

    /// A message no subscription asked for is not printed (mosquitto_sub
    /// prints it); the first one is reported.
    fn unsolicited(&mut self, m: &Message) -> bool {
        let asked = self.asked.iter().any(|f| topic_matches(f, &m.topic));
        if !asked {
            self.unsolicited += 1;
            if self.unsolicited == 1 {
                diag(format_args!(
                    "Warning: the broker sent a message on '{}', which matches no subscription; ignored (and any more).",
                    m.topic_str()
                ));
            }
        }
        !asked
    }

    fn message(&mut self, conn: &mut Connection, m: Message) -> anyhow::Result<()> {
        let s = self.s;
        if s.message_rate {
            // Counted, not printed (so -C is never reached, as in mosquitto_sub).
            self.this_second += 1;
            conn.ack(&m);
            return Ok(());
        }
        if self.state.ending().is_some() {
            // After the -C'th message: not acknowledged, so a persistent session keeps it.
            return Ok(());
        }
        if s.retained_only && !m.retain {
            self.end(conn, Ending::DONE);
            return Ok(());
        }
        let skip = (s.output.no_retained && m.retain)
            || s.filter_out.iter().any(|f| topic_matches(f, &m.topic))
            || self.request.as_ref().is_some_and(|r| !correlates(r, &m))
            || self.unsolicited(&m);
        if !skip {
            if s.remove_retained && m.retain {
                let clear = OutMessage {
                    topic: m.topic_str().into_owned(),
                    payload: Bytes::new(),
                    qos: QoS::AtLeastOnce,
                    retain: true,
                    props: None,
                };
                self.removals += 1;
                conn.publish(clear)?;
            }
            if self.print(&m).is_err() {
                // stdout is closed (`| head -1`): a normal way to stop.
                self.end(conn, Ending::DONE);
                return Ok(());
            }
            if self.request.is_some() && self.latency.is_none() {
                self.latency = self.request_at.map(|at| at.elapsed());
            }
        }
        conn.ack(&m);
        if !skip {
            self.printed += 1;
            if s.count.is_some_and(|c| self.printed >= c) {
                if m.qos == QoS::ExactlyOnce {
                    self.last_handshake = Some(m.pkid);
                }
                self.end(conn, Ending::DONE);
            }
        }
        Ok(())
    }

    /// Write out what is buffered; false when stdout is closed.
    fn flush(&mut self) -> bool {
        self.unflushed = false;
        self.out.flush().is_ok()
    }

    fn print(&mut self, m: &Message) -> std::io::Result<()> {
        // As mosquitto: the topic has its line even if --random-filter drops the message.
        if let Some(w) = &mut self.watch {
            self.buf.clear();
            w.place(&m.topic, &mut self.buf);
            self.out.write_all(&self.buf)?;
        }
        if let Some(p) = self.s.random_filter
            && self.rng.f64() >= p
        {
            return Ok(());
        }
        self.buf.clear();
        self.printer.message(m, &mut self.buf);
        if let Some(w) = &self.watch {
            w.park(&mut self.buf);
        }
        self.out.write_all(&self.buf)?;
        if self.s.conn.debug {
            // -d lines go straight to stdout: keep the order of events.
            self.out.flush()?;
        } else {
            self.unflushed = true;
        }
        if let Some(e) = &self.exec {
            e.message(m);
        }
        Ok(())
    }

    /// Decide to end; the DISCONNECT goes once nothing is outstanding.
    /// The connection was lost: `Some(exit)` when that ends the run, else
    /// `None` after the backoff pause (the session reconnects on its next poll).
    async fn on_lost(
        &mut self,
        conn: &Connection,
        e: ConnError,
        backoff: &mut Backoff,
        signals: &mut Signals,
        deadline: Option<Instant>,
    ) -> Option<Exit> {
        if let Some(ending) = self.state.ending() {
            if self.state.disconnecting() || self.state.stopping() {
                return Some(self.close(ending.exit));
            }
            diag(format_args!("Error: The connection was lost ({e})."));
            // An ending that waits for handshakes is a successful one: losing
            // the connection meanwhile loses them.
            return Some(self.close(Exit::ConnLost));
        }
        if let ConnError::Protocol(_) = e {
            // A broker that sends garbage will send it again.
            diag(format_args!("Error: {e}; not reconnecting."));
            return Some(Exit::Error);
        }
        let delay = backoff.next_pause();
        conn.debug()
            .print(format_args!("Connection lost ({e}); reconnecting in {delay:?}"));
        tokio::select! {
            _ = signals.recv() => return Some(self.close(Exit::Ok)),
            () = until(deadline) => {
                diag(format_args!("Timed out"));
                return Some(self.close(Exit::Timeout));
            }
            () = tokio::time::sleep(delay) => {}
        }
        None
    }

    /// Handle one event; `Some(exit)` when the run is over.
    fn on_event(&mut self, conn: &mut Connection, event: Event, backoff: &mut Backoff) -> anyhow::Result<Option<Exit>> {
        match event {
            Event::ConnAck { .. } => {
                backoff.reset();
                self.subscribe(conn)?;
            }
            Event::SubAck { pkid, codes } => {
                self.suback_due = false;
                self.subscribed(conn, pkid, &codes)?;
            }
            Event::UnsubAck { .. } => self.unsubscribed(conn),
            Event::Message(m) => self.message(conn, m)?,
            Event::PubAck { .. } if self.removals > 0 => self.removals -= 1,
            Event::DisconnectSent => {
                let exit = self.state.ending().map_or(Exit::Ok, |e| e.exit);
                return Ok(Some(self.close(exit)));
            }
            _ => {}
        }
        self.maybe_disconnect(conn);
        Ok(None)
    }

    /// Decide to end (the first reason's exit code stays; a later signal or
    /// -W still makes the run stop waiting).
    fn end(&mut self, conn: &mut Connection, reason: Ending) {
        let stop = reason.exit != Exit::Ok || reason.with_will;
        self.state = match self.state {
            Stage::Running => Stage::Ending {
                ending: reason,
                stopping: stop,
            },
            Stage::Ending { ending, stopping } => Stage::Ending {
                ending,
                stopping: stopping || stop,
            },
            Stage::Disconnecting { ending, stopping } => Stage::Disconnecting {
                ending,
                stopping: stopping || stop,
            },
        };
        self.maybe_disconnect(conn);
    }

    /// Request the DISCONNECT once nothing is outstanding (or when stopping).
    fn maybe_disconnect(&mut self, conn: &mut Connection) {
        let Stage::Ending { ending, stopping } = self.state else {
            return;
        };
        if self.last_handshake.is_some_and(|pkid| !conn.awaiting_pubrel(pkid)) {
            self.last_handshake = None;
        }
        if !stopping && (self.removals > 0 || self.last_handshake.is_some() || self.suback_due) {
            return;
        }
        self.state = Stage::Disconnecting { ending, stopping };
        conn.disconnect(&self.s.conn.props.disconnect, ending.with_will && stopping);
    }

    /// Finish output and commands; the exit code.
    /// `--message-rate`: one line for the second that has passed.
    fn rate_line(&mut self) -> bool {
        let line = format!("{} msgs/s\n", self.this_second);
        self.this_second = 0;
        self.out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.flush())
            .is_ok()
    }

    fn close(&mut self, exit: Exit) -> Exit {
        if let Some(d) = self.latency.filter(|_| self.s.latency) {
            let _ = writeln!(self.out, "{}", crate::format::latency(d));
        }
        let _ = self.out.flush();
        if let Some(e) = &mut self.exec {
            e.finish();
        }
        exit
    }
}

/// Resolves when stdout is a pipe whose reader has gone (`mqtt-sub | head -1`),
/// so the run ends at once rather than at the next message's write.
async fn stdout_closed() {
    use std::os::fd::AsFd;
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    // `with_interest` is deprecated because a generic `T` may change its raw fd;
    // an `OwnedFd` cannot, so this use is sound (and needs no `unsafe`).
    #[allow(deprecated)]
    let watched = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        // Regular files cannot be watched (and never close on us).
        .and_then(|fd| AsyncFd::with_interest(fd, Interest::ERROR).ok());
    match watched {
        Some(fd) => {
            let _ = fd.ready(Interest::ERROR).await;
        }
        None => std::future::pending().await,
    }
}

/// Is `m` the answer to `r`? (No correlation data on the response counts as yes.)
fn correlates(r: &Request, m: &Message) -> bool {
    match (
        &r.correlation,
        m.props.as_deref().and_then(|p| p.correlation_data.as_ref()),
    ) {
        (Some(ours), Some(theirs)) => ours == theirs,
        _ => true,
    }
}

/// mqtt-sub's reconnect pauses: 100 ms doubling to 5 s, each ±25 % at random.
fn reconnect_backoff() -> Backoff {
    let ms = Duration::from_millis;
    Backoff::new(ms(100), ms(5000), Spread::Quarter, fastrand::Rng::new())
}
