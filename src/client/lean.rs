//! A lean MQTT connection for mqtt-bench: the library's packet codec, our
//! transport stack ([`super::transport`]), and only the state a load
//! generator needs, so that ten thousand connections fit in a few KiB each.
//!
//! The library's event loop costs 43 KiB and more per connection before it
//! sends a byte (four 65,536-bit packet-id sets, framing buffers, queues;
//! docs/mqtt-library.md), which no option shrinks. This connection keeps:
//!
//! - a read buffer sized to the traffic (1 KiB idle, doubling while reads
//!   fill it, released when a burst is over) and a write buffer released
//!   after a burst;
//! - its own QoS 1/2 flows in the order they started, each with the bytes of
//!   its PUBLISH, so a resumed session sends them again (DUP set) and the
//!   PUBRELs of released ones, in that order;
//! - packet ids counted up 1 → 65535 and round again, skipping ids in
//!   flight, as mosquitto's clients do;
//! - the broker's QoS 2 messages awaiting PUBREL, so a message sent again
//!   before its PUBREL is acknowledged again and delivered once.
//!
//! It reports the same [`Event`]s and [`ConnError`]s as [`super::Session`]
//! (packets go through the same conversions), times each phase of a connect
//! ([`Phases`]), notices a half-open connection like `Session::poll` (nothing
//! from the broker for 1.5 × keep-alive while an answer is awaited), and
//! connects again on the next [`Lean::poll`] after a loss. Publishing from
//! another task goes through a small channel made on first use
//! ([`Lean::publisher`]); a connection that only holds has none.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};

use super::debug::{Debug, PublishLine};
use super::events::{self, ConnError, Event};
use super::gather::{AckHold, Gather};
use super::message::{qos_from4, qos_from5};
use super::options::{self, CONNECT_TIMEOUT, MAX_PACKET, Tls, qos4, qos5};
use super::session::{ConnectFailure, Retry, tls_config};
use super::transport::{Boxed, Dial, Phases};
use crate::mqtt::{ConnAckProps, Filter, OutMessage, Protocol, QoS, SubscribeProps};
use crate::settings::{ConnSettings, Endpoint};

/// Requests a publisher may queue before it waits.
const CHANNEL: usize = 64;
/// Publishes taken from the channel into one write.
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

/// What every connection of a run shares: the TLS configuration, built
/// (certificates read) once, and the brokers' addresses, resolved once per
/// host (a generator opening 10,000 connections to `localhost` would
/// otherwise read /etc/hosts 10,000 times).
#[derive(Clone)]
pub struct Connector {
    tls: Option<Tls>,
    addrs: Arc<Mutex<HashMap<(String, u16), Addrs>>>,
}

/// A host's addresses, shared by its connections.
type Addrs = Arc<[SocketAddr]>;

