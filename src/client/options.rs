//! ConnSettings → rumqttc options, for MQTT 3.1.1 and MQTT 5, with the
//! settings the pitfalls call for: inflight = `-M` (20, mosquitto's quota),
//! 256 MiB packets instead of 10 KiB, write batching, a v5 inflight upper
//! limit (else 15 MiB per event loop), and our own client id handling.

use std::time::Duration;

use std::sync::Arc;

use bytes::Bytes;

use super::ids::PacketIds;
use super::store::FileStore;

use crate::settings::ConnSettings;

use crate::mqtt::{Filter, Protocol, QoS, SubscribeProps};

/// MQTT's largest packet (the remaining length limit).
pub const MAX_PACKET: usize = 268_435_455;
/// Requests per write batch: one writev for many publishes.
const BATCH: usize = 64;
/// Request channel capacity between the producer and the event loop.
pub const CHANNEL: usize = 256;
/// TCP connect + CONNACK timeout, per attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A built TLS client configuration.
pub(crate) type Tls = Arc<rumqttc::tokio_rustls::rustls::ClientConfig>;

/// The session checkpoint store of a persistent session, to write at exit.
pub(crate) enum Store {
    V4(Arc<FileStore<rumqttc::PersistedSession>>),
    V5(Arc<FileStore<rumqttc5::PersistedSession>>),
}

impl Store {
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        match self {
            Store::V4(s) => s.flush(),
            Store::V5(s) => s.flush(),
        }
    }
}

