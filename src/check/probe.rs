//! What every probe of a check works with: the context (the connection as
//! given, the topic prefix, the version the probes speak), a client that
//! keeps the evidence of what it sent and what came back, and a probe's
//! outcome.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::time::{Instant, timeout_at};

use super::report::Res;
use crate::client::{ConnectFailure, Connection, Connector, Event};
use crate::mqtt::{ConnAckProps, Filter, Message, OutMessage, Protocol, PublishProps, QoS, SubscribeProps, reason};
use crate::settings::ConnSettings;

/// The most evidence lines one probe keeps.
const EVIDENCE: usize = 40;

/// What a probe found for one item.
#[derive(Debug, Clone)]
pub struct Finding {
    pub res: Res,
    pub detail: String,
    pub value: Option<Value>,
}

impl Finding {
    pub fn pass(detail: impl Into<String>) -> Finding {
        Finding::new(Res::Pass, detail)
    }
    pub fn fail(detail: impl Into<String>) -> Finding {
        Finding::new(Res::Fail, detail)
    }
    pub fn unsupported(detail: impl Into<String>) -> Finding {
        Finding::new(Res::Unsupported, detail)
    }
    pub fn skipped(detail: impl Into<String>) -> Finding {
        Finding::new(Res::Skipped, detail)
    }
    pub fn info(value: Value, detail: impl Into<String>) -> Finding {
        Finding {
            value: Some(value),
            ..Finding::new(Res::Info, detail)
        }
    }
    fn new(res: Res, detail: impl Into<String>) -> Finding {
        Finding {
            res,
            detail: detail.into(),
            value: None,
        }
    }
    /// The same outcome with a value (a length, a size, a flag).
    pub fn with(mut self, value: Value) -> Finding {
        self.value = Some(value);
        self
    }
}

/// The evidence of one probe: what was sent and what came back, in order.
#[derive(Clone, Default)]
pub struct Evidence(Rc<RefCell<Vec<String>>>);

