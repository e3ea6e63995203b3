//! One simulated client: connect (timed), subscribe (timed), then publish on
//! an open-loop schedule, receive and track sequence numbers, or just hold
//! the connection; reconnect with jittered backoff when the broker drops it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep, sleep_until, timeout};

use super::header::{self, Header};
use super::pace::Ticker;
use super::plan::{Plan, Role};
use super::shared::{Seconds, Shared};
use super::sparkplug::{EdgeNode, Heard, Hearing, SparkplugCounts, asks_rebirth};
use crate::bench::stats::{Hist, Tracker};
use crate::client::backoff::{Backoff, Spread};
use crate::client::{ConnError, Connection, Event, Outbox, Phases};
use crate::mqtt::{Filter, Message, OutMessage, QoS, SubscribeProps, reason};

/// Everything one client measured; the report adds these up.
#[derive(Debug, Default)]
pub struct ClientResult {
    pub role: Option<Role>,
    /// The client's index within its role.
    pub index: u32,
    pub connected: bool,
    pub connect_error: Option<String>,
    pub connect: Hist,
    /// The phases of each connect: TCP (through a proxy), TLS handshake,
    /// WebSocket upgrade, and CONNECT → CONNACK.
    pub connect_tcp: Hist,
    pub connect_tls: Hist,
    pub connect_ws: Hist,
    pub connack: Hist,
    pub suback: Hist,
    pub suback_errors: BTreeMap<String, u64>,
    /// Publishes handed to the connection, and those inside the measured window.
    pub published: u64,
    pub measured_published: u64,
    pub written: u64,
    pub lag: Hist,
    pub late: u64,
    pub puback: Hist,
    pub pubrec: Hist,
    pub pubcomp: Hist,
    pub acked: u64,
    pub measured_acked: u64,
    /// When the last measured acknowledgement / message arrived.
    pub last_acked: Option<Instant>,
    pub last_received: Option<Instant>,
    /// Refusals by reason (v5 PUBACK/PUBREC ≥ 0x80).
    pub refused: BTreeMap<String, u64>,
    /// v5 reason 0x10: accepted, but no subscriber matched.
    pub no_subscribers: u64,
    pub tracker: Tracker,
    pub received: u64,
    pub measured_received: u64,
    pub foreign: u64,
    pub bytes: u64,
    pub e2e: Hist,
    /// End to end from the actual send time (the broker's part, without the
    /// generator's lag).
    pub service: Hist,
    /// Unexpected disconnects by cause (a lost connection; failed attempts
    /// to connect again are `reconnect_failures`).
    pub disconnects: BTreeMap<String, u64>,
    pub reconnects: u64,
    pub reconnect_failures: u64,
    /// From losing the connection to the CONNACK of the next one.
    pub reconnect: Hist,
    /// When the connection was first lost and when it was last back.
    pub first_lost: Option<Instant>,
    pub last_back: Option<Instant>,
    /// Lost, and not back when the run ended.
    pub down_at_end: bool,
    /// `--sparkplug`: what the node did or the subscriber heard.
    pub sparkplug: SparkplugCounts,
    /// Births published (QoS 0, written beside the schedule's messages).
    pub births_sent: u64,
}

impl ClientResult {
    /// The histograms, by their names in the report.
    pub fn hists_mut(&mut self) -> [(&'static str, &mut Hist); 13] {
        [
            ("connect", &mut self.connect),
            ("connect_tcp", &mut self.connect_tcp),
            ("connect_tls", &mut self.connect_tls),
            ("connect_ws", &mut self.connect_ws),
            ("connack", &mut self.connack),
            ("suback", &mut self.suback),
            ("puback", &mut self.puback),
            ("pubrec", &mut self.pubrec),
            ("pubcomp", &mut self.pubcomp),
            ("e2e", &mut self.e2e),
            ("service", &mut self.service),
            ("lag", &mut self.lag),
            ("reconnect", &mut self.reconnect),
        ]
    }

    fn record_phases(&mut self, p: Phases) {
        self.connect_tcp.record(p.tcp.as_micros() as u64);
        if let Some(tls) = p.tls {
            self.connect_tls.record(tls.as_micros() as u64);
        }
        if let Some(ws) = p.ws {
            self.connect_ws.record(ws.as_micros() as u64);
        }
        self.connack.record(p.connack.as_micros() as u64);
    }
}

/// Phases the coordinator announces to every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    /// The run starts at this instant (publishers start their schedules).
    Run(Instant),
    /// Stop receiving or holding, and disconnect.
    Stop,
}

