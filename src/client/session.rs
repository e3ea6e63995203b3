//! One MQTT connection: connect until CONNACK (with `--connect-retry`
//! backoff), poll events, publish, disconnect — for either protocol version.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use anyhow::anyhow;
use tokio::time::Instant;

use super::backoff::{Backoff, Spread};
use super::debug::{Debug, PublishLine};
use super::events::{self, ConnError, Event};
use super::ids::{PacketIds, Seen};
use super::options::{self, qos4, qos5};
use crate::mqtt::{DisconnectProps, Filter, Message, OutMessage, Protocol, QoS, SubscribeProps};
use crate::settings::ConnSettings;

/// The sending half: cheap to clone, used by the producer of messages.
#[derive(Clone)]
pub struct Publisher {
    inner: Client,
    debug: Debug,
}

#[derive(Clone)]
enum Client {
    V4(rumqttc::AsyncClient),
    V5(rumqttc5::AsyncClient),
}

enum Loop {
    V4(Box<rumqttc::EventLoop>),
    V5(Box<rumqttc5::EventLoop>),
}

/// What a failed MQTT 5 connect adds when the broker may speak only 3.1.1.
const V5_HINT: &str = "the broker may not speak MQTT 5; try -V 311.";

/// Why connecting failed: the exit code and message (mosquitto's wording).
#[derive(Debug)]
pub struct ConnectFailure {
    pub code: u8,
    pub message: String,
    /// The broker refused the protocol version or hung up on the CONNECT:
    /// perhaps it does not speak the version asked for.
    pub old_protocol: bool,
    /// The CONNACK's refusal code, when the broker answered with one.
    pub refused: Option<u8>,
    /// The message ends with [`V5_HINT`].
    v5_hint: bool,
}

impl ConnectFailure {
    /// Connecting to `target` ended with `err` (after `--connect-retry`, if given).
    pub(crate) fn new(err: &ConnError, target: &str, protocol: Protocol, retry: Option<Duration>) -> ConnectFailure {
        let (code, mut msg) = err.connect_failure(target);
        if let (Some(d), true) = (retry, err.is_transient()) {
            msg.push_str(&format!(" (still failing after --connect-retry {d:?})"));
        }
        let old_protocol = matches!(
            err,
            ConnError::Refused { code: 1 | 132, .. }
                | ConnError::Closed(_)
                | ConnError::Other(_)
                | ConnError::Protocol(_)
        );
        // A 3.1.1-only broker answers an MQTT 5 CONNECT with a 3.1.1 refusal
        // and closes (aedes), or never answers (amqtt).
        let v5_hint = protocol == Protocol::V5 && (old_protocol || matches!(err, ConnError::Timeout));
        if v5_hint {
            msg.push_str(&format!("\nError: {V5_HINT}"));
        }
        ConnectFailure {
            code,
            message: msg,
            old_protocol,
            refused: match err {
                ConnError::Refused { code, .. } => Some(*code),
                _ => None,
            },
            v5_hint,
        }
    }

    /// The message on one line (for a report): its first line, with the
    /// MQTT 5 hint when the message carries it.
    pub fn one_line(&self) -> String {
        let first = self.message.lines().next().unwrap_or_default();
        if self.v5_hint {
            format!("{first} ({V5_HINT})")
        } else {
            first.to_string()
        }
    }

    /// A problem with the options themselves (exit 1), before any connection.
    pub(crate) fn setup(message: String) -> ConnectFailure {
        ConnectFailure {
            code: crate::exit::ERROR,
            message,
            old_protocol: false,
            refused: None,
            v5_hint: false,
        }
    }
}

