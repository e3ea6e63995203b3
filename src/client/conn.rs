//! The one MQTT connection every program uses: the library's packet codec
//! ([`super::codec`]), our transport stack ([`super::transport`]), and only
//! the state a client needs, so that ten thousand of them fit in a few KiB
//! each:
//!
//! - buffers and I/O ([`Io`]): a read buffer sized to the traffic (1 KiB
//!   idle, doubling while reads fill it, released when a burst is over), a
//!   write buffer released after a burst, and several packets to a write at
//!   full speed ([`super::gather`]);
//! - the flows in flight both ways ([`Flows`]), kept on disk between runs
//!   for a persistent session ([`super::store`]);
//! - keep-alive and liveness ([`Liveness`]): PINGREQ when nothing was sent
//!   for the keep-alive, and a connection whose broker sent nothing for
//!   1.5 × keep-alive while an answer is awaited counts as gone (a half-open
//!   connection is otherwise noticed only when a write fails).
//!
//! [`Connection::poll`] hands out [`Event`]s (with mosquitto's `-d` line
//! for each, [`super::debug`]); after a lost connection, the next poll
//! connects again: a [`Event::ConnAck`], then a resumed session's resends.
//! Publishing from a producer goes through a queue ([`Outbox`]) that holds
//! no more QoS 1/2 messages than the in-flight window (`-M`, or the broker's
//! receive maximum) has room for.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::{Instant, sleep_until, timeout};

use super::codec::{Ack, Codec, generated_id};
use super::debug::{DebugLog, PublishLine};
use super::events::{ConnError, Event};
use super::failure::{ConnectFailure, Retry, tls_config};
use super::flows::{Arrival, Flows};
use super::gather::{AckHold, Gather};
use super::transport::{Boxed, Dial, Phases, Tls};
use crate::mqtt::{ConnAckProps, DisconnectProps, Filter, Message, OutMessage, Protocol, QoS, SubscribeProps};
use crate::settings::{ConnSettings, Endpoint, SessionOptions};

/// TCP connect + CONNACK timeout, per attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests a producer may queue before it waits.
const CHANNEL: usize = 64;
/// Publishes taken from the queue into one write.
const BATCH: usize = 64;
/// The read buffer's size when idle, and its largest step.
const READ_MIN: usize = 1024;
const READ_MAX: usize = 64 * 1024;
/// A write buffer larger than this is released once written.
const WRITE_KEEP: usize = 16 * 1024;
/// A pending write smaller than this lets the other tasks run first, at
/// most `YIELDS` times.
const COALESCE: usize = 4096;
const YIELDS: u8 = 2;
/// QoS 0 messages in one read that make it a flood ([`Connection::pace_reads`]).
const FLOOD: usize = 8;
/// How long a subscriber's DISCONNECT waits for the broker to close: a
/// message still arriving after our close would make the kernel answer with
/// a reset, and a broker may then drop our DISCONNECT unread (and publish
/// the will).
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// What every connection of a program shares: the TLS configuration, built
/// (certificates read) once, and the brokers' addresses, resolved once per
/// host (a generator opening 10,000 connections to `localhost` would
/// otherwise read /etc/hosts 10,000 times).
#[derive(Clone)]
pub struct Connector {
    tls: Option<Tls>,
    addrs: Arc<Mutex<HashMap<(String, u16), Addrs>>>,
    /// A full window waits for a quarter of it to be free ([`Connection::room`]):
    /// fewer writes for a load generator's many connections, but a program's
    /// one connection is quicker without (mqtt-pub -l -q 1: 82 k msg/s
    /// against 53 k to mosquitto 2.0).
    refill_wait: bool,
    /// How the program uses its connections.
    session: SessionOptions,
}

/// A host's addresses, shared by its connections.
type Addrs = Arc<[SocketAddr]>;

impl Connector {
    pub fn new(s: &ConnSettings, session: SessionOptions) -> Result<Connector, ConnectFailure> {
        Ok(Connector {
            tls: tls_config(s)?,
            addrs: Arc::default(),
            refill_wait: true,
            session,
        })
    }

    /// The addresses of the settings' broker, from the first connection
    /// that resolved them; `None` (each connect resolves, and reports a
    /// failure as usual) through a proxy, for a unix socket, or while the
    /// name does not resolve.
    fn addrs(&self, s: &ConnSettings) -> Option<Addrs> {
        let Endpoint::Tcp { host, port } = &s.endpoint else {
            return None;
        };
        if s.proxy.is_some() {
            return None;
        }
        let key = (host.clone(), *port);
        let mut cache = self.addrs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(a) = cache.get(&key) {
            return Some(a.clone());
        }
        let found: Addrs = super::connect::resolve(host, *port)
            .ok()
            .filter(|a| !a.is_empty())?
            .into();
        cache.insert(key, found.clone());
        Some(found)
    }
}

/// The queue a producer publishes through, from another task or the same.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Box<OutMessage>>,
    /// A place per QoS 1/2 flow the window has room for.
    window: Arc<Semaphore>,
}