impl Evidence {
    pub fn note(&self, line: impl Into<String>) {
        let mut v = self.0.borrow_mut();
        if v.len() < EVIDENCE {
            v.push(line.into());
        } else if v.len() == EVIDENCE {
            v.push("… (more left out)".into());
        }
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// The check's context, shared by the probes (one after another, on one
/// thread).
pub struct Ctx {
    /// The connection as given; each client starts from a copy.
    pub base: ConnSettings,
    pub connector: Connector,
    pub prefix: String,
    /// The version the behaviour probes speak.
    v: Cell<Protocol>,
    pub max_payload: usize,
    /// A tag for this run's client ids.
    run: String,
    n: Cell<u32>,
    /// Retained topics to clear, and persistent sessions to end, once the
    /// probes are done (also after a probe that timed out).
    pub retained: RefCell<Vec<String>>,
    pub sessions: RefCell<Vec<String>>,
    /// The MQTT 5 CONNACK the first behaviour connection got.
    pub connack: RefCell<Option<ConnAckProps>>,
}

impl Ctx {
    pub fn new(base: ConnSettings, connector: Connector, prefix: String, max_payload: usize) -> Ctx {
        Ctx {
            v: Cell::new(base.protocol),
            base,
            connector,
            prefix,
            max_payload,
            run: format!("{:06x}", fastrand::u32(..1 << 24)),
            n: Cell::new(0),
            retained: RefCell::default(),
            sessions: RefCell::default(),
            connack: RefCell::default(),
        }
    }

    /// A fresh client id: short enough for MQTT 3.1 (23 characters).
    pub fn next_id(&self) -> String {
        self.n.set(self.n.get() + 1);
        format!("mbc-{}-{}", self.run, self.n.get())
    }

    /// The connection as given, speaking `self.v` with a clean session and
    /// a fresh client id, no will.
    pub fn settings(&self) -> ConnSettings {
        let mut s = self.base.clone();
        s.protocol = self.v.get();
        s.client_id = Some(self.next_id());
        s.clean = true;
        s.session_expiry = None;
        s.will = None;
        s.connect_retry = None;
        s.debug = false;
        s.max_inflight = 20;
        s
    }

    pub fn topic(&self, leaf: &str) -> String {
        format!("{}/{leaf}", self.prefix)
    }

    pub fn v5(&self) -> bool {
        self.v.get() == Protocol::V5
    }

    pub fn version(&self) -> Protocol {
        self.v.get()
    }

    /// Speak `v` from now on.
    pub fn speak(&self, v: Protocol) {
        self.v.set(v);
    }

    /// The CONNACK's view of a feature (MQTT 5): `Some(false)` when the
    /// broker said it has none.
    pub fn advertised(&self, f: impl Fn(&ConnAckProps) -> Option<u8>) -> Option<bool> {
        self.connack.borrow().as_ref().and_then(&f).map(|v| v != 0)
    }

    /// Connect `s` as client `label`, noting it in `ev`.
    pub async fn connect(&self, ev: &Evidence, label: &str, s: &ConnSettings) -> Result<ProbeClient, ConnectFailure> {
        ev.note(format!(
            "{label} → CONNECT v{} id={} clean={}{}{}",
            s.protocol.number(),
            s.client_id.as_deref().unwrap_or("\"\""),
            u8::from(s.clean),
            s.session_expiry
                .map(|e| format!(" session-expiry={e}"))
                .unwrap_or_default(),
            s.will
                .as_ref()
                .map(|w| format!(" will={} q{}", w.topic, w.qos as u8))
                .unwrap_or_default()
        ));
        let started = Instant::now();
        match Connection::connect(s, &self.connector).await {
            Ok(lean) => {
                ev.note(format!("{label} ← CONNACK accepted ({:.1} ms)", ms(started.elapsed())));
                Ok(ProbeClient {
                    lean,
                    label: label.to_string(),
                    ev: ev.clone(),
                    inbox: VecDeque::new(),
                    acks: HashMap::new(),
                    subacks: HashMap::new(),
                    lost: None,
                    connect_time: started.elapsed(),
                    muted: false,
                })
            }
            Err(f) => {
                ev.note(format!("{label} ← {}", f.brief()));
                Err(f)
            }
        }
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// How a client's wait ended without what it waited for.
#[derive(Debug)]
pub enum Stop {
    /// The connection is gone (the broker closed it, or sent DISCONNECT).
    Lost(String),
    TimedOut,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Lost(why) => write!(f, "the connection was lost: {why}"),
            Stop::TimedOut => write!(f, "no answer in time"),
        }
    }
}

/// One connection of a probe: what it sends and receives goes into the
/// probe's evidence; received messages wait in an inbox.
pub struct ProbeClient {
    lean: Connection,
    label: String,
    ev: Evidence,
    inbox: VecDeque<Message>,
    /// Reason codes of the PUBACK / PUBREC (a refusal) / PUBCOMP per packet id.
    acks: HashMap<u16, u8>,
    subacks: HashMap<u16, Vec<u8>>,
    lost: Option<String>,
    pub connect_time: Duration,
    /// Received messages are not noted one by one (bulk traffic).
    muted: bool,
}

impl ProbeClient {
    pub fn connack(&self) -> Option<&ConnAckProps> {
        self.lean.connack_props()
    }

    pub fn session_present(&self) -> bool {
        self.lean.session_present()
    }

    /// Note no more sends and received messages one by one.
    pub fn mute(&mut self) {
        self.muted = true;
    }

    /// Keep the connection going (writing, reading into the inbox) until
    /// `until`; why it stopped.
    pub async fn drive(&mut self, until: Instant) -> Stop {
        loop {
            if let Err(s) = self.pump(until).await {
                return s;
            }
        }
    }

    /// Handle one event (or notice the connection is gone).
    async fn pump(&mut self, until: Instant) -> Result<(), Stop> {
        if let Some(why) = &self.lost {
            return Err(Stop::Lost(why.clone()));
        }
        let ev = match timeout_at(until, self.lean.poll()).await {
            Err(_) => return Err(Stop::TimedOut),
            Ok(Err(e)) => {
                let why = e.to_string();
                self.ev.note(format!("{} ✗ {why}", self.label));
                self.lost = Some(why.clone());
                return Err(Stop::Lost(why));
            }
            Ok(Ok(ev)) => ev,
        };
        match ev {
            Event::Message(m) => {
                if !self.muted {
                    self.ev.note(format!("{} ← {}", self.label, describe(&m)));
                }
                self.inbox.push_back(m);
            }
            Event::PubAck { pkid, reason, .. } | Event::PubComp { pkid, reason } => {
                self.acks.insert(pkid, reason);
            }
            Event::PubRec { pkid, reason, .. } if reason >= 0x80 => {
                self.acks.insert(pkid, reason);
            }
            Event::SubAck { pkid, codes } => {
                self.subacks.insert(pkid, codes);
            }
            Event::DisconnectReceived { reason: r, .. } => {
                self.ev
                    .note(format!("{} ← DISCONNECT 0x{r:02x} {}", self.label, reason(r)));
            }
            _ => {}
        }
        Ok(())
    }

    /// Subscribe and wait for the SUBACK: its codes (granted QoS, or a
    /// refusal ≥ 0x80).
    pub async fn subscribe(
        &mut self,
        filter: Filter,
        props: SubscribeProps,
        within: Duration,
    ) -> Result<Vec<u8>, Stop> {
        self.ev.note(format!(
            "{} → SUBSCRIBE '{}' q{}{}{}",
            self.label,
            filter.topic,
            filter.qos as u8,
            if filter.options_byte() != 0 {
                format!(" options=0x{:02x}", filter.options_byte())
            } else {
                String::new()
            },
            props
                .subscription_identifier
                .map(|i| format!(" id={i}"))
                .unwrap_or_default()
        ));
        let pkid = self
            .lean
            .subscribe(std::slice::from_ref(&filter), &props)
            .map_err(|e| Stop::Lost(e.to_string()))?;
        let until = Instant::now() + within;
        loop {
            if let Some(codes) = self.subacks.remove(&pkid) {
                self.ev.note(format!(
                    "{} ← SUBACK {}",
                    self.label,
                    codes.iter().map(|c| format!("0x{c:02x}")).collect::<Vec<_>>().join(",")
                ));
                return Ok(codes);
            }
            self.pump(until).await?;
        }
    }

    /// Publish and, at QoS 1 and 2, wait for the broker's answer: its
    /// reason code (0 accepted; ≥ 0x80 refused). QoS 0 returns at once.
    pub async fn publish(&mut self, m: OutMessage, within: Duration) -> Result<u8, Stop> {
        let pkid = self.send(m)?;
        if pkid == 0 {
            return Ok(0);
        }
        let until = Instant::now() + within;
        self.wait_ack(pkid, until).await
    }

    /// Queue a publish without waiting; its packet id (0 at QoS 0).
    pub fn send(&mut self, m: OutMessage) -> Result<u16, Stop> {
        if let Some(why) = &self.lost {
            return Err(Stop::Lost(why.clone()));
        }
        if !self.muted {
            self.ev.note(format!("{} → {}", self.label, describe_out(&m)));
        }
        self.lean.publish_now(m).map_err(|e| Stop::Lost(e.to_string()))
    }

    /// Wait for the answer to an earlier [`ProbeClient::send`].
    pub async fn wait_ack(&mut self, pkid: u16, until: Instant) -> Result<u8, Stop> {
        loop {
            if let Some(r) = self.acks.remove(&pkid) {
                if r >= 0x80 {
                    self.ev
                        .note(format!("{} ← refused 0x{r:02x} {}", self.label, reason(r)));
                }
                return Ok(r);
            }
            self.pump(until).await?;
        }
    }

    /// Let the connection write what is queued (QoS 0 publishes) and read
    /// what has come, for at most `d`.
    pub async fn settle(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while self.pump(until).await.is_ok() {}
    }

    /// The next message that satisfies `want` (others stay in the inbox),
    /// waiting until `until`.
    pub async fn wait_for(&mut self, until: Instant, want: impl Fn(&Message) -> bool) -> Result<Message, Stop> {
        loop {
            if let Some(i) = self.inbox.iter().position(&want) {
                return Ok(self.inbox.remove(i).expect("the position is in range"));
            }
            self.pump(until).await?;
        }
    }

    /// The next message on `topic`.
    pub async fn message_on(&mut self, topic: &str, within: Duration) -> Result<Message, Stop> {
        let until = Instant::now() + within;
        self.wait_for(until, |m| m.topic == topic.as_bytes()).await
    }

    /// Take every message already received.
    pub fn take_inbox(&mut self) -> Vec<Message> {
        self.inbox.drain(..).collect()
    }

    /// Send DISCONNECT and close.
    pub async fn disconnect(mut self) {
        if self.lost.is_none() {
            self.ev.note(format!("{} → DISCONNECT", self.label));
            self.lean.close().await;
        }
    }

    /// Close the socket without DISCONNECT (a client that died).
    pub fn abort(self) {
        self.ev
            .note(format!("{} ✗ socket closed without DISCONNECT", self.label));
    }
}

/// A message to publish, as the evidence shows it.
pub fn out(topic: &str, payload: impl Into<Bytes>, qos: QoS, retain: bool) -> OutMessage {
    OutMessage {
        topic: topic.to_string(),
        payload: payload.into(),
        qos,
        retain,
        props: None,
    }
}

pub fn with_props(mut m: OutMessage, p: PublishProps) -> OutMessage {
    m.props = Some(Box::new(p));
    m
}

pub fn filter(topic: &str, qos: QoS) -> Filter {
    Filter {
        topic: topic.to_string(),
        qos,
        no_local: false,
        retain_as_published: false,
        retain_handling: 0,
    }
}

fn show_payload(p: &[u8]) -> String {
    match std::str::from_utf8(p) {
        Ok(t) if p.len() <= 32 => format!("'{t}'"),
        _ => format!("{} bytes", p.len()),
    }
}

fn show_topic(t: &str) -> String {
    if t.len() > 80 {
        let cut = (0..=60).rev().find(|i| t.is_char_boundary(*i)).unwrap_or(0);
        format!("'{}…' ({} bytes)", &t[..cut], t.len())
    } else {
        format!("'{t}'")
    }
}

/// A PUBLISH as the evidence shows it, sent or received.
fn publish_text(
    qos: QoS,
    retain: bool,
    dup: bool,
    topic: &str,
    payload: &[u8],
    props: Option<&PublishProps>,
) -> String {
    format!(
        "PUBLISH q{} r{}{} {} {}{}",
        qos as u8,
        u8::from(retain),
        if dup { " d1" } else { "" },
        show_topic(topic),
        show_payload(payload),
        props.map(props_text).unwrap_or_default()
    )
}

fn describe_out(m: &OutMessage) -> String {
    publish_text(m.qos, m.retain, false, &m.topic, &m.payload, m.props.as_deref())
}

fn describe(m: &Message) -> String {
    publish_text(m.qos, m.retain, m.dup, &m.topic_str(), &m.payload, m.props.as_deref())
}

fn props_text(p: &PublishProps) -> String {
    let mut s = String::new();
    if let Some(a) = p.topic_alias {
        s.push_str(&format!(" alias={a}"));
    }
    if let Some(e) = p.message_expiry_interval {
        s.push_str(&format!(" expiry={e}"));
    }
    if let Some(r) = &p.response_topic {
        s.push_str(&format!(" response-topic='{r}'"));
    }
    if let Some(c) = &p.correlation_data {
        s.push_str(&format!(" correlation={}", show_payload(c)));
    }
    for (k, v) in &p.user_properties {
        s.push_str(&format!(" user[{k}={v}]"));
    }
    if !p.subscription_identifiers.is_empty() {
        s.push_str(&format!(" sub-ids={:?}", p.subscription_identifiers));
    }
    s
}