/// The TLS configuration of `s`, built (certificates read) once per call;
/// warns once about `--insecure`.
pub(crate) fn tls_config(s: &ConnSettings) -> Result<Option<options::Tls>, ConnectFailure> {
    let tls = s
        .tls
        .as_ref()
        .map(super::tls::config)
        .transpose()
        .map_err(|e| ConnectFailure::setup(format!("Error: Problem setting TLS options: {e:#}.")))?
        .map(std::sync::Arc::new);
    if s.tls.as_ref().is_some_and(|t| t.insecure && t.warn_insecure) && !s.quiet {
        crate::exit::eprint_line(format_args!(
            "Warning: --insecure: the broker's certificate and host name are not verified."
        ));
    }
    Ok(tls)
}

/// A connected session: the event loop plus a [`Publisher`].
pub struct Session {
    pub publisher: Publisher,
    el: Loop,
    pub debug: Debug,
    pub protocol: Protocol,
    /// `host:port` or the socket path, for messages.
    pub target: String,
    /// Where a persistent session's state is kept between runs.
    store: Option<options::Store>,
    /// The packet ids on the wire, which events report.
    ids: PacketIds,
    /// Tells a half-open connection ([`Session::poll`]).
    watch: Watch,
    /// How long a lost connection may be retried: only for a persistent
    /// session (`-c -i ID`) with `--connect-retry`, whose broker keeps what
    /// was in flight and whose library replays it.
    pub retry_lost: Option<Duration>,
    /// Messages get their properties' order ([`super::prop_order`]).
    property_order: bool,
}

impl Session {
    /// Connect and wait for a successful CONNACK. On failure, returns the
    /// exit code and the message to print (mosquitto's wording).
    pub async fn connect(s: &ConnSettings) -> Result<Session, ConnectFailure> {
        // MQTT 3.1 has no broker-assigned ids: make one, as libmosquitto does.
        let with_id;
        let s = if s.protocol == Protocol::V31 && s.client_id.is_none() {
            with_id = ConnSettings {
                client_id: Some(super::rewrite::generated_id()),
                ..s.clone()
            };
            &with_id
        } else {
            s
        };
        let debug = Debug::new(s.debug, s.client_id.clone());
        let tls = tls_config(s)?;
        let ids = PacketIds::default();
        let (inner, el, store) = match s.protocol {
            Protocol::V311 | Protocol::V31 => {
                let (o, net, store) =
                    options::v4(s, tls, &ids).map_err(|e| ConnectFailure::setup(format!("Error: {e:#}.")))?;
                let (c, mut el) = rumqttc::AsyncClient::builder(o).capacity(options::CHANNEL).build();
                el.set_network_options(net);
                (Client::V4(c), Loop::V4(Box::new(el)), store)
            }
            Protocol::V5 => {
                let (o, store) =
                    options::v5(s, tls, &ids).map_err(|e| ConnectFailure::setup(format!("Error: {e:#}.")))?;
                let (c, el) = rumqttc5::AsyncClient::builder(o).capacity(options::CHANNEL).build();
                (Client::V5(c), Loop::V5(Box::new(el)), store)
            }
        };
        let target = super::transport::target(&s.endpoint);
        let mut session = Session {
            publisher: Publisher {
                inner,
                debug: debug.clone(),
            },
            el,
            debug,
            protocol: s.protocol,
            target,
            store,
            ids,
            watch: Watch::new(s.keepalive),
            retry_lost: s.connect_retry.filter(|_| !s.clean && s.client_id.is_some()),
            property_order: s.property_order,
        };
        session.wait_connack(s.connect_retry).await?;
        Ok(session)
    }

    async fn wait_connack(&mut self, retry: Option<Duration>) -> Result<(), ConnectFailure> {
        let mut schedule = retry.map(Retry::new);
        self.debug.client(format_args!("sending CONNECT"));
        loop {
            match self.poll_raw().await {
                Ok(ev @ Event::ConnAck { .. }) => {
                    self.debug.event(&ev);
                    return Ok(());
                }
                Ok(_) => {}
                Err(err) => {
                    if let ConnError::Refused { code, .. } = &err {
                        self.debug.connack(*code, None);
                    }
                    let again = match &mut schedule {
                        Some(s) if err.is_transient() => s.pause().await,
                        _ => false,
                    };
                    if again {
                        self.debug.client(format_args!("sending CONNECT"));
                        continue;
                    }
                    return Err(ConnectFailure::new(&err, &self.target, self.protocol, retry));
                }
            }
        }
    }