impl Outbox {
    /// Queue a publish; waits while the queue is full, and a QoS 1/2 one
    /// while the in-flight window is. Fails once the connection is closed.
    /// Cancel-safe.
    pub async fn publish(&self, m: OutMessage) -> anyhow::Result<()> {
        // The semaphore is never closed. A place taken goes back if this
        // future is dropped before the message is queued.
        let place = match m.qos {
            QoS::AtMostOnce => None,
            _ => self.window.acquire().await.ok(),
        };
        let sent = self.tx.send(Box::new(m)).await;
        if let (Some(p), true) = (place, sent.is_ok()) {
            p.forget();
        }
        sent.map_err(|_| anyhow::anyhow!("cannot queue a publish: the connection is closed"))
    }
}

/// Buffers and I/O.
struct Io {
    stream: Option<Boxed>,
    rbuf: BytesMut,
    /// How much the next read may take (grows while reads fill it).
    chunk: usize,
    wbuf: BytesMut,
    /// How often the pending write let the other tasks run first, and its
    /// size the last time ([`Connection::poll`]).
    yielded: u8,
    yield_mark: usize,
    /// Acknowledgements of the broker's messages waiting for company.
    hold: AckHold,
    /// After a read that brought a flood of QoS 0 messages, how long the
    /// next one waits ([`Connection::pace_reads`]), and until when it does.
    pace: Option<Duration>,
    paused: Option<Instant>,
}

/// Keep-alive and liveness.
struct Liveness {
    keepalive: Duration,
    last_in: Instant,
    last_out: Instant,
    ping_out: bool,
    /// The keep-alive timer ([`Connection::wait`]), made on first use.
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl Liveness {
    fn silence_limit(&self) -> Duration {
        self.keepalive.mul_f64(1.5)
    }

    fn reset(&mut self, now: Instant) {
        (self.last_in, self.last_out, self.ping_out) = (now, now, false);
    }

    /// When the keep-alive timer is due: the next PINGREQ, or the moment a
    /// broker that owes an answer counts as gone.
    fn due(&self, awaiting: bool) -> Option<Instant> {
        if self.keepalive.is_zero() {
            return None;
        }
        let silence = self.last_in + self.silence_limit();
        let ping = self.last_out + self.keepalive;
        Some(match (self.ping_out, awaiting) {
            (true, _) => silence,
            (false, true) => ping.min(silence),
            (false, false) => ping,
        })
    }
}

/// Where the connection is in its life.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Closing {
    Open,
    /// DISCONNECT is in the write buffer.
    Disconnecting,
    /// DISCONNECT is written; the broker's close is next.
    Written,
    /// DISCONNECT was written: no more connecting.
    Closed,
}

pub struct Connection {
    codec: Codec,
    dial: Dial,
    /// The CONNECT packet, encoded once.
    connect: Bytes,
    /// `-M`, and the broker's receive maximum (MQTT 5) when lower.
    max_inflight: u16,
    limit: u16,
    io: Io,
    live: Liveness,
    flows: Flows,
    /// The program acknowledges the broker's messages once handled
    /// ([`Connection::ack`]); else they are acknowledged on arrival.
    acks_by_caller: bool,
    events: VecDeque<Event>,
    /// The packet ids (0 at QoS 0) of the PUBLISHes encoded since the last
    /// write, with `-d` what each one's line shows: each is reported written
    /// ([`Event::PublishSent`]) once it is.
    unwritten: VecDeque<(u16, Option<Box<PublishLine>>)>,
    /// The error to report once the events before it are taken.
    failed: Option<ConnError>,
    /// MQTT 5 topic aliases the broker set.
    aliases: HashMap<u16, Bytes>,
    rx: Option<mpsc::Receiver<Box<OutMessage>>>,
    window: Option<Arc<Semaphore>>,
    /// Publishes of the program's own ([`Connection::publish`]) waiting for
    /// room in the window.
    backlog: VecDeque<OutMessage>,
    phases: Phases,
    /// Events of our answers queued while the current packet is handled.
    answers: usize,
    /// mosquitto's `-d` lines (`None` without `-d`: nothing to carry).
    debug: Option<Box<DebugLog>>,
    /// A full window waiting for a quarter of it to be free (not at QoS 2:
    /// see [`Connection::room`]); whether the last publish was QoS 2.
    refill: Gather,
    exactly_once: bool,
    refill_wait: bool,
    /// The properties of the last MQTT 5 CONNACK (boxed: most connections
    /// never look).
    connack_props: Option<Box<ConnAckProps>>,
    session_present: bool,
    closing: Closing,
    /// A SUBSCRIBE was sent: messages may come until the broker closes.
    subscribed: bool,
    /// Where a persistent session is kept between runs.
    store: Option<PathBuf>,
    /// How long a lost connection may be retried: only for a persistent
    /// session (`-c -i ID`) with `--connect-retry`, whose broker keeps what
    /// was in flight.
    retry_lost: Option<Duration>,
}

/// What woke [`Connection::wait`].
enum Woke {
    Read(io::Result<usize>),
    Request(Option<Box<OutMessage>>),
    Timer,
}

