//! The library's PUBLISH → mqttkit's [`Message`], for either protocol
//! version, and our publish properties → the library's.

use crate::mqtt::{Message, PublishProps, QoS};

/// The properties of a message to publish, as the MQTT 5 library takes them.
pub(crate) fn props_v5(p: PublishProps) -> rumqttc5::PublishProperties {
    rumqttc5::PublishProperties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data,
        user_properties: p.user_properties,
        subscription_identifiers: Vec::new(),
        content_type: p.content_type,
    }
}

impl Message {
    pub(crate) fn from_v4(p: rumqttc::Publish) -> Message {
        Message {
            topic: p.topic,
            payload: p.payload,
            qos: qos_from4(p.qos),
            retain: p.retain,
            dup: p.dup,
            pkid: p.pkid,
            props: None,
            props_order: Vec::new(),
        }
    }

    pub(crate) fn from_v5(p: rumqttc5::Publish) -> Message {
        let props = p.properties.map(|pp| {
            Box::new(PublishProps {
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
            props_order: Vec::new(),
        }
    }
}

pub(crate) fn qos_from4(q: rumqttc::QoS) -> QoS {
    match q {
        rumqttc::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

pub(crate) fn qos_from5(q: rumqttc5::QoS) -> QoS {
    match q {
        rumqttc5::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc5::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc5::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}
