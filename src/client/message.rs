//! An incoming PUBLISH as mqttkit sees it, whatever the protocol version:
//! raw topic and payload bytes, flags, and the MQTT 5 properties.

use bytes::Bytes;

use crate::settings::QoS;

/// MQTT 5 properties of a received message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageProps {
    pub payload_format_indicator: Option<u8>,
    pub message_expiry_interval: Option<u32>,
    pub topic_alias: Option<u16>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
    pub subscription_identifiers: Vec<usize>,
    pub content_type: Option<String>,
}

/// A received message.
#[derive(Debug, Clone)]
pub struct Message {
    /// The topic's bytes as sent (a broker may send non-UTF-8).
    pub topic: Bytes,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    pub dup: bool,
    /// Packet id (0 at QoS 0), mosquitto's `mid`.
    pub pkid: u16,
    /// `None` on MQTT 3.1.1 connections.
    pub props: Option<Box<MessageProps>>,
}

impl Message {
    /// The topic as text (lossy for non-UTF-8 bytes).
    pub fn topic_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.topic)
    }

    pub(crate) fn from_v4(p: rumqttc::Publish) -> Message {
        Message {
            topic: p.topic,
            payload: p.payload,
            qos: qos_from4(p.qos),
            retain: p.retain,
            dup: p.dup,
            pkid: p.pkid,
            props: None,
        }
    }

    pub(crate) fn from_v5(p: rumqttc5::Publish) -> Message {
        let props = p.properties.map(|pp| {
            Box::new(MessageProps {
                payload_format_indicator: pp.payload_format_indicator,
                message_expiry_interval: pp.message_expiry_interval,
                topic_alias: pp.topic_alias,
                response_topic: pp.response_topic,
                correlation_data: pp.correlation_data,
                user_properties: pp.user_properties,
                subscription_identifiers: pp.subscription_identifiers,
                content_type: pp.content_type,
            })
        });
        Message {
            topic: p.topic,
            payload: p.payload,
            qos: qos_from5(p.qos),
            retain: p.retain,
            dup: p.dup,
            pkid: p.pkid,
            props: Some(props.unwrap_or_default()),
        }
    }
}

fn qos_from4(q: rumqttc::QoS) -> QoS {
    match q {
        rumqttc::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

fn qos_from5(q: rumqttc5::QoS) -> QoS {
    match q {
        rumqttc5::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc5::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc5::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}