    async fn poll_raw(&mut self) -> Result<Event, ConnError> {
        let ev = match &mut self.el {
            Loop::V4(el) => el.poll().await.map(events::from_v4).map_err(ConnError::from_v4),
            Loop::V5(el) => el.poll().await.map(events::from_v5).map_err(ConnError::from_v5),
        }?;
        let mut ev = on_wire(&self.ids, ev);
        if let Event::Message(m) = &mut ev
            && m.props.is_some()
            && self.property_order
        {
            m.props_order = self.ids.property_order().take(m.pkid, m.payload.len());
        }
        Ok(ev)
    }

    /// How many QoS 1/2 flows the library can have open at once: `-M`, or
    /// less when an MQTT 5 broker's receive maximum says so.
    pub fn inflight_limit(&self) -> u16 {
        match &self.el {
            Loop::V4(el) => el.diagnostics().outbound.max_inflight,
            Loop::V5(el) => el.diagnostics().outbound.max_inflight,
        }
    }

    /// Messages of an earlier run (a persistent session's checkpoint) that
    /// the library will send again before anything new.
    pub fn resends_pending(&self) -> usize {
        match &self.el {
            Loop::V4(el) => el.diagnostics().queues.pending_replay_len,
            Loop::V5(el) => el.diagnostics().queues.pending_replay_len,
        }
    }

    /// Write a persistent session's state for the next run (a no-op otherwise).
    pub fn save_state(&self) -> std::io::Result<()> {
        self.store.as_ref().map_or(Ok(()), options::Store::flush)
    }

    /// The next event, with its `-d` line printed.
    ///
    /// A connection whose broker has sent nothing for 1.5 × keep-alive while
    /// we wait for an answer is dropped as dead ([`Watch`]): a half-open
    /// connection (the peer gone without a FIN) is otherwise noticed only
    /// when the library's second unanswered PINGREQ is due, 2 × keep-alive.
    pub async fn poll(&mut self) -> Result<Event, ConnError> {
        let ev = match self.watch.deadline() {
            None => self.poll_raw().await,
            Some(at) => match tokio::time::timeout_at(at, self.poll_raw()).await {
                Ok(ev) => ev,
                Err(_) => {
                    let silent = self.watch.limit;
                    self.watch.reset();
                    // Drops the socket; what was in flight is sent again on
                    // the next connection, as after any lost connection.
                    match &mut self.el {
                        Loop::V4(el) => el.clean(),
                        Loop::V5(el) => el.clean(),
                    }
                    Err(ConnError::Closed(format!(
                        "the broker sent nothing for {:.1} s, 1.5 × keep-alive",
                        silent.as_secs_f64()
                    )))
                }
            },
        };
        match &ev {
            Ok(ev) => self.watch.saw(ev),
            Err(_) => self.watch.reset(),
        }
        let ev = ev?;
        self.debug.event(&ev);
        Ok(ev)
    }
}

/// What [`Session::poll`] needs to tell a dead connection: when the broker
/// last sent anything, and whether we wait for an answer (a PINGREQ, or a
/// QoS 1/2 publish, SUBSCRIBE or UNSUBSCRIBE of ours).
#[derive(Debug)]
pub(crate) struct Watch {
    /// 1.5 × keep-alive (zero: keep-alive is off, no watch).
    limit: Duration,
    last_in: tokio::time::Instant,
    ping: bool,
    awaiting: std::collections::HashSet<u16>,
}

impl Watch {
    fn new(keepalive: u16) -> Watch {
        Watch {
            limit: Duration::from_millis(u64::from(keepalive) * 1500),
            last_in: tokio::time::Instant::now(),
            ping: false,
            awaiting: Default::default(),
        }
    }