impl Connection {
    /// Connect and wait for a successful CONNACK: one attempt, bounded by
    /// the connect timeout, or attempts until `--connect-retry` is up.
    pub async fn connect(s: &ConnSettings, c: &Connector) -> Result<Connection, ConnectFailure> {
        let mut conn = Connection::new(s, c)?;
        // With --connect-retry, a refused or cut connect is tried again
        // (with backoff, until the time is up), as the other tools do.
        let mut retry = s.connect_retry.map(Retry::new);
        loop {
            match Box::pin(conn.open()).await {
                Ok(()) => {
                    // The first CONNACK is the caller's answer, not an event.
                    if let Some(ack) = conn.events.pop_front()
                        && let Some(d) = &mut conn.debug
                    {
                        d.event(&ack);
                    }
                    // The queue's room for that one event would stay with
                    // every idle connection of a load generator (0.4 KiB).
                    if conn.events.is_empty() {
                        conn.events = VecDeque::new();
                    }
                    return Ok(conn);
                }
                Err(e) => {
                    let again = match &mut retry {
                        Some(r) if e.is_transient() => r.pause().await,
                        _ => false,
                    };
                    if !again {
                        return Err(ConnectFailure::new(
                            &e,
                            &conn.dial.target(),
                            s.protocol,
                            s.connect_retry,
                        ));
                    }
                }
            }
        }
    }

    /// The connection's state for `s`, not yet connected: the CONNECT
    /// encoded, a persistent session's flows read back.
    fn new(s: &ConnSettings, c: &Connector) -> Result<Connection, ConnectFailure> {
        // MQTT 3.1 has no broker-assigned ids: make one, as libmosquitto
        // does. (Here, not in `connect`: a copy of the settings there would
        // take room in every connect's future, 1 KiB per connection.)
        let with_id;
        let s = if s.protocol == Protocol::V31 && s.client_id.is_none() {
            with_id = ConnSettings {
                client_id: Some(generated_id()),
                ..s.clone()
            };
            &with_id
        } else {
            s
        };
        let codec = Codec::new(s, &c.session);
        let connect = Codec::connect(s, &c.session).map_err(|e| ConnectFailure::setup(format!("{e}.")))?;
        let store = super::store::path(s);
        let flows = match &store {
            Some(path) => super::store::load(path, s, &codec)
                .map_err(|e| ConnectFailure::setup(format!("{e}.")))?
                .map(Flows::restore)
                .unwrap_or_default(),
            None => Flows::default(),
        };
        let now = Instant::now();
        Ok(Connection {
            codec,
            dial: Dial::new(s, c.tls.clone(), c.session.nodelay).with_addrs(c.addrs(s)),
            connect,
            max_inflight: s.max_inflight.max(1),
            limit: s.max_inflight.max(1),
            io: Io {
                stream: None,
                rbuf: BytesMut::new(),
                chunk: READ_MIN,
                wbuf: BytesMut::new(),
                yielded: 0,
                yield_mark: 0,
                hold: AckHold::new(),
                pace: None,
                paused: None,
            },
            live: Liveness {
                keepalive: Duration::from_secs(u64::from(s.keepalive)),
                last_in: now,
                last_out: now,
                ping_out: false,
                sleep: None,
            },
            flows,
            acks_by_caller: c.session.manual_acks,
            events: VecDeque::new(),
            unwritten: VecDeque::new(),
            failed: None,
            aliases: HashMap::new(),
            rx: None,
            window: None,
            backlog: VecDeque::new(),
            phases: Phases::default(),
            answers: 0,
            debug: s.debug.then(|| Box::new(DebugLog::new(true, s.client_id.clone()))),
            refill: Gather::new(quarter(s.max_inflight.max(1))),
            exactly_once: false,
            refill_wait: c.refill_wait,
            connack_props: None,
            session_present: false,
            closing: Closing::Open,
            subscribed: false,
            store,
            retry_lost: s.connect_retry.filter(|_| !s.clean && s.client_id.is_some()),
        })
    }

    /// [`Connection::connect`] for a program with one connection.
    pub async fn start(s: &ConnSettings, session: SessionOptions) -> Result<Connection, ConnectFailure> {
        let c = Connector {
            refill_wait: false,
            ..Connector::new(s, session)?
        };
        Connection::connect(s, &c).await
    }

    /// Under a flood of QoS 0 messages, wait `pause` after each read so the
    /// next takes many at once: per message, a wake-up and a read cost the
    /// kernel more than the program spends on the message. Only then: a light
    /// stream is read (and handed on) as each message comes, and a message
    /// waits at most `pause` more. Not for reads with other packets: a broker
    /// sends its next QoS 1/2 messages only once it has our answers.
    pub fn pace_reads(&mut self, pause: Duration) {
        self.io.pace = Some(pause);
    }

    /// The phases of the last successful connect.
    pub fn phases(&self) -> Phases {
        self.phases
    }

    /// Flows of an earlier run (a persistent session's file) still open:
    /// sent again first, their acks settle nothing of this run.
    pub fn resends_pending(&self) -> usize {
        self.flows.earlier()
    }

    /// How long a lost connection may be retried (see the field).
    pub fn retry_lost(&self) -> Option<Duration> {
        self.retry_lost
    }

    /// The `-d` printer (disabled without `-d`).
    pub fn debug(&self) -> &DebugLog {
        static OFF: std::sync::OnceLock<DebugLog> = std::sync::OnceLock::new();
        self.debug
            .as_deref()
            .unwrap_or_else(|| OFF.get_or_init(DebugLog::default))
    }