impl Connector {
    pub fn new(s: &ConnSettings) -> Result<Connector, ConnectFailure> {
        Ok(Connector {
            tls: tls_config(s)?,
            addrs: Arc::default(),
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

/// The sending half, for a task that publishes while another polls.
#[derive(Clone)]
pub struct LeanPublisher {
    tx: mpsc::Sender<Box<OutMessage>>,
}

impl LeanPublisher {
    /// Queue a publish; waits while the channel is full. Fails once the
    /// connection is gone for good.
    pub async fn publish(&self, m: OutMessage) -> anyhow::Result<()> {
        self.tx
            .send(Box::new(m))
            .await
            .map_err(|_| anyhow::anyhow!("cannot queue a publish: the connection is closed"))
    }
}

/// One of our QoS 1/2 flows, in the order flows started.
struct Flow {
    pkid: u16,
    /// The PUBLISH as written (resent with DUP set), or `None` once PUBREC
    /// came and PUBREL is what a resumed session sends.
    publish: Option<Bytes>,
}

pub struct Lean {
    v5: bool,
    dial: Dial,
    /// The CONNECT packet, encoded once.
    connect: Bytes,
    keepalive: Duration,
    /// `-M`, and the broker's receive maximum (MQTT 5) when lower.
    max_inflight: u16,
    limit: u16,
    stream: Option<Boxed>,
    rbuf: BytesMut,
    /// How much the next read may take (grows while reads fill it).
    chunk: usize,
    wbuf: BytesMut,
    events: VecDeque<Event>,
    /// The error to report once the events before it are taken.
    failed: Option<ConnError>,
    flows: VecDeque<Flow>,
    next_id: u16,
    /// The broker's QoS 2 messages delivered and awaiting PUBREL.
    incoming_qos2: HashSet<u16>,
    /// MQTT 5 topic aliases the broker set.
    aliases: HashMap<u16, Bytes>,
    rx: Option<mpsc::Receiver<Box<OutMessage>>>,
    last_in: Instant,
    last_out: Instant,
    ping_out: bool,
    phases: Phases,
    /// Events of our answers queued while the current packet is handled.
    answers: usize,
    /// mosquitto's `-d` lines (`None` without `-d`: nothing to carry).
    debug: Option<Box<Debug>>,
    /// The keep-alive timer ([`Lean::timer`]), made on first use.
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    /// How often the pending write let the other tasks run first, and its
    /// size the last time ([`Lean::poll`]).
    yielded: u8,
    yield_mark: usize,
    /// Acknowledgements of the broker's messages waiting for company.
    hold: AckHold,
    /// A full window waiting for a quarter of it to be free (not at QoS 2:
    /// see [`Lean::room`]); whether the last publish was QoS 2.
    refill: Gather,
    exactly_once: bool,
    /// The properties of the last MQTT 5 CONNACK (boxed: most connections
    /// never look).
    connack_props: Option<Box<ConnAckProps>>,
    /// The last CONNACK's session-present flag.
    session_present: bool,
}

/// What woke [`Lean::wait`].
enum Woke {
    Read(io::Result<usize>),
    Request(Option<Box<OutMessage>>),
    Timer,
}

impl Lean {
    /// Connect and wait for a successful CONNACK: one attempt, bounded by
    /// the connect timeout, or attempts until `--connect-retry` is up.
    pub async fn connect(s: &ConnSettings, c: &Connector) -> Result<Lean, ConnectFailure> {
        let v5 = s.protocol == Protocol::V5;
        let mut connect = BytesMut::new();
        let encoded = if v5 {
            options::connect_v5(s)
                .write(&mut connect, None)
                .map_err(|e| e.to_string())
        } else {
            options::connect_v4(s).write(&mut connect).map_err(|e| e.to_string())
        };
        encoded.map_err(|e| ConnectFailure::setup(format!("Error: cannot encode CONNECT: {e}.")))?;
        let now = Instant::now();
        let mut lean = Lean {
            v5,
            dial: Dial::new(s, c.tls.clone(), None).with_addrs(c.addrs(s)),
            connect: connect.freeze(),
            keepalive: Duration::from_secs(u64::from(s.keepalive)),
            max_inflight: s.max_inflight.max(1),
            limit: s.max_inflight.max(1),
            stream: None,
            rbuf: BytesMut::new(),
            chunk: READ_MIN,
            wbuf: BytesMut::new(),
            events: VecDeque::new(),
            failed: None,
            flows: VecDeque::new(),
            next_id: 0,
            incoming_qos2: HashSet::new(),
            aliases: HashMap::new(),
            rx: None,
            last_in: now,
            last_out: now,
            ping_out: false,
            phases: Phases::default(),
            sleep: None,
            answers: 0,
            debug: s.debug.then(|| Box::new(Debug::new(true, s.client_id.clone()))),
            yielded: 0,
            yield_mark: 0,
            hold: AckHold::new(),
            refill: Gather::new(quarter(s.max_inflight.max(1))),
            exactly_once: false,
            connack_props: None,
            session_present: false,
        };
        // With --connect-retry, a refused or cut connect is tried again
        // (with backoff, until the time is up), as the other tools do.
        let mut retry = s.connect_retry.map(Retry::new);
        loop {
            match Box::pin(lean.open()).await {
                Ok(()) => {
                    // The first CONNACK is the caller's answer, not an event.
                    if let (Some(ack), Some(d)) = (lean.events.pop_front(), &mut lean.debug) {
                        d.event(&ack);
                    }
                    return Ok(lean);
                }
                Err(e) => {
                    let again = match &mut retry {
                        Some(r) if e.is_transient() => r.pause().await,
                        _ => false,
                    };
                    if !again {
                        return Err(ConnectFailure::new(
                            &e,
                            &lean.dial.target(),
                            s.protocol,
                            s.connect_retry,
                        ));
                    }
                }
            }
        }
    }

    /// The phases of the last successful connect.
    pub fn phases(&self) -> Phases {
        self.phases
    }

    /// How many QoS 1/2 flows may be open at once.
    pub fn inflight_limit(&self) -> u16 {
        self.limit
    }

    /// The sending half (its channel is made on the first call).
    pub fn publisher(&mut self) -> LeanPublisher {
        let (tx, rx) = mpsc::channel(CHANNEL);
        self.rx = Some(rx);
        LeanPublisher { tx }
    }

    /// Queue one SUBSCRIBE with every filter; its SUBACK comes as an event.
    pub fn subscribe(&mut self, filters: &[Filter], props: &SubscribeProps) -> Result<u16, ConnError> {
        let pkid = self.next_pkid();
        let written = if self.v5 {
            let mut sub = rumqttc5::Subscribe::new_many(
                filters.iter().map(options::filter_v5),
                Some(options::subscribe_props_v5(props)),
            );
            sub.pkid = pkid;
            rumqttc5::Packet::Subscribe(sub)
                .write(&mut self.wbuf, None)
                .map_err(|e| e.to_string())
        } else {
            let sub = rumqttc::Subscribe {
                pkid,
                filters: filters.iter().map(options::filter_v4).collect(),
            };
            sub.write(&mut self.wbuf).map_err(|e| e.to_string())
        };
        written.map_err(|e| ConnError::Other(format!("cannot encode SUBSCRIBE: {e}")))?;
        if let Some(d) = &self.debug {
            d.queued_subscribe(
                filters
                    .iter()
                    .map(|f| (f.topic.clone(), f.qos as u8, f.options_byte()))
                    .collect(),
            );
            self.events.push_back(Event::SubscribeSent { pkid });
        }
        Ok(pkid)
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

    /// Queue a publish on this connection (written by the next
    /// [`Lean::poll`]); its packet id, 0 at QoS 0. The in-flight limit is
    /// the caller's to keep.
    pub fn publish(&mut self, m: OutMessage) -> Result<u16, ConnError> {
        let qos = m.qos;
        self.send(m)?;
        Ok(match qos {
            QoS::AtMostOnce => 0,
            _ => self.flows.back().map_or(0, |f| f.pkid),
        })
    }

    /// Send DISCONNECT and close (bounded: 2 s).
    pub async fn disconnect(&mut self) {
        if self.stream.is_none() {
            return;
        }
        if self.v5 {
            let d = rumqttc5::Disconnect::new(rumqttc5::DisconnectReasonCode::NormalDisconnection);
            let _ = rumqttc5::Packet::Disconnect(d).write(&mut self.wbuf, None);
        } else {
            let _ = rumqttc::Packet::Disconnect.write(&mut self.wbuf, MAX_PACKET);
        }
        if let Some(d) = &mut self.debug {
            d.event(&Event::DisconnectSent);
        }
        // Closing the socket sends the FIN after what was written.
        let _ = timeout(Duration::from_secs(2), self.flush()).await;
        self.stream = None;
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
            if self.stream.is_none() {
                // Boxed: connecting (TLS, WebSocket) takes a large future,
                // which would otherwise be part of every poll's.
                Box::pin(self.open()).await?;
                continue;
            }
            if self.hold.waits(self.wbuf.len(), Instant::now()) {
                if let Err(e) = self.wait().await {
                    self.lose(e);
                }
                continue;
            }
            if !self.wbuf.is_empty() {
                // Let the other tasks run before writing (once, and once
                // more if that added to the write): a publisher's schedule
                // adds its next messages, acknowledgements gather. Fewer,
                // larger writes: on QoS 1 a fifth less CPU per message.
                let before = self.wbuf.len();
                if self.yielded < YIELDS && before < COALESCE && (self.yielded == 0 || before > self.yield_mark) {
                    self.yielded += 1;
                    self.yield_mark = before;
                    tokio::task::yield_now().await;
                    // What arrived meanwhile answers in the same write
                    // (a subscriber's acknowledgements; a publisher's
                    // window opens for more).
                    let more = match self.read_arrived().await {
                        Ok(()) => self.take_queued(),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = more {
                        self.lose(e);
                    }
                    continue;
                }
                self.yielded = 0;
                if let Err(e) = self.flush().await {
                    self.lose(e);
                }
                continue;
            }
            if let Err(e) = self.wait().await {
                self.lose(e);
            }
        }
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
        let now = Instant::now();
        self.stream = Some(stream);
        self.rbuf = rest;
        self.wbuf = BytesMut::new();
        self.hold.clear();
        self.refill.cancel();
        self.chunk = READ_MIN;
        self.phases = phases;
        (self.last_in, self.last_out, self.ping_out) = (now, now, false);
        self.session_present = session_present;
        if session_present {
            for f in &self.flows {
                match &f.publish {
                    Some(p) => {
                        self.wbuf.extend_from_slice(p);
                        // The DUP flag of the copy just appended.
                        let at = self.wbuf.len() - p.len();
                        self.wbuf[at] |= 0x08;
                    }
                    None => encode_ack(self.v5, &mut self.wbuf, Ack::PubRel, f.pkid),
                }
            }
        } else {
            self.flows.clear();
            self.incoming_qos2.clear();
        }
        self.aliases.clear();
        self.events.push_back(Event::ConnAck {
            session_present,
            assigned_id: None,
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
            let session_present = if self.v5 {
                match rumqttc5::Packet::read(&mut buf, None) {
                    Ok(rumqttc5::Packet::ConnAck(a)) => {
                        if a.code != rumqttc5::ConnectReturnCode::Success {
                            return Err(ConnError::Refused {
                                code: super::codes::connack_v5_code(a.code),
                                v5: true,
                            });
                        }
                        let (keepalive, receive_max) = a
                            .properties
                            .as_ref()
                            .map_or((None, None), |p| (p.server_keep_alive, p.receive_max));
                        self.connack_props = a.properties.map(|p| Box::new(connack_props(p)));
                        if let Some(k) = keepalive {
                            self.keepalive = Duration::from_secs(u64::from(k));
                        }
                        self.limit = self.max_inflight.min(receive_max.unwrap_or(u16::MAX)).max(1);
                        self.refill.set_most(quarter(self.limit));
                        a.session_present
                    }
                    Ok(other) => return Err(unexpected(&format!("{other:?}"))),
                    Err(rumqttc5::mqttbytes::Error::InsufficientBytes(_)) => continue,
                    Err(e) => return Err(malformed(&e)),
                }
            } else {
                match rumqttc::Packet::read(&mut buf, MAX_PACKET) {
                    Ok(rumqttc::Packet::ConnAck(a)) => {
                        if a.code != rumqttc::ConnectReturnCode::Success {
                            return Err(ConnError::Refused {
                                code: a.code as u8,
                                v5: false,
                            });
                        }
                        a.session_present
                    }
                    Ok(other) => return Err(unexpected(&format!("{other:?}"))),
                    Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => continue,
                    Err(e) => return Err(malformed(&e)),
                }
            };
            phases.connack = sent.elapsed();
            return Ok((stream, buf, session_present, phases));
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
        let held = self
            .hold
            .waits(self.wbuf.len(), now)
            .then(|| self.hold.until())
            .flatten();
        let due = [self.timer(), held, refill].into_iter().flatten().min();
        // Due already: a connection whose socket always has bytes to read
        // (the select below tries reading first) still sends its PINGREQs.
        if due.is_some_and(|at| at <= now) {
            return self.tick();
        }
        // One sleep for the connection's life, moved only when it must go
        // off sooner or has gone off: most waits leave the timer wheel alone.
        match (due, &mut self.sleep) {
            (None, _) => {}
            (Some(at), Some(s)) if s.deadline() > now && s.deadline() <= at => {}
            (Some(at), Some(s)) => s.as_mut().reset(at),
            (Some(at), None) => self.sleep = Some(Box::pin(sleep_until(at))),
        }
        let woke = {
            let Lean {
                stream,
                rbuf,
                rx,
                sleep,
                ..
            } = self;
            let stream = stream.as_mut().expect("wait runs connected");
            let timed = due.is_some();
            tokio::select! {
                biased;
                r = stream.read_buf(rbuf) => Woke::Read(r),
                m = recv(rx), if room => Woke::Request(m),
                () = sleep_or_never(sleep.as_mut().filter(|_| timed)) => Woke::Timer,
            }
        };
        match woke {
            Woke::Read(r) => self.got(r, spare),
            Woke::Request(None) => {
                self.rx = None;
                Ok(())
            }
            Woke::Request(Some(m)) => {
                self.send(*m)?;
                self.take_queued()
            }
            Woke::Timer => self.tick(),
        }
    }

    /// Make room in the read buffer (giving a burst's large one back once
    /// it is empty); the room there is.
    fn read_room(&mut self) -> usize {
        if self.rbuf.is_empty() && self.rbuf.capacity() > 2 * self.chunk {
            self.rbuf = BytesMut::new();
        }
        if self.rbuf.capacity() - self.rbuf.len() < self.chunk / 2 {
            self.rbuf.reserve(self.chunk);
        }
        self.rbuf.capacity() - self.rbuf.len()
    }

    /// Act on a read of at most `spare` bytes: the next read's size follows
    /// how full this one came back.
    fn got(&mut self, r: io::Result<usize>, spare: usize) -> Result<(), ConnError> {
        match r {
            Ok(0) => Err(ConnError::Closed("the broker closed the connection".into())),
            Ok(n) => {
                self.last_in = Instant::now();
                self.chunk = if n >= spare {
                    (self.chunk * 2).min(READ_MAX)
                } else {
                    (self.chunk / 2).max(READ_MIN)
                };
                self.decode()
            }
            Err(e) => Err(ConnError::from_io(e)),
        }
    }

    /// Read what has already arrived, without waiting for more (nothing
    /// when the socket is empty).
    async fn read_arrived(&mut self) -> Result<(), ConnError> {
        let spare = self.read_room();
        let Lean { stream, rbuf, .. } = self;
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

    /// Whether the window takes another publish. Once full, it waits
    /// (briefly, see [`Gather`]) until a quarter of it is free: the broker
    /// still has the other three quarters to answer, and the next write
    /// carries several. Not at QoS 2, whose flows end two round trips
    /// later: there the wait cost a third of the throughput and saved no
    /// CPU (mosquitto 2.0 and aedes, measured). With the answer, until
    /// when it waits while places are free (to be woken then).
    fn room(&mut self, now: Instant) -> (bool, Option<Instant>) {
        let free = self
            .limit
            .saturating_sub(u16::try_from(self.flows.len()).unwrap_or(u16::MAX));
        if self.exactly_once {
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

    /// Encode an acknowledgement of a message of the broker's: it may wait
    /// for others to go in the same write.
    fn ack_held(&mut self, ack: Ack, pkid: u16) {
        let before = self.wbuf.len();
        encode_ack(self.v5, &mut self.wbuf, ack, pkid);
        self.hold.add(before, self.wbuf.len(), Instant::now());
    }

    /// Encode the publishes already queued (as many as the window and one
    /// batch allow), to go in the same write.
    fn take_queued(&mut self) -> Result<(), ConnError> {
        for _ in 1..BATCH {
            if self.flows.len() >= usize::from(self.limit) {
                break;
            }
            match self.rx.as_mut().map(mpsc::Receiver::try_recv) {
                Some(Ok(m)) => self.send(*m)?,
                _ => break,
            }
        }
        Ok(())
    }

    /// When the keep-alive timer is due: the next PINGREQ, or the moment a
    /// broker that owes an answer counts as gone.
    fn timer(&self) -> Option<Instant> {
        if self.keepalive.is_zero() {
            return None;
        }
        let silence = self.last_in + self.silence_limit();
        let ping = self.last_out + self.keepalive;
        Some(match (self.ping_out, self.awaiting()) {
            (true, _) => silence,
            (false, true) => ping.min(silence),
            (false, false) => ping,
        })
    }

    fn silence_limit(&self) -> Duration {
        self.keepalive.mul_f64(1.5)
    }

    /// Whether an answer is owed: a PINGRESP, or an ack of ours.
    fn awaiting(&self) -> bool {
        self.ping_out || !self.flows.is_empty()
    }

    fn tick(&mut self) -> Result<(), ConnError> {
        let now = Instant::now();
        if self.awaiting() && now >= self.last_in + self.silence_limit() {
            return Err(ConnError::Closed(format!(
                "the broker sent nothing for {:.1} s, 1.5 × keep-alive",
                self.silence_limit().as_secs_f64()
            )));
        }
        if !self.ping_out && now >= self.last_out + self.keepalive {
            if self.v5 {
                let _ = rumqttc5::Packet::PingReq.write(&mut self.wbuf, None);
            } else {
                let _ = rumqttc::Packet::PingReq.write(&mut self.wbuf, MAX_PACKET);
            }
            self.ping_out = true;
            self.for_debug(Event::PingReqSent);
        }
        Ok(())
    }

    /// Encode one publish; a QoS 1/2 one opens a flow.
    fn send(&mut self, m: OutMessage) -> Result<(), ConnError> {
        let pkid = match m.qos {
            QoS::AtMostOnce => 0,
            _ => self.next_pkid(),
        };
        self.exactly_once = m.qos == QoS::ExactlyOnce;
        let at = self.wbuf.len();
        if let Some(d) = &self.debug {
            d.queued(PublishLine {
                qos: m.qos as u8,
                retain: m.retain,
                topic: m.topic.clone(),
                len: m.payload.len(),
            });
        }
        let topic = Bytes::from(m.topic.into_bytes());
        let written = if self.v5 {
            rumqttc5::Publish {
                dup: false,
                qos: qos5(m.qos),
                retain: m.retain,
                topic,
                pkid,
                payload: m.payload,
                properties: m.props.map(|p| super::message::props_v5(*p)),
            }
            .write(&mut self.wbuf)
            .map_err(|e| e.to_string())
        } else {
            rumqttc::Publish {
                dup: false,
                qos: qos4(m.qos),
                retain: m.retain,
                topic,
                pkid,
                payload: m.payload,
            }
            .write(&mut self.wbuf)
            .map_err(|e| e.to_string())
        };
        written.map_err(|e| ConnError::Other(format!("cannot encode PUBLISH: {e}")))?;
        if pkid != 0 {
            self.flows.push_back(Flow {
                pkid,
                publish: Some(Bytes::copy_from_slice(&self.wbuf[at..])),
            });
        }
        self.events.push_back(Event::PublishSent { pkid });
        Ok(())
    }

    /// The next packet id not in flight: counted up, 1 → 65535, round again.
    fn next_pkid(&mut self) -> u16 {
        loop {
            self.next_id = self.next_id.checked_add(1).unwrap_or(1);
            let id = self.next_id;
            if !self.flows.iter().any(|f| f.pkid == id) {
                return id;
            }
        }
    }

    /// Handle every whole packet in the read buffer.
    fn decode(&mut self) -> Result<(), ConnError> {
        loop {
            if self.v5 {
                match rumqttc5::Packet::read(&mut self.rbuf, None) {
                    Ok(p) => self.handle_v5(p)?,
                    Err(rumqttc5::mqttbytes::Error::InsufficientBytes(_)) => return Ok(()),
                    Err(e) => return Err(malformed(&e)),
                }
            } else {
                match rumqttc::Packet::read(&mut self.rbuf, MAX_PACKET) {
                    Ok(p) => self.handle_v4(p)?,
                    Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => return Ok(()),
                    Err(e) => return Err(malformed(&e)),
                }
            }
        }
    }

    fn handle_v4(&mut self, p: rumqttc::Packet) -> Result<(), ConnError> {
        use rumqttc::Packet as P;
        self.answers = 0;
        let deliver = match &p {
            P::Publish(m) => self.received(qos_from4(m.qos), m.pkid),
            P::PubAck(a) => self.flow_ended(a.pkid),
            P::PubRec(a) => self.released(a.pkid),
            P::PubComp(a) => self.flow_ended(a.pkid),
            P::PubRel(r) => self.completed(r.pkid),
            P::PingResp => {
                self.ping_out = false;
                false
            }
            P::SubAck(_) | P::UnsubAck(_) => true,
            other => return Err(unexpected(&format!("{other:?}"))),
        };
        // With -d, the packets nobody acts on are shown too.
        let shown = self.debug.is_some() && !matches!(p, P::Publish(_));
        if deliver || shown {
            let ev = events::from_v4(rumqttc::Event::Incoming(p));
            self.incoming(ev);
        }
        Ok(())
    }

    fn handle_v5(&mut self, mut p: rumqttc5::Packet) -> Result<(), ConnError> {
        use rumqttc5::Packet as P;
        self.answers = 0;
        let deliver = match &mut p {
            P::Publish(m) => {
                self.alias(m)?;
                self.received(qos_from5(m.qos), m.pkid)
            }
            P::PubAck(a) => self.flow_ended(a.pkid),
            P::PubRec(a) if (a.reason as u8) >= 0x80 => self.flow_ended(a.pkid),
            P::PubRec(a) => self.released(a.pkid),
            P::PubComp(a) => self.flow_ended(a.pkid),
            P::PubRel(r) => self.completed(r.pkid),
            P::PingResp => {
                self.ping_out = false;
                self.debug.is_some()
            }
            P::SubAck(_) | P::UnsubAck(_) | P::Auth(_) => true,
            P::Disconnect(d) => {
                let why = format!(
                    "the broker sent DISCONNECT: {}",
                    super::codes::reason(d.reason_code as u8)
                );
                self.events.push_back(events::from_v5(rumqttc5::Event::Incoming(p)));
                return Err(ConnError::Closed(why));
            }
            other => return Err(unexpected(&format!("{other:?}"))),
        };
        let shown = self.debug.is_some() && matches!(p, P::PubRel(_));
        if deliver || shown {
            let ev = events::from_v5(rumqttc5::Event::Incoming(p));
            self.incoming(ev);
        }
        Ok(())
    }

    /// An incoming packet's event, before the events of our answers to it.
    fn incoming(&mut self, ev: Event) {
        // Answers (acks) were queued as events while the packet was handled:
        // with -d, the packet's line comes first.
        let answers = self.answers;
        self.events.insert(self.events.len() - answers, ev);
        self.answers = 0;
    }

    /// An event only `-d` shows (a packet of ours nobody acts on).
    fn for_debug(&mut self, ev: Event) {
        if self.debug.is_some() {
            self.events.push_back(ev);
        }
    }

    /// A message from the broker: acknowledge it; whether to deliver it
    /// (not a QoS 2 message already delivered and awaiting PUBREL).
    fn received(&mut self, qos: QoS, pkid: u16) -> bool {
        match qos {
            QoS::AtMostOnce => true,
            QoS::AtLeastOnce => {
                self.ack_held(Ack::PubAck, pkid);
                self.answered(Event::PubAckSent { pkid });
                true
            }
            QoS::ExactlyOnce => {
                self.ack_held(Ack::PubRec, pkid);
                self.answered(Event::PubRecSent { pkid });
                self.incoming_qos2.insert(pkid)
            }
        }
    }

    /// PUBREL for a QoS 2 message of the broker's: PUBCOMP, and its id is free.
    fn completed(&mut self, pkid: u16) -> bool {
        self.ack_held(Ack::PubComp, pkid);
        self.incoming_qos2.remove(&pkid);
        self.answered(Event::PubCompSent { pkid });
        false
    }

    /// PUBACK, PUBCOMP or a refusing PUBREC: the flow is over.
    fn flow_ended(&mut self, pkid: u16) -> bool {
        if let Some(i) = self.flows.iter().position(|f| f.pkid == pkid) {
            self.flows.remove(i);
        }
        true
    }

    /// PUBREC: answer PUBREL (also for a flow we no longer know, so the
    /// broker can end it).
    fn released(&mut self, pkid: u16) -> bool {
        if let Some(f) = self.flows.iter_mut().find(|f| f.pkid == pkid) {
            f.publish = None;
        }
        encode_ack(self.v5, &mut self.wbuf, Ack::PubRel, pkid);
        self.answered(Event::PubRelSent { pkid });
        true
    }

    /// An answer of ours, shown with -d after the packet it answers.
    fn answered(&mut self, ev: Event) {
        if self.debug.is_some() {
            self.events.push_back(ev);
            self.answers += 1;
        }
    }

    /// Resolve an MQTT 5 topic alias the broker uses.
    fn alias(&mut self, m: &mut rumqttc5::Publish) -> Result<(), ConnError> {
        let Some(alias) = m.properties.as_ref().and_then(|p| p.topic_alias) else {
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
        let limit = self.silence_limit().max(CONNECT_TIMEOUT);
        self.hold.flushing(self.wbuf.len(), Instant::now());
        let Lean { stream, wbuf, .. } = self;
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
        self.last_out = Instant::now();
        if self.wbuf.capacity() > WRITE_KEEP {
            self.wbuf = BytesMut::new();
        }
        Ok(())
    }

    /// The connection is gone: report `e` after the events before it; the
    /// flows stay for a resumed session.
    fn lose(&mut self, e: ConnError) {
        self.stream = None;
        self.rbuf = BytesMut::new();
        self.wbuf = BytesMut::new();
        self.ping_out = false;
        self.failed = Some(e);
    }
}

#[derive(Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the packets' names
enum Ack {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

/// Append one acknowledgement packet (they cannot fail to encode).
fn encode_ack(v5: bool, buf: &mut BytesMut, ack: Ack, pkid: u16) {
    if v5 {
        let p = match ack {
            Ack::PubAck => rumqttc5::Packet::PubAck(rumqttc5::PubAck::new(pkid, None)),
            Ack::PubRec => rumqttc5::Packet::PubRec(rumqttc5::PubRec::new(pkid, None)),
            Ack::PubRel => rumqttc5::Packet::PubRel(rumqttc5::PubRel::new(pkid, None)),
            Ack::PubComp => rumqttc5::Packet::PubComp(rumqttc5::PubComp::new(pkid, None)),
        };
        let _ = p.write(buf, None);
    } else {
        let p = match ack {
            Ack::PubAck => rumqttc::Packet::PubAck(rumqttc::PubAck::new(pkid)),
            Ack::PubRec => rumqttc::Packet::PubRec(rumqttc::PubRec::new(pkid)),
            Ack::PubRel => rumqttc::Packet::PubRel(rumqttc::PubRel::new(pkid)),
            Ack::PubComp => rumqttc::Packet::PubComp(rumqttc::PubComp::new(pkid)),
        };
        let _ = p.write(buf, MAX_PACKET);
    }
}

/// A quarter of a window, at least one.
fn quarter(limit: u16) -> u16 {
    (limit / 4).max(1)
}

fn malformed(e: &dyn std::fmt::Display) -> ConnError {
    ConnError::Protocol(format!("a malformed packet: {e}"))
}

fn unexpected(what: &str) -> ConnError {
    let name = what.split(['(', ' ', '{']).next().unwrap_or(what);
    ConnError::Protocol(format!("an unexpected {name} packet"))
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

fn connack_props(p: rumqttc5::ConnAckProperties) -> ConnAckProps {
    ConnAckProps {
        session_expiry_interval: p.session_expiry_interval,
        receive_maximum: p.receive_max,
        maximum_qos: p.max_qos,
        retain_available: p.retain_available,
        maximum_packet_size: p.max_packet_size,
        assigned_client_identifier: p.assigned_client_identifier,
        topic_alias_maximum: p.topic_alias_max,
        reason_string: p.reason_string,
        user_properties: p.user_properties,
        wildcard_subscription_available: p.wildcard_subscription_available,
        subscription_identifiers_available: p.subscription_identifiers_available,
        shared_subscription_available: p.shared_subscription_available,
        server_keep_alive: p.server_keep_alive,
        response_information: p.response_information,
        server_reference: p.server_reference,
        authentication_method: p.authentication_method,
    }
}