    fn deadline(&self) -> Option<tokio::time::Instant> {
        let waiting = self.ping || !self.awaiting.is_empty();
        (waiting && !self.limit.is_zero()).then(|| self.last_in + self.limit)
    }

    fn reset(&mut self) {
        self.ping = false;
        self.awaiting.clear();
        self.last_in = tokio::time::Instant::now();
    }

    fn saw(&mut self, ev: &Event) {
        match ev {
            Event::PingReqSent => self.ping = true,
            Event::PublishSent { pkid } | Event::SubscribeSent { pkid } | Event::UnsubscribeSent { pkid }
                if *pkid != 0 =>
            {
                self.awaiting.insert(*pkid);
            }
            _ => {}
        }
        let incoming = match ev {
            Event::ConnAck { .. } => {
                self.reset();
                true
            }
            Event::PingResp => {
                self.ping = false;
                true
            }
            Event::PubAck { pkid, .. }
            | Event::PubComp { pkid, .. }
            | Event::SubAck { pkid, .. }
            | Event::UnsubAck { pkid } => {
                self.awaiting.remove(pkid);
                true
            }
            Event::PubRec { pkid, reason, .. } => {
                if *reason >= 0x80 {
                    self.awaiting.remove(pkid);
                }
                true
            }
            Event::DisconnectReceived { .. } | Event::Message(_) | Event::PubRelReceived { .. } => true,
            _ => false,
        };
        if incoming {
            self.last_in = tokio::time::Instant::now();
        }
    }
}

/// `ev` with the packet ids of our own flows as they are on the wire
/// ([`super::ids`]); the broker's flows keep theirs.
fn on_wire(ids: &PacketIds, ev: Event) -> Event {
    let id = |pkid, seen| ids.shown(pkid, seen);
    match ev {
        Event::PublishSent { pkid } => Event::PublishSent {
            pkid: id(pkid, Seen::Start),
        },
        Event::SubscribeSent { pkid } => Event::SubscribeSent {
            pkid: id(pkid, Seen::Start),
        },
        Event::UnsubscribeSent { pkid } => Event::UnsubscribeSent {
            pkid: id(pkid, Seen::Start),
        },
        Event::PubRelSent { pkid } => Event::PubRelSent {
            pkid: id(pkid, Seen::During),
        },
        Event::PubRec {
            pkid,
            reason,
            reason_string,
        } => Event::PubRec {
            pkid: id(pkid, if reason >= 0x80 { Seen::End } else { Seen::During }),
            reason,
            reason_string,
        },
        Event::PubAck {
            pkid,
            reason,
            reason_string,
        } => Event::PubAck {
            pkid: id(pkid, Seen::End),
            reason,
            reason_string,
        },
        Event::PubComp { pkid, reason } => Event::PubComp {
            pkid: id(pkid, Seen::End),
            reason,
        },
        Event::SubAck { pkid, codes } => Event::SubAck {
            pkid: id(pkid, Seen::End),
            codes,
        },
        Event::UnsubAck { pkid } => Event::UnsubAck {
            pkid: id(pkid, Seen::End),
        },
        other => other,
    }
}

/// `--connect-retry`'s schedule: pauses of 50 ms doubling to 2 s, until the
/// retry duration has passed since the first failure.
pub(crate) struct Retry {
    deadline: Instant,
    backoff: Backoff,
}

impl Retry {
    pub(crate) fn new(limit: Duration) -> Retry {
        let ms = Duration::from_millis;
        Retry {
            deadline: Instant::now() + limit,
            backoff: Backoff::new(ms(50), ms(2000), Spread::None, fastrand::Rng::new()),
        }
    }

    /// Pause before the next attempt; false (at once) when the time is up.
    pub(crate) async fn pause(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.backoff.next_pause().min(self.deadline - now)).await;
        true
    }
}