struct LoadClient {
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    conn: Connection,
    out: ClientResult,
    /// What it subscribes to: a subscriber's filter, or an edge node's
    /// command topic.
    filter: Option<String>,
    sub_qos: QoS,
    /// `--sparkplug`: the publisher's edge node until its schedule takes it,
    /// and the schedule's call for a rebirth.
    edge: Option<EdgeNode>,
    rebirth: Arc<tokio::sync::Notify>,
    /// An edge node's NDEATH, published before it disconnects.
    death: Option<OutMessage>,
    /// Subscribers: what they heard of Sparkplug nodes.
    hearing: Hearing,
    /// Send instants of unacknowledged QoS 1/2 publishes, by packet id.
    pending: HashMap<u16, Instant>,
    /// Reconnect pauses: full jitter over a doubling ceiling, seeded.
    backoff: Backoff,
    secs: Option<Seconds>,
    /// Since when the connection is down (lost, not yet back).
    down: Option<Instant>,
}

/// Run one client from connect to disconnect.
pub async fn run(
    plan: Arc<Plan>,
    role: Role,
    index: u32,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
) -> ClientResult {
    // Connecting and subscribing are boxed: the task of each of ten
    // thousand clients then holds only what it waits on most of the time.
    let mut c = match Box::pin(LoadClient::connect(plan, role, index, shared)).await {
        Ok(c) => c,
        Err(out) => return *out,
    };
    if c.filter.is_some() && !Box::pin(c.subscribe()).await {
        c.shared.client_failed();
        return Box::pin(c.finish()).await;
    }
    c.births();
    c.shared.client_ready();
    let Some(t0) = c.wait_for_start(&mut phase).await else {
        return Box::pin(c.finish()).await;
    };
    c.secs = Some(Seconds::new(t0, c.shared.clone()));
    match role {
        Role::Publisher => Box::pin(c.publish(index, t0)).await,
        Role::Subscriber | Role::Holder => c.receive_until_stop(&mut phase).await,
    }
    Box::pin(c.finish()).await
}

impl LoadClient {
    /// Connect (timed, at most [`super::shared::HANDSHAKES`] at once); the
    /// outcome of a client that could not.
    async fn connect(
        plan: Arc<Plan>,
        role: Role,
        index: u32,
        shared: Arc<Shared>,
    ) -> Result<LoadClient, Box<ClientResult>> {
        let mut out = ClientResult {
            role: Some(role),
            index,
            ..ClientResult::default()
        };
        let mut conn = plan.conn_for(role, index);
        let edge = plan.edge_node(role, index);
        if let Some(node) = &edge {
            conn.will = Some(node.will());
        }
        let permit = shared.handshakes.acquire().await.expect("the semaphore stays open");
        let started = Instant::now();
        let connected = Connection::connect(&conn, &plan.connector).await;
        drop(permit);
        let lean = match connected {
            Ok(c) => c,
            Err(f) => {
                out.connect_error = Some(f.one_line());
                shared.client_failed();
                return Err(Box::new(out));
            }
        };
        out.connect.record(started.elapsed().as_micros() as u64);
        out.record_phases(lean.phases());
        out.connected = true;
        let (filter, sub_qos) = match (&edge, role) {
            (Some(node), _) => (Some(node.commands()), QoS::AtMostOnce),
            (None, Role::Subscriber) => (Some(plan.filter_for(index)), plan.receiving().qos),
            (None, _) => (None, QoS::AtMostOnce),
        };
        Ok(LoadClient {
            filter,
            sub_qos,
            death: edge.as_ref().map(|n| {
                let w = n.will();
                OutMessage {
                    topic: w.topic,
                    payload: w.payload.into(),
                    qos: w.qos,
                    retain: w.retain,
                    props: None,
                }
            }),
            edge,
            rebirth: Arc::default(),
            hearing: Hearing::default(),
            backoff: Backoff::new(
                Duration::from_millis(100),
                Duration::from_millis(6400),
                Spread::Full,
                fastrand::Rng::with_seed(plan.settings.seed ^ (u64::from(index) << 2 | role as u64)),
            ),
            plan,
            shared,
            conn: lean,
            out,
            pending: HashMap::new(),
            secs: None,
            down: None,
        })
    }