    /// The queue for a producer (made on the first call; one per connection).
    pub fn outbox(&mut self) -> Outbox {
        let (tx, rx) = mpsc::channel(CHANNEL);
        let window = Arc::new(Semaphore::new(usize::from(self.limit)));
        self.rx = Some(rx);
        self.window = Some(window.clone());
        Outbox { tx, window }
    }

    /// The properties of the last MQTT 5 CONNACK, as sent (`None` on 3.1.1,
    /// or when the broker sent none).
    pub fn connack_props(&self) -> Option<&ConnAckProps> {
        self.connack_props.as_deref()
    }

    /// Whether the broker resumed a session at the last CONNACK.
    pub fn session_present(&self) -> bool {
        self.session_present
    }

    /// Queue one SUBSCRIBE with every filter; its SUBACK comes as an event.
    pub fn subscribe(&mut self, filters: &[Filter], props: &SubscribeProps) -> Result<u16, ConnError> {
        let pkid = self.flows.next_pkid();
        self.codec.subscribe(&mut self.io.wbuf, pkid, filters, props)?;
        self.subscribed = true;
        if self.debug.is_some() {
            let filters = (filters.iter()).map(|f| (f.topic.clone(), f.qos as u8, f.options_byte()));
            let filters = filters.collect();
            self.events.push_back(Event::SubscribeSent { pkid, filters });
        }
        Ok(pkid)
    }

    /// Queue one UNSUBSCRIBE; its UNSUBACK comes as an event.
    pub fn unsubscribe(&mut self, topic: &str, user_properties: &[(String, String)]) -> Result<u16, ConnError> {
        let pkid = self.flows.next_pkid();
        self.codec
            .unsubscribe(&mut self.io.wbuf, pkid, topic, user_properties)?;
        if self.debug.is_some() {
            let topic = topic.to_string();
            self.events.push_back(Event::UnsubscribeSent { pkid, topic });
        }
        Ok(pkid)
    }

    /// Queue a publish of the program's own (written by the next
    /// [`Connection::poll`]; a QoS 1/2 one waits while the window is full).
    pub fn publish(&mut self, m: OutMessage) -> Result<(), ConnError> {
        if m.qos != QoS::AtMostOnce && (!self.backlog.is_empty() || self.flows.open() >= usize::from(self.limit)) {
            self.backlog.push_back(m);
            return Ok(());
        }
        self.send(m, false).map(drop)
    }

    /// Queue a publish at once, whatever the window; its packet id (0 at
    /// QoS 0). The in-flight limit is the caller's to keep.
    pub fn publish_now(&mut self, m: OutMessage) -> Result<u16, ConnError> {
        self.send(m, false)
    }