/// The broker's answer to one publish, once it is known.
pub type Confirmation = Pin<Box<dyn Future<Output = Outcome>>>;

/// How one publish ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written (QoS 0), PUBACK (QoS 1) or PUBCOMP (QoS 2).
    Confirmed,
    /// A v5 PUBACK/PUBREC with a reason code of 0x80 or more.
    Refused { pkid: u16, code: u8, text: Option<String> },
    /// The library gave up on it (session reset, ...).
    Failed(String),
}

impl Publisher {
    /// Queue a publish; waits while the request channel is full (backpressure).
    ///
    /// MQTT 5 publishes are tracked: the returned confirmation resolves with
    /// the broker's answer and reason code, also when that answer arrived
    /// just before the connection dropped (mosquitto closes the connection
    /// right after refusing a v5 publish), which plain events would lose.
    /// MQTT 3.1.1 has no reason codes, so its publishes stay untracked —
    /// tracking ends the library's read batch at every ack and costs a third
    /// of the QoS 1 throughput — and are confirmed by counting events
    /// (`None`).
    pub async fn publish(&self, m: OutMessage) -> anyhow::Result<Option<Confirmation>> {
        if self.debug.enabled {
            self.debug.queued(PublishLine {
                qos: m.qos as u8,
                retain: m.retain,
                topic: m.topic.clone(),
                len: m.payload.len(),
            });
        }
        let queue_err = |e: &dyn std::fmt::Display| anyhow!("cannot queue a publish: {e}");
        match &self.inner {
            Client::V4(c) => {
                let opts = rumqttc::PublishOptions::new(qos4(m.qos)).retain(m.retain);
                c.publish(m.topic, m.payload, opts).await.map_err(|e| queue_err(&e))?;
                Ok(None)
            }
            Client::V5(c) => {
                let mut opts = rumqttc5::PublishOptions::new(qos5(m.qos)).retain(m.retain);
                if let Some(p) = m.props {
                    opts = opts.properties(super::message::props_v5(*p));
                }
                let notice = c
                    .publish_tracked(m.topic, m.payload, opts)
                    .await
                    .map_err(|e| queue_err(&e))?;
                Ok(Some(Box::pin(async move { outcome_v5(notice.wait_async().await) })))
            }
        }
    }

    /// Queue a graceful DISCONNECT (after everything admitted is flushed).
    /// `with_will` (MQTT 5) sends reason 4, so the broker publishes the will,
    /// as mosquitto_sub does when it is interrupted or times out.
    pub fn disconnect(&self, props: &DisconnectProps, with_will: bool) -> anyhow::Result<()> {
        match &self.inner {
            Client::V4(c) => c.try_disconnect().map_err(|e| anyhow!("cannot disconnect: {e}")),
            Client::V5(c) => {
                let p = rumqttc5::DisconnectProperties {
                    session_expiry_interval: props.session_expiry_interval,
                    reason_string: props.reason_string.clone(),
                    user_properties: props.user_properties.clone(),
                    server_reference: None,
                };
                let reason = if with_will {
                    rumqttc5::DisconnectReasonCode::DisconnectWithWillMessage
                } else {
                    rumqttc5::DisconnectReasonCode::NormalDisconnection
                };
                c.try_disconnect_with_properties(reason, p)
                    .map_err(|e| anyhow!("cannot disconnect: {e}"))
            }
        }
    }

    /// DISCONNECT at once, without waiting for unacknowledged QoS 1/2
    /// publishes (an interrupted run that gives up on them).
    pub fn disconnect_now(&self) -> anyhow::Result<()> {
        let err = |e: &dyn std::fmt::Display| anyhow!("cannot disconnect: {e}");
        match &self.inner {
            Client::V4(c) => c.try_disconnect_now().map_err(|e| err(&e)),
            Client::V5(c) => c.try_disconnect_now().map_err(|e| err(&e)),
        }
    }