    /// Wait for the start, keeping the connection alive meanwhile: the
    /// instant every client starts, or `None` when the run stopped first.
    async fn wait_for_start(&mut self, phase: &mut watch::Receiver<Phase>) -> Option<Instant> {
        loop {
            let now = *phase.borrow_and_update();
            match now {
                Phase::Run(t0) => return Some(t0),
                Phase::Stop => return None,
                Phase::Connecting => {}
            }
            let ev = tokio::select! {
                _ = phase.changed() => None,
                ev = self.conn.poll() => Some(ev),
            };
            if let Some(ev) = ev {
                self.handle(ev).await;
            }
        }
    }

    /// Subscribers and holders: handle events until the run stops.
    async fn receive_until_stop(&mut self, phase: &mut watch::Receiver<Phase>) {
        loop {
            let ev = tokio::select! {
                r = phase.changed() => {
                    if r.is_err() || *phase.borrow() == Phase::Stop {
                        return;
                    }
                    None
                }
                ev = self.conn.poll() => Some(ev),
            };
            if let Some(ev) = ev {
                self.handle(ev).await;
            }
        }
    }

    /// Subscribe and wait for the SUBACK (timed); false when refused.
    async fn subscribe(&mut self) -> bool {
        let f = Filter {
            topic: self.filter.clone().unwrap_or_default(),
            qos: self.sub_qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: 0,
        };
        let sent = Instant::now();
        if let Err(e) = self.conn.subscribe(&[f], &SubscribeProps::default()) {
            *self.out.suback_errors.entry(e.to_string()).or_default() += 1;
            return false;
        }
        let conn = &mut self.conn;
        let wait = timeout(Duration::from_secs(30), async {
            loop {
                match conn.poll().await {
                    Ok(Event::SubAck { codes, .. }) => return Ok(codes),
                    Ok(_) => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
        });
        let failure = match wait.await {
            Ok(Ok(codes)) if codes.iter().all(|c| *c < 0x80) => {
                self.out.suback.record(sent.elapsed().as_micros() as u64);
                return true;
            }
            Ok(Ok(codes)) => format!("SUBACK {}", reason(codes.first().copied().unwrap_or(0x80))),
            Ok(Err(e)) => e,
            Err(_) => "no SUBACK within 30 s".to_string(),
        };
        *self.out.suback_errors.entry(failure).or_default() += 1;
        false
    }

    /// An edge node's births, sent on connecting (before its schedule has
    /// the node; after, the schedule sends them, in line with its data).
    fn births(&mut self) {
        let Some(node) = &mut self.edge else {
            return;
        };
        for m in node.births() {
            self.out.births_sent += 1;
            if self.conn.publish(m).is_err() {
                break;
            }
        }
    }

    /// Publish on the schedule (its own task: publishing waits for room in
    /// the client's queue, which only polling makes), poll meanwhile, then
    /// wait up to --drain for the last acknowledgements.
    async fn publish(&mut self, index: u32, t0: Instant) {
        let task = tokio::spawn(schedule(
            self.plan.clone(),
            index,
            (self.conn.outbox(), self.edge.take(), self.rebirth.clone()),
            self.shared.clone(),
            t0,
        ));
        tokio::pin!(task);
        let mut deadline: Option<Instant> = None;
        loop {
            if let Some(d) = deadline {
                let settled = match self.plan.publishing().qos {
                    QoS::AtMostOnce => self.out.written >= self.out.published + self.out.births_sent,
                    _ => self.out.acked >= self.out.published,
                };
                if settled || Instant::now() >= d {
                    return;
                }
            }
            let ev = tokio::select! {
                r = &mut task, if deadline.is_none() => {
                    let s = r.expect("the schedule task does not panic");
                    self.out.published = s.published;
                    self.out.measured_published = s.measured;
                    self.out.lag = s.lag;
                    self.out.late = s.late;
                    self.out.births_sent += s.births;
                    self.out.sparkplug.rebirths += s.rebirths;
                    deadline = Some(Instant::now() + self.plan.settings.drain);
                    None
                }
                _ = sleep(Duration::from_millis(20)), if deadline.is_some() => None,
                ev = self.conn.poll() => Some(ev),
            };
            if let Some(ev) = ev {
                self.handle(ev).await;
            }
        }
    }

    /// Act on one event, or on the loss of the connection.
    async fn handle(&mut self, ev: Result<Event, ConnError>) {
        self.on(ev).await;
        // Full lists of latencies go to the run's histograms.
        for (name, h) in self.out.hists_mut() {
            if h.is_due() {
                self.shared.absorb(name, h);
            }
        }
        if let Some(secs) = &mut self.secs {
            secs.flush_if_due();
        }
    }

    async fn on(&mut self, ev: Result<Event, ConnError>) {
        let now = Instant::now();
        let measure_from = self.secs.as_ref().map(|s| s.t0() + self.plan.settings.warmup);
        let measured = |at: Instant| measure_from.is_some_and(|m| at >= m);
        let out = &mut self.out;
        match ev {
            // (A QoS 2 message sent again before its PUBREL comes once.)
            Ok(Event::Message(m)) => self.received(&m, now, measure_from),
            Ok(Event::PublishSent { pkid, .. }) => {
                out.written += 1;
                if pkid != 0 {
                    self.pending.insert(pkid, now);
                } else {
                    self.shared.live.acked.fetch_add(1, Relaxed);
                }
            }
            Ok(Event::PubAck { pkid, reason: code, .. }) => {
                let sent = self.pending.remove(&pkid);
                self.settle(code, sent, now, AckKind::PubAck, measured(now));
            }
            Ok(Event::PubRec { pkid, reason: code, .. }) => {
                if let Some(sent) = self.pending.get(&pkid) {
                    self.out
                        .pubrec
                        .record(now.saturating_duration_since(*sent).as_micros() as u64);
                }
                if code >= 0x80 {
                    let sent = self.pending.remove(&pkid);
                    self.settle(code, sent, now, AckKind::PubRec, measured(now));
                }
            }
            Ok(Event::PubComp { pkid, reason: code }) => {
                let sent = self.pending.remove(&pkid);
                self.settle(code, sent, now, AckKind::PubComp, measured(now));
            }
            Ok(Event::ConnAck { session_present, .. }) => {
                out.reconnects += 1;
                out.record_phases(self.conn.phases());
                if let Some(lost) = self.down.take() {
                    out.reconnect
                        .record(now.saturating_duration_since(lost).as_micros() as u64);
                }
                out.last_back = Some(now);
                if let Some(secs) = &mut self.secs {
                    secs.bucket(now).reconnects += 1;
                }
                self.backoff.reset();
                if self.filter.is_some() && !session_present {
                    Box::pin(self.subscribe()).await;
                }
                // A node that connects again is born again (the will keeps
                // its bdSeq: the connection's will is set once). Its
                // schedule sends the births once it has the node.
                if self.edge.is_some() {
                    self.births();
                } else {
                    self.rebirth.notify_one();
                }
            }
            Ok(_) => {}
            Err(e) => {
                if self.down.is_none() {
                    self.down = Some(now);
                    out.first_lost.get_or_insert(now);
                    *out.disconnects.entry(e.to_string()).or_default() += 1;
                    self.shared.live.disconnects.fetch_add(1, Relaxed);
                    if let Some(secs) = &mut self.secs {
                        secs.bucket(now).disconnects += 1;
                    }
                } else {
                    out.reconnect_failures += 1;
                }
                // Full jitter over an exponential ceiling: clients dropped
                // together do not come back together.
                sleep(self.backoff.next_pause()).await;
            }
        }
    }

    /// A message arrived: sequence accounting and, once measuring, latency.
    fn received(&mut self, m: &Message, now: Instant, measure_from: Option<Instant>) {
        let measured = |at: Instant| measure_from.is_some_and(|m| at >= m);
        if let Some(commands) = self
            .filter
            .as_deref()
            .filter(|_| self.out.role == Some(Role::Publisher))
        {
            if asks_rebirth(commands, m) {
                self.rebirth.notify_one();
            }
            return;
        }
        let out = &mut self.out;
        out.received += 1;
        self.shared.live.received.fetch_add(1, Relaxed);
        // In pubsub, this shard accounts for its own publishers;
        // messages of other generators count as foreign, and so do
        // retained messages the broker hands over on subscribing
        // (left by an earlier run with -r).
        let header = match self.hearing.hear(m) {
            Some(Heard::Control) => return,
            Some(Heard::Data(h)) => h,
            None => header::decode(&m.payload),
        };
        let header = header.filter(|h| !m.retain && self.plan.tracks(h.publisher));
        let Some(h) = header else {
            out.foreign += 1;
            return;
        };
        if out.tracker.entry(h.publisher).or_default().record(h.seq) {
            self.shared.live.unique.fetch_add(1, Relaxed);
        }
        if measured(self.plan.clock.instant(h.intended_ns)) {
            let us = self.plan.clock.ns(now).saturating_sub(h.intended_ns) / 1000;
            out.e2e.record(us);
            out.service.record(us.saturating_sub(u64::from(h.lag_us)));
            out.measured_received += 1;
            out.last_received = Some(now);
            out.bytes += m.payload.len() as u64;
            if let Some(secs) = &mut self.secs {
                let b = secs.bucket(now);
                b.received += 1;
                b.bytes += m.payload.len() as u64;
                b.e2e.record(us);
            }
        }
    }

    /// A QoS 1/2 publish reached its end (PUBACK, PUBCOMP, or a refusal).
    fn settle(&mut self, code: u8, sent: Option<Instant>, now: Instant, kind: AckKind, measured: bool) {
        let out = &mut self.out;
        out.acked += 1;
        self.shared.live.acked.fetch_add(1, Relaxed);
        if code >= 0x80 {
            *out.refused
                .entry(format!("{}: {}", kind.name(), reason(code)))
                .or_default() += 1;
            return;
        }
        if code == 0x10 {
            out.no_subscribers += 1;
        }
        if let Some(sent) = sent {
            let us = now.saturating_duration_since(sent).as_micros() as u64;
            match kind {
                AckKind::PubAck => out.puback.record(us),
                AckKind::PubComp => out.pubcomp.record(us),
                AckKind::PubRec => {}
            }
        }
        if measured {
            out.measured_acked += 1;
            out.last_acked = Some(now);
            if let Some(secs) = &mut self.secs {
                secs.bucket(now).acked += 1;
            }
        }
    }

    /// Disconnect cleanly (bounded) and hand the figures back.
    async fn finish(mut self) -> ClientResult {
        if let Some(s) = &mut self.secs {
            s.flush();
        }
        self.out.down_at_end = self.down.is_some();
        self.out.sparkplug.add(&self.hearing.counts);
        // A node that leaves cleanly says so itself (its will is for a loss).
        if let Some(death) = self.death.take().filter(|_| self.down.is_none()) {
            let _ = self.conn.publish(death);
        }
        self.conn.close().await;
        self.out
    }
}

#[derive(Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the packets' names
enum AckKind {
    PubAck,
    PubRec,
    PubComp,
}

impl AckKind {
    fn name(self) -> &'static str {
        match self {
            AckKind::PubAck => "PUBACK",
            AckKind::PubRec => "PUBREC",
            AckKind::PubComp => "PUBCOMP",
        }
    }
}

/// A send this far behind its schedule counts as late (the pacing clock
/// itself is tens of microseconds late at most: [`Ticker`]).
pub const LATE: Duration = Duration::from_millis(1);

/// What a publisher's schedule did.
struct Scheduled {
    published: u64,
    measured: u64,
    lag: Hist,
    late: u64,
    /// An edge node's: births sent again, and the rebirths they answered.
    births: u64,
    rebirths: u64,
}

/// Publish on an absolute schedule: message `seq` is due at `t0 + offset +
/// seq × interval`, however late the previous one went out, and carries
/// that intended time. Without a rate, as fast as the queue takes them.
async fn schedule(
    plan: Arc<Plan>,
    index: u32,
    (publisher, mut edge, rebirth): (Outbox, Option<EdgeNode>, Arc<tokio::sync::Notify>),
    shared: Arc<Shared>,
    t0: Instant,
) -> Scheduled {
    let s = &plan.settings;
    let what = plan.publishing();
    let topic = plan.topic_for(index);
    let maker = header::PayloadMaker::new(what.size, s.seed ^ u64::from(index));
    let (limit, interval, offset) = plan.pace(index);
    let measure_from = t0 + s.warmup;
    let end = s.duration.map(|d| measure_from + d);
    let mut r = Scheduled {
        published: 0,
        measured: 0,
        lag: Hist::default(),
        late: 0,
        births: 0,
        rebirths: 0,
    };
    let mut secs = Seconds::new(t0, shared.clone());
    // Paced publishers wake on a timerfd, to the microsecond; should one not
    // be had, tokio's millisecond timer.
    let mut ticker = interval.and_then(|_| Ticker::new().ok());
    sleep_until(t0).await;
    for seq in 0..limit {
        let intended = match interval {
            // In whole nanoseconds, as the ticker counts.
            Some(i) => t0 + offset + Duration::from_nanos((i.as_nanos() as u64).saturating_mul(seq)),
            None => Instant::now(),
        };
        if end.is_some_and(|e| intended >= e) || shared.stopping() {
            break;
        }
        wait_answering(intended, &mut ticker, (&publisher, edge.as_mut(), &rebirth), &mut r).await;
        let h = Header {
            publisher: plan.publisher_id(index),
            seq,
            intended_ns: plan.clock.ns(intended),
            lag_us: Instant::now()
                .saturating_duration_since(intended)
                .as_micros()
                .min(u32::MAX as u128) as u32,
        };
        let m = match &mut edge {
            Some(node) => node.data(h),
            None => OutMessage {
                topic: topic.clone(),
                payload: maker.make(h),
                qos: what.qos,
                retain: what.retain,
                props: None,
            },
        };
        // A QoS 1/2 message waits for room in the window: a full one
        // shows as schedule lag.
        if publisher.publish(m).await.is_err() {
            break;
        }
        shared.live.sent.fetch_add(1, Relaxed);
        r.sent(intended, intended >= measure_from, &shared, &mut secs);
    }
    secs.flush();
    r
}

/// Wait for `intended`; an edge node answers a rebirth request meanwhile
/// (its births go in line with its data, so `seq` runs on through them).
async fn wait_answering(
    intended: Instant,
    ticker: &mut Option<Ticker>,
    (publisher, mut edge, rebirth): (&Outbox, Option<&mut EdgeNode>, &tokio::sync::Notify),
    r: &mut Scheduled,
) {
    loop {
        tokio::select! {
            biased;
            _ = rebirth.notified(), if edge.is_some() => {
                let node = edge.as_deref_mut().expect("only an edge node is told");
                r.rebirths += 1;
                for b in node.births() {
                    r.births += 1;
                    if publisher.publish(b).await.is_err() {
                        break;
                    }
                }
            }
            _ = wait_until(intended, ticker) => return,
        }
    }
}

/// Sleep until `intended` (on the ticker when there is one), unless it has passed.
async fn wait_until(intended: Instant, ticker: &mut Option<Ticker>) {
    if intended > Instant::now() {
        let ticked = match ticker {
            Some(t) => t.until(intended).await.is_ok(),
            None => false,
        };
        if !ticked {
            sleep_until(intended).await;
        }
    }
}

impl Scheduled {
    /// A message due at `intended` went out now; `measured`: after the warm-up.
    fn sent(&mut self, intended: Instant, measured: bool, shared: &Shared, secs: &mut Seconds) {
        let now = Instant::now();
        self.published += 1;
        if measured {
            let lag = now.saturating_duration_since(intended);
            self.lag.record(lag.as_micros() as u64);
            if self.lag.is_due() {
                shared.absorb("lag", &mut self.lag);
            }
            self.late += u64::from(lag > LATE);
            self.measured += 1;
            secs.bucket(now).sent += 1;
        }
    }
}