    /// Acknowledge a message of the broker's once handled (when the
    /// program acknowledges: [`SessionOptions::manual_acks`]).
    pub fn ack(&mut self, m: &Message) {
        if !self.acks_by_caller {
            return;
        }
        match m.qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => self.answer(Ack::PubAck, m.pkid),
            QoS::ExactlyOnce if self.flows.acked(m.pkid) => self.answer(Ack::PubRec, m.pkid),
            QoS::ExactlyOnce => {}
        }
        self.answers = 0;
    }

    /// Whether the broker's QoS 2 message `pkid` still awaits its PUBREL.
    pub fn awaiting_pubrel(&self, pkid: u16) -> bool {
        self.flows.awaiting_pubrel(pkid)
    }

    /// Queue DISCONNECT behind what is queued (`with_will`, MQTT 5: reason
    /// 4, the broker publishes the will). [`Connection::poll`] reports
    /// [`Event::DisconnectSent`] once it is written and the broker closed,
    /// and an error if the connection goes first.
    pub fn disconnect(&mut self, props: &DisconnectProps, with_will: bool) {
        if self.closing != Closing::Open {
            return;
        }
        self.closing = Closing::Disconnecting;
        self.rx = None;
        self.backlog.clear();
        if self.io.stream.is_some() {
            self.codec.disconnect(&mut self.io.wbuf, props, with_will);
        }
    }

    /// Send DISCONNECT and close at once (bounded: 2 s).
    pub async fn close(&mut self) {
        if self.io.stream.is_none() {
            return;
        }
        self.codec
            .disconnect(&mut self.io.wbuf, &DisconnectProps::default(), false);
        if let Some(d) = &mut self.debug {
            d.event(&Event::DisconnectSent);
        }
        // Closing the socket sends the FIN after what was written.
        let _ = timeout(Duration::from_secs(2), self.flush()).await;
        self.io.stream = None;
        self.closing = Closing::Closed;
    }

    /// Write a persistent session's state for the next run (a no-op otherwise).
    pub fn save_session(&self) -> io::Result<()> {
        match &self.store {
            Some(path) => super::store::save(path, &self.flows.save(self.max_inflight)),
            None => Ok(()),
        }
    }

    /// The next event; after a lost connection, the next call connects
    /// again (a [`Event::ConnAck`], then the resumed session's resends).
    /// Cancel-safe: nothing is lost when the future is dropped.
    pub async fn poll(&mut self) -> Result<Event, ConnError> {
        loop {
            if let Some(ev) = self.events.pop_front() {
                if let Some(d) = &mut self.debug {
                    d.event(&ev);
                }
                return Ok(ev);
            }
            if let Some(e) = self.failed.take() {
                return Err(e);
            }
            match self.closing {
                Closing::Closed => return Err(ConnError::Closed("the connection is closed".into())),
                Closing::Written => {
                    self.closed().await;
                    return Ok(Event::DisconnectSent);
                }
                Closing::Open | Closing::Disconnecting => {}
            }
            if self.io.stream.is_none() {
                if self.closing == Closing::Disconnecting {
                    self.closing = Closing::Closed;
                    return Err(ConnError::Closed("the connection was lost while disconnecting".into()));
                }
                // Boxed: connecting (TLS, WebSocket) takes a large future,
                // which would otherwise be part of every poll's.
                Box::pin(self.open()).await?;
                continue;
            }
            if self.io.hold.waits(self.io.wbuf.len(), Instant::now()) {
                if let Err(e) = self.wait().await {
                    self.lose(e);
                }
                continue;
            }
            if !self.io.wbuf.is_empty() {
                // Let the other tasks run before writing (once, and once
                // more if that added to the write): a producer adds its next
                // messages, acknowledgements gather. Fewer, larger writes:
                // on QoS 1 a fifth less CPU per message.
                let before = self.io.wbuf.len();
                let io = &mut self.io;
                if io.yielded < YIELDS && before < COALESCE && (io.yielded == 0 || before > io.yield_mark) {
                    io.yielded += 1;
                    io.yield_mark = before;
                    tokio::task::yield_now().await;
                    // What arrived meanwhile answers in the same write.
                    let more = match self.read_arrived().await {
                        Ok(()) => self.take_queued(),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = more {
                        self.lose(e);
                    }
                    continue;
                }
                self.io.yielded = 0;
                if let Err(e) = self.flush().await {
                    self.lose(e);
                    continue;
                }
                let written = self
                    .unwritten
                    .drain(..)
                    .map(|(pkid, line)| Event::PublishSent { pkid, line });
                self.events.extend(written);
                if self.closing == Closing::Disconnecting {
                    self.closing = Closing::Written;
                }
                continue;
            }
            if let Err(e) = self.wait().await {
                self.lose(e);
            }
        }
    }

    /// DISCONNECT is written: close. A connection with subscriptions first
    /// waits (briefly) for the broker to close; one that only published is
    /// sent nothing more once everything is settled, and leaves at once.
    async fn closed(&mut self) {
        if let Some(d) = &mut self.debug {
            d.event(&Event::DisconnectSent);
        }
        // What still comes is not acted on (a message stays with a
        // persistent session), but `-d` shows it, as mosquitto's clients do.
        let Connection { io, codec, debug, .. } = self;
        if let Some(stream) = &mut io.stream {
            let _ = stream.shutdown().await;
            if !self.subscribed {
                io.stream = None;
                self.closing = Closing::Closed;
                return;
            }
            let _ = timeout(CLOSE_WAIT, async {
                while matches!(stream.read_buf(&mut io.rbuf).await, Ok(n) if n > 0) {
                    while let Ok(Some(ev)) = codec.read(&mut io.rbuf) {
                        if let Some(d) = debug {
                            d.event(&ev);
                        }
                    }
                    if io.rbuf.capacity() - io.rbuf.len() < READ_MIN {
                        io.rbuf.reserve(READ_MIN);
                    }
                }
            })
            .await;
        }
        self.io.stream = None;
        self.closing = Closing::Closed;
    }

    /// Open the transport, send CONNECT, read CONNACK; then the session's
    /// resends, when the broker resumed it.
    async fn open(&mut self) -> Result<(), ConnError> {
        if let Some(d) = &self.debug {
            d.client(format_args!("sending CONNECT"));
        }
        let opened = timeout(CONNECT_TIMEOUT, self.handshake())
            .await
            .map_err(|_| ConnError::Timeout)
            .and_then(|r| r);
        if let (Err(ConnError::Refused { code, .. }), Some(d)) = (&opened, &mut self.debug) {
            d.connack(*code, None);
        }
        let (stream, rest, session_present, phases) = opened?;
        self.io.stream = Some(stream);
        self.io.rbuf = rest;
        self.io.wbuf = BytesMut::new();
        self.io.hold.clear();
        self.io.chunk = READ_MIN;
        self.io.paused = None;
        self.refill.cancel();
        self.phases = phases;
        self.live.reset(Instant::now());
        self.session_present = session_present;
        if session_present {
            let codec = &self.codec;
            self.flows
                .resend(&mut self.io.wbuf, |b, id| codec.ack(b, Ack::PubRel, id));
        } else {
            let permits = self.flows.forget();
            self.give_back(permits);
        }
        self.aliases.clear();
        let assigned_id = (self.connack_props.as_ref()).and_then(|p| p.assigned_client_identifier.clone());
        self.events.push_back(Event::ConnAck {
            session_present,
            assigned_id,
        });
        // Packets that came with the CONNACK.
        if let Err(e) = self.decode() {
            self.lose(e);
        }
        Ok(())
    }

    /// One connect: (the stream, bytes read after the CONNACK, session
    /// present, phases).
    async fn handshake(&mut self) -> Result<(Boxed, BytesMut, bool, Phases), ConnError> {
        let (mut stream, mut phases) = self.dial.open_timed().await.map_err(ConnError::from_io)?;
        let sent = Instant::now();
        stream.write_all(&self.connect).await.map_err(ConnError::from_io)?;
        stream.flush().await.map_err(ConnError::from_io)?;
        let mut buf = BytesMut::with_capacity(READ_MIN);
        loop {
            let n = stream.read_buf(&mut buf).await.map_err(ConnError::from_io)?;
            if n == 0 {
                return Err(ConnError::Closed("the broker closed the connection".into()));
            }
            let Some(ack) = self.codec.read_connack(&mut buf)? else {
                continue;
            };
            if ack.code != 0 {
                return Err(ConnError::Refused {
                    code: ack.code,
                    v5: self.codec.v5(),
                });
            }
            if let Some(p) = &ack.props {
                if let Some(k) = p.server_keep_alive {
                    self.live.keepalive = Duration::from_secs(u64::from(k));
                }
                self.limit = self.max_inflight.min(p.receive_maximum.unwrap_or(u16::MAX)).max(1);
                self.refill.set_most(quarter(self.limit));
            }
            self.connack_props = ack.props.map(Box::new);
            phases.connack = sent.elapsed();
            return Ok((stream, buf, ack.session_present, phases));
        }
    }

    /// Wait for bytes from the broker, a publish to send (while the window
    /// has room) or the keep-alive timer, and act on it.
    async fn wait(&mut self) -> Result<(), ConnError> {
        let spare = self.read_room();
        let now = Instant::now();
        let (room, refill) = self.room(now);
        // The keep-alive's, or the end of a wait for company (the
        // acknowledgements' is only waited for in `poll`).
        let held = (self.io.hold)
            .waits(self.io.wbuf.len(), now)
            .then(|| self.io.hold.until())
            .flatten();
        let paused = self.io.paused.filter(|&t| t > now);
        self.io.paused = paused;
        let due = [self.live.due(self.awaiting()), held, refill, paused]
            .into_iter()
            .flatten()
            .min();
        // Due already: a connection whose socket always has bytes to read
        // (the select below tries reading first) still sends its PINGREQs.
        if due.is_some_and(|at| at <= now) {
            return self.tick();
        }
        // One sleep for the connection's life, moved only when it must go
        // off sooner or has gone off: most waits leave the timer wheel alone.
        match (due, &mut self.live.sleep) {
            (None, _) => {}
            (Some(at), Some(s)) if s.deadline() > now && s.deadline() <= at => {}
            (Some(at), Some(s)) => s.as_mut().reset(at),
            (Some(at), None) => self.live.sleep = Some(Box::pin(sleep_until(at))),
        }
        let woke = {
            let Connection { io, rx, live, .. } = self;
            let stream = io.stream.as_mut().expect("wait runs connected");
            let timed = due.is_some();
            let reading = paused.is_none();
            tokio::select! {
                biased;
                r = stream.read_buf(&mut io.rbuf), if reading => Woke::Read(r),
                m = recv(rx), if room => Woke::Request(m),
                () = sleep_or_never(live.sleep.as_mut().filter(|_| timed)) => Woke::Timer,
            }
        };
        match woke {
            Woke::Read(r) => self.got(r, spare),
            Woke::Request(None) => {
                self.rx = None;
                Ok(())
            }
            Woke::Request(Some(m)) => {
                self.send(*m, true)?;
                self.take_queued()
            }
            Woke::Timer => self.tick(),
        }
    }

    /// Make room in the read buffer (giving a burst's large one back once
    /// it is empty); the room there is.
    fn read_room(&mut self) -> usize {
        let io = &mut self.io;
        if io.rbuf.is_empty() && io.rbuf.capacity() > 2 * io.chunk {
            io.rbuf = BytesMut::new();
        }
        if io.rbuf.capacity() - io.rbuf.len() < io.chunk / 2 {
            io.rbuf.reserve(io.chunk);
        }
        io.rbuf.capacity() - io.rbuf.len()
    }

    /// Act on a read of at most `spare` bytes: the next read's size follows
    /// how full this one came back.
    fn got(&mut self, r: io::Result<usize>, spare: usize) -> Result<(), ConnError> {
        match r {
            Ok(0) => Err(ConnError::Closed("the broker closed the connection".into())),
            Ok(n) => {
                self.live.last_in = Instant::now();
                let io = &mut self.io;
                io.chunk = if n >= spare {
                    (io.chunk * 2).min(READ_MAX)
                } else {
                    (io.chunk / 2).max(READ_MIN)
                };
                let flood = self.decode()?;
                if flood >= FLOOD {
                    self.io.paused = self.io.pace.map(|d| Instant::now() + d);
                }
                Ok(())
            }
            Err(e) => Err(ConnError::from_io(e)),
        }
    }

    /// Read what has already arrived, without waiting for more (nothing
    /// when the socket is empty).
    async fn read_arrived(&mut self) -> Result<(), ConnError> {
        let spare = self.read_room();
        let Io { stream, rbuf, .. } = &mut self.io;
        let Some(stream) = stream.as_mut() else {
            return Ok(());
        };
        let mut read = std::pin::pin!(stream.read_buf(rbuf));
        let r = std::future::poll_fn(|cx| std::task::Poll::Ready(read.as_mut().poll(cx))).await;
        match r {
            std::task::Poll::Ready(r) => self.got(r, spare),
            std::task::Poll::Pending => Ok(()),
        }
    }

    /// Whether the window takes another publish from the queue. Once full,
    /// it waits (briefly, see [`Gather`]) until a quarter of it is free:
    /// the broker still has the other three quarters to answer, and the
    /// next write carries several. Not at QoS 2, whose flows end two round
    /// trips later: there the wait cost a third of the throughput and saved
    /// no CPU (mosquitto 2.0 and aedes, measured). With the answer, until
    /// when it waits while places are free (to be woken then).
    fn room(&mut self, now: Instant) -> (bool, Option<Instant>) {
        if self.closing != Closing::Open {
            return (false, None);
        }
        let free = (self.limit).saturating_sub(u16::try_from(self.flows.open()).unwrap_or(u16::MAX));
        if self.exactly_once || !self.refill_wait {
            return (free > 0, None);
        }
        if free == 0 {
            self.refill.start(now);
            return (false, None);
        }
        if self.refill.waits(free, now) {
            return (false, self.refill.until());
        }
        if self.refill.waiting() {
            self.refill.end(free, now);
        }
        (true, None)
    }

    /// Encode an acknowledgement, shown with -d after the packet it
    /// answers. One of a message of the broker's may wait for others to go
    /// in the same write; a PUBREL of our flow goes with the next write.
    fn answer(&mut self, ack: Ack, pkid: u16) {
        let before = self.io.wbuf.len();
        self.codec.ack(&mut self.io.wbuf, ack, pkid);
        if ack != Ack::PubRel {
            self.io.hold.add(before, self.io.wbuf.len(), Instant::now());
        }
        if self.debug.is_some() {
            self.events.push_back(Event::AckSent { ack, pkid });
            self.answers += 1;
        }
    }

    /// Encode the publishes already waiting (as many as the window and one
    /// batch allow), to go in the same write: the program's own first.
    fn take_queued(&mut self) -> Result<(), ConnError> {
        while self.flows.open() < usize::from(self.limit) {
            let Some(m) = self.backlog.pop_front() else { break };
            self.send(m, false)?;
        }
        for _ in 1..BATCH {
            if self.flows.open() >= usize::from(self.limit) || self.closing != Closing::Open {
                break;
            }
            match self.rx.as_mut().map(mpsc::Receiver::try_recv) {
                Some(Ok(m)) => {
                    self.send(*m, true)?;
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Whether an answer is owed: a PINGRESP, or an ack of ours.
    fn awaiting(&self) -> bool {
        self.live.ping_out || self.flows.open() > 0
    }

    fn tick(&mut self) -> Result<(), ConnError> {
        let now = Instant::now();
        let awaiting = self.awaiting();
        let live = &mut self.live;
        if awaiting && now >= live.last_in + live.silence_limit() {
            return Err(ConnError::Closed(format!(
                "the broker sent nothing for {:.1} s, 1.5 × keep-alive",
                live.silence_limit().as_secs_f64()
            )));
        }
        if !live.ping_out && now >= live.last_out + live.keepalive {
            self.codec.ping(&mut self.io.wbuf);
            live.ping_out = true;
            if self.debug.is_some() {
                self.events.push_back(Event::PingReqSent);
            }
        }
        Ok(())
    }

    /// Encode one publish; a QoS 1/2 one opens a flow (`permit`: it holds a
    /// place in the queue's window). Its packet id, 0 at QoS 0.
    fn send(&mut self, m: OutMessage, permit: bool) -> Result<u16, ConnError> {
        let pkid = match m.qos {
            QoS::AtMostOnce => 0,
            _ => self.flows.next_pkid(),
        };
        self.exactly_once = m.qos == QoS::ExactlyOnce;
        let line = self.debug.is_some().then(|| {
            let (qos, retain, topic, len) = (m.qos as u8, m.retain, m.topic.clone(), m.payload.len());
            Box::new(PublishLine {
                qos,
                retain,
                topic,
                len,
            })
        });
        let at = self.io.wbuf.len();
        if let Err(e) = self.codec.publish(&mut self.io.wbuf, m, pkid) {
            if permit && pkid != 0 {
                self.give_back(1);
            }
            self.events.push_back(Event::PublishFailed { why: e.to_string() });
            return Ok(0);
        }
        if pkid != 0 {
            let bytes = Bytes::copy_from_slice(&self.io.wbuf[at..]);
            self.flows.started(pkid, bytes, permit);
        }
        self.unwritten.push_back((pkid, line));
        Ok(pkid)
    }

    fn give_back(&self, n: usize) {
        if let Some(w) = &self.window {
            w.add_permits(n);
        }
    }

    /// Handle every whole packet in the read buffer; how many were QoS 0
    /// messages (0 if any other packet came).
    fn decode(&mut self) -> Result<usize, ConnError> {
        let mut flood = Some(0);
        while let Some(ev) = self.codec.read(&mut self.io.rbuf)? {
            flood = match &ev {
                Event::Message(m) if m.qos == QoS::AtMostOnce => flood.map(|n| n + 1),
                _ => None,
            };
            self.handle(ev)?;
        }
        Ok(flood.unwrap_or(0))
    }

    fn handle(&mut self, mut ev: Event) -> Result<(), ConnError> {
        self.answers = 0;
        let deliver = match &mut ev {
            Event::Message(m) => {
                self.alias(m)?;
                self.received(m.qos, m.pkid)
            }
            Event::PubAck { pkid, .. } | Event::PubComp { pkid, .. } => self.flow_ended(*pkid),
            Event::PubRec { pkid, reason, .. } if *reason >= 0x80 => self.flow_ended(*pkid),
            Event::PubRec { pkid, .. } => {
                let pkid = *pkid;
                self.flows.released(pkid);
                self.answer(Ack::PubRel, pkid);
                true
            }
            Event::PubRelReceived { pkid } => {
                let pkid = *pkid;
                self.answer(Ack::PubComp, pkid);
                self.flows.completed(pkid);
                true
            }
            Event::PingResp => {
                self.live.ping_out = false;
                self.debug.is_some()
            }
            Event::DisconnectReceived { reason, reason_string } => {
                let why = format!(
                    "the broker sent DISCONNECT: {}{}",
                    crate::mqtt::reason(*reason),
                    reason_string.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
                );
                self.events.push_back(ev);
                return Err(ConnError::Closed(why));
            }
            _ => true,
        };
        if deliver {
            // Answers (acks) were queued as events while the packet was
            // handled: with -d, the packet's line comes first.
            let at = self.events.len() - self.answers;
            self.events.insert(at, ev);
        }
        self.answers = 0;
        Ok(())
    }

    /// A message from the broker: acknowledge it (unless that is the
    /// program's to do); whether to deliver it (not a QoS 2 message already
    /// delivered and awaiting PUBREL).
    fn received(&mut self, qos: QoS, pkid: u16) -> bool {
        let auto = !self.acks_by_caller;
        match qos {
            QoS::AtMostOnce => true,
            QoS::AtLeastOnce => {
                if auto {
                    self.answer(Ack::PubAck, pkid);
                }
                true
            }
            QoS::ExactlyOnce => match self.flows.arrived(pkid, auto) {
                Arrival::New => {
                    if auto {
                        self.answer(Ack::PubRec, pkid);
                    }
                    true
                }
                Arrival::AckAgain => {
                    // Its PUBREC may have been lost with a connection.
                    self.answer(Ack::PubRec, pkid);
                    false
                }
                Arrival::Pending => false,
            },
        }
    }

    /// PUBACK, PUBCOMP or a refusing PUBREC: the flow is over.
    fn flow_ended(&mut self, pkid: u16) -> bool {
        if self.flows.end(pkid) == Some(true) {
            self.give_back(1);
        }
        true
    }

    /// Resolve an MQTT 5 topic alias the broker uses.
    fn alias(&mut self, m: &mut Message) -> Result<(), ConnError> {
        let Some(alias) = m.props.as_ref().and_then(|p| p.topic_alias) else {
            return Ok(());
        };
        if m.topic.is_empty() {
            m.topic = (self.aliases.get(&alias).cloned())
                .ok_or_else(|| ConnError::Protocol(format!("an unknown topic alias ({alias})")))?;
        } else {
            self.aliases.insert(alias, m.topic.clone());
        }
        Ok(())
    }

    /// Write what is buffered. Cancel-safe: written bytes leave the buffer
    /// as they go.
    async fn flush(&mut self) -> Result<(), ConnError> {
        let limit = self.live.silence_limit().max(CONNECT_TIMEOUT);
        let Io { stream, wbuf, hold, .. } = &mut self.io;
        hold.flushing(wbuf.len(), Instant::now());
        let stream = stream.as_mut().expect("flush runs connected");
        let written = timeout(limit, async {
            while !wbuf.is_empty() {
                let n = stream.write(wbuf).await?;
                if n == 0 {
                    return Err(io::Error::from(io::ErrorKind::WriteZero));
                }
                wbuf.advance(n);
            }
            stream.flush().await
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(ConnError::from_io(e)),
            Err(_) => {
                return Err(ConnError::Closed(format!(
                    "the broker took nothing for {:.1} s",
                    limit.as_secs_f64()
                )));
            }
        }
        self.live.last_out = Instant::now();
        if self.io.wbuf.capacity() > WRITE_KEEP {
            self.io.wbuf = BytesMut::new();
        }
        Ok(())
    }

    /// The connection is gone: report `e` after the events before it; the
    /// flows stay for a resumed session.
    fn lose(&mut self, e: ConnError) {
        // Never written: a QoS 0 one is lost, a QoS 1/2 one is still a flow.
        self.unwritten.clear();
        self.io.stream = None;
        self.io.rbuf = BytesMut::new();
        self.io.wbuf = BytesMut::new();
        self.live.ping_out = false;
        self.failed = Some(e);
    }
}

/// A quarter of a window, at least one.
fn quarter(limit: u16) -> u16 {
    (limit / 4).max(1)
}

async fn recv(rx: &mut Option<mpsc::Receiver<Box<OutMessage>>>) -> Option<Box<OutMessage>> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_or_never(sleep: Option<&mut std::pin::Pin<Box<tokio::time::Sleep>>>) {
    match sleep {
        Some(s) => s.as_mut().await,
        None => std::future::pending().await,
    }
}