pub(crate) fn qos4(q: QoS) -> rumqttc::QoS {
    match q {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

/// One subscription filter, as the MQTT 3.1.1 library takes it.
pub(crate) fn filter_v4(f: &Filter) -> rumqttc::SubscribeFilter {
    rumqttc::SubscribeFilter::new(f.topic.clone(), qos4(f.qos))
}

/// One subscription filter with its MQTT 5 options.
pub(crate) fn filter_v5(f: &Filter) -> rumqttc5::SubscribeFilter {
    let mut sf = rumqttc5::SubscribeFilter::new(f.topic.clone(), qos5(f.qos));
    sf.nolocal = f.no_local;
    sf.preserve_retain = f.retain_as_published;
    sf.retain_forward_rule = match f.retain_handling {
        0 => rumqttc5::RetainForwardRule::OnEverySubscribe,
        1 => rumqttc5::RetainForwardRule::OnNewSubscribe,
        _ => rumqttc5::RetainForwardRule::Never,
    };
    sf
}

pub(crate) fn subscribe_props_v5(p: &SubscribeProps) -> rumqttc5::SubscribeProperties {
    rumqttc5::SubscribeProperties {
        id: p.subscription_identifier.map(|i| i as usize),
        user_properties: p.user_properties.clone(),
    }
}

pub(crate) fn qos5(q: QoS) -> rumqttc5::QoS {
    match q {
        QoS::AtMostOnce => rumqttc5::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc5::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc5::QoS::ExactlyOnce,
    }
}

fn network() -> rumqttc::NetworkOptions {
    let mut net = rumqttc::NetworkOptions::new();
    net.set_connection_timeout(CONNECT_TIMEOUT.as_secs());
    net
}

/// The library's options for `s`, with our transport stack
/// ([`super::transport`]) as the socket connector of every endpoint: the
/// library dials "TCP" and gets the whole stack (proxy, TLS, WebSocket, the
/// MQTT 3.1 rewrite) from us. The address given to the library is not used.
macro_rules! base_options {
    ($krate:ident, $s:expr, $tls:expr, $ids:expr) => {{
        let id = $s.client_id.clone().unwrap_or_default();
        let mut o = $krate::MqttOptions::new(id, ("localhost", 1883));
        let dial = super::transport::Dial::new($s, $tls, Some($ids.clone()));
        o.set_socket_connector(move |_addr, _net| dial.clone().open());
        o
    }};
}

pub(crate) fn v4(
    s: &ConnSettings,
    tls: Option<Tls>,
    ids: &PacketIds,
) -> anyhow::Result<(rumqttc::MqttOptions, rumqttc::NetworkOptions, Option<Store>)> {
    let mut o = v4_options(s, tls, ids);
    let store = super::store::v4(s, ids);
    if let Some(st) = &store {
        o.set_session_store_arc(st.clone());
    }
    Ok((o, network(), store.map(Store::V4)))
}

/// The CONNECT packet the MQTT 3.1.1 library sends for `s`.
pub(crate) fn connect_v4(s: &ConnSettings) -> rumqttc::Connect {
    let o = v4_options(s, None, &PacketIds::default());
    let mut c = rumqttc::Connect::new(o.client_id());
    c.keep_alive = u16::try_from(o.keep_alive().as_secs()).unwrap_or(u16::MAX);
    c.clean_session = o.clean_session();
    c.last_will = o.last_will();
    c.auth = o.auth().clone();
    c
}

/// The CONNECT packet, will and credentials the MQTT 5 library sends for `s`.
pub(crate) fn connect_v5(s: &ConnSettings) -> rumqttc5::Packet {
    let o = v5_options(s, None, &PacketIds::default());
    let connect = rumqttc5::Connect {
        client_id: o.client_id(),
        keep_alive: u16::try_from(o.keep_alive().as_secs()).unwrap_or(u16::MAX),
        clean_start: o.clean_start(),
        properties: o.connect_properties(),
    };
    rumqttc5::Packet::Connect(connect, o.last_will(), o.auth().clone())
}

fn v4_options(s: &ConnSettings, tls: Option<Tls>, ids: &PacketIds) -> rumqttc::MqttOptions {
    let mut o = base_options!(rumqttc, s, tls, ids);
    o.set_keep_alive(s.keepalive);
    o.set_clean_session(s.clean);
    o.set_max_packet_size(MAX_PACKET, MAX_PACKET);
    o.set_inflight(s.max_inflight);
    if s.manual_acks {
        o.set_ack_mode(rumqttc::AckMode::Manual);
    }
    o.set_max_request_batch(BATCH);
    o.set_request_channel_capacity(CHANNEL);
    match (&s.credentials.username, &s.credentials.password) {
        (Some(u), Some(p)) => {
            o.set_credentials(u.clone(), Bytes::from(p.clone()));
        }
        (Some(u), None) => {
            o.set_username(u.clone());
        }
        _ => {}
    }
    if let Some(w) = &s.will {
        o.set_last_will(rumqttc::LastWill::new(
            w.topic.clone(),
            w.payload.clone(),
            qos4(w.qos),
            w.retain,
        ));
    }
    o
}

pub(crate) fn v5(
    s: &ConnSettings,
    tls: Option<Tls>,
    ids: &PacketIds,
) -> anyhow::Result<(rumqttc5::MqttOptions, Option<Store>)> {
    let mut o = v5_options(s, tls, ids);
    let store = super::store::v5(s, ids);
    if let Some(st) = &store {
        o.set_session_store_arc(st.clone());
    }
    Ok((o, store.map(Store::V5)))
}

fn v5_options(s: &ConnSettings, tls: Option<Tls>, ids: &PacketIds) -> rumqttc5::MqttOptions {
    let mut o = base_options!(rumqttc5, s, tls, ids);
    debug_assert_eq!(s.protocol, Protocol::V5);
    o.set_keep_alive(s.keepalive);
    o.set_clean_start(s.clean);
    o.set_outgoing_inflight_upper_limit(s.max_inflight);
    o.set_max_request_batch(BATCH);
    o.set_request_channel_capacity(CHANNEL);
    o.set_connect_timeout(CONNECT_TIMEOUT);
    o.set_network_options(network());
    let c = &s.props.connect;
    o.set_session_expiry_interval(c.session_expiry_interval.or(s.session_expiry));
    // Like mosquitto: receive-maximum 20 unless -D says otherwise.
    o.set_receive_maximum(Some(c.receive_maximum.unwrap_or(s.receive_maximum)));
    if s.manual_acks {
        o.set_ack_mode(rumqttc5::AckMode::Manual);
    }
    o.set_topic_alias_max(c.topic_alias_maximum);
    o.set_request_problem_info(c.request_problem_information);
    o.set_request_response_info(c.request_response_information);
    if !c.user_properties.is_empty() {
        o.set_user_properties(c.user_properties.clone());
    }
    if c.authentication_method.is_some() {
        o.set_authentication_method(c.authentication_method.clone());
        o.set_authentication_data(c.authentication_data.clone().map(Bytes::from));
    }
    match (&s.credentials.username, &s.credentials.password) {
        (Some(u), Some(p)) => {
            o.set_credentials(u.clone(), Bytes::from(p.clone()));
        }
        (Some(u), None) => {
            o.set_username(u.clone());
        }
        (None, Some(p)) => {
            o.set_password(Bytes::from(p.clone()));
        }
        (None, None) => {}
    }
    if let Some(w) = &s.will {
        let wp = &s.props.will;
        let props = rumqttc5::LastWillProperties {
            delay_interval: wp.will_delay_interval,
            payload_format_indicator: wp.payload_format_indicator,
            message_expiry_interval: wp.message_expiry_interval,
            content_type: wp.content_type.clone(),
            response_topic: wp.response_topic.clone(),
            correlation_data: wp.correlation_data.clone().map(Bytes::from),
            user_properties: wp.user_properties.clone(),
        };
        let has_props = *wp != crate::mqtt::WillProps::default();
        o.set_last_will(rumqttc5::LastWill::new(
            w.topic.clone(),
            w.payload.clone(),
            qos5(w.qos),
            w.retain,
            has_props.then_some(props),
        ));
    }
    // Last: every connect-property setter above may reset the incoming limit
    // to the library's 10 KiB default (an MQTT 5 subscriber then refused any
    // larger message as malformed).
    match s.props.connect.maximum_packet_size {
        Some(max) => o.set_max_packet_size(Some(max)),
        None => o.set_unlimited_incoming_packet_size(),
    };
    o
}