    /// Queue one SUBSCRIBE with every filter (mosquitto sends them all at once).
    pub fn subscribe(&self, filters: &[Filter], props: &SubscribeProps) -> anyhow::Result<()> {
        self.debug.queued_subscribe(
            filters
                .iter()
                .map(|f| (f.topic.clone(), f.qos as u8, f.options_byte()))
                .collect(),
        );
        let err = |e: &dyn std::fmt::Display| anyhow!("cannot subscribe: {e}");
        match &self.inner {
            Client::V4(c) => c
                .try_subscribe_many(filters.iter().map(options::filter_v4))
                .map_err(|e| err(&e)),
            Client::V5(c) => c
                .try_subscribe_many_with_properties(
                    filters.iter().map(options::filter_v5),
                    options::subscribe_props_v5(props),
                )
                .map_err(|e| err(&e)),
        }
    }

    /// Queue an UNSUBSCRIBE for one filter.
    pub fn unsubscribe(&self, topic: &str, user_properties: &[(String, String)]) -> anyhow::Result<()> {
        self.debug.queued_unsubscribe(topic.to_string());
        let err = |e: &dyn std::fmt::Display| anyhow!("cannot unsubscribe: {e}");
        match &self.inner {
            Client::V4(c) => c.try_unsubscribe(topic.to_string()).map_err(|e| err(&e)),
            Client::V5(c) => {
                let p = rumqttc5::UnsubscribeProperties {
                    user_properties: user_properties.to_vec(),
                };
                c.try_unsubscribe_with_properties(topic.to_string(), p)
                    .map_err(|e| err(&e))
            }
        }
    }

    /// Acknowledge a received QoS 1/2 message (manual acks); waits for room.
    pub async fn ack(&self, m: &Message) -> anyhow::Result<()> {
        let err = |e: &dyn std::fmt::Display| anyhow!("cannot acknowledge a message: {e}");
        match (&self.inner, m.qos) {
            (_, QoS::AtMostOnce) => Ok(()),
            (Client::V4(c), QoS::AtLeastOnce) => c
                .manual_ack(rumqttc::ManualAck::PubAck(rumqttc::PubAck::new(m.pkid)))
                .await
                .map_err(|e| err(&e)),
            (Client::V4(c), QoS::ExactlyOnce) => c
                .manual_ack(rumqttc::ManualAck::PubRec(rumqttc::PubRec::new(m.pkid)))
                .await
                .map_err(|e| err(&e)),
            (Client::V5(c), QoS::AtLeastOnce) => c
                .manual_ack(rumqttc5::ManualAck::PubAck(rumqttc5::PubAck::new(m.pkid, None)))
                .await
                .map_err(|e| err(&e)),
            (Client::V5(c), QoS::ExactlyOnce) => c
                .manual_ack(rumqttc5::ManualAck::PubRec(rumqttc5::PubRec::new(m.pkid, None)))
                .await
                .map_err(|e| err(&e)),
        }
    }
}

fn outcome_v5(r: Result<rumqttc5::PublishResult, rumqttc5::PublishNoticeError>) -> Outcome {
    use rumqttc5::{PublishNoticeError as E, PublishResult as R};
    let refused = |pkid, code: u8, text: Option<String>| {
        if code >= 0x80 {
            Outcome::Refused { pkid, code, text }
        } else {
            Outcome::Confirmed
        }
    };
    match r {
        Ok(R::Qos0Flushed | R::Qos2Completed(_)) => Outcome::Confirmed,
        Ok(R::Qos1(a)) => refused(a.pkid, a.reason as u8, a.properties.and_then(|p| p.reason_string)),
        Ok(R::Qos2PubRecRejected(r)) => refused(r.pkid, r.reason as u8, r.properties.and_then(|p| p.reason_string)),
        Err(E::V5PubAck(reason)) => refused(0, reason as u8, None),
        Err(E::V5PubRec(reason)) => refused(0, reason as u8, None),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}
