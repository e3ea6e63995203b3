//! MQTT 5 properties of the packets a client sends: CONNECT, PUBLISH, the
//! will, DISCONNECT and SUBSCRIBE. Plain data; `settings` fills them from
//! `-D`, `client` puts them on the wire.

use bytes::Bytes;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectProps {
    pub session_expiry_interval: Option<u32>,
    pub receive_maximum: Option<u16>,
    pub maximum_packet_size: Option<u32>,
    pub topic_alias_maximum: Option<u16>,
    pub request_problem_information: Option<u8>,
    pub request_response_information: Option<u8>,
    pub authentication_method: Option<String>,
    pub authentication_data: Option<Vec<u8>>,
    pub user_properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
/// The properties of a PUBLISH, sent or received (one type both ways).
pub struct PublishProps {
    pub payload_format_indicator: Option<u8>,
    pub message_expiry_interval: Option<u32>,
    pub topic_alias: Option<u16>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub content_type: Option<String>,
    pub user_properties: Vec<(String, String)>,
    /// Set by the broker on delivery (one per matching subscription that has
    /// one); a client never sends them.
    pub subscription_identifiers: Vec<usize>,
}

impl PublishProps {
    pub fn is_default(&self) -> bool {
        *self == PublishProps::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WillProps {
    pub will_delay_interval: Option<u32>,
    pub payload_format_indicator: Option<u8>,
    pub message_expiry_interval: Option<u32>,
    pub content_type: Option<String>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Vec<u8>>,
    pub user_properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisconnectProps {
    pub session_expiry_interval: Option<u32>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscribeProps {
    pub subscription_identifier: Option<u32>,
    pub user_properties: Vec<(String, String)>,
}

/// The properties of an MQTT 5 CONNACK, as the broker sent them (`None`:
/// absent, the protocol's default applies).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnAckProps {
    pub session_expiry_interval: Option<u32>,
    pub receive_maximum: Option<u16>,
    pub maximum_qos: Option<u8>,
    pub retain_available: Option<u8>,
    pub maximum_packet_size: Option<u32>,
    pub assigned_client_identifier: Option<String>,
    pub topic_alias_maximum: Option<u16>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
    pub wildcard_subscription_available: Option<u8>,
    pub subscription_identifiers_available: Option<u8>,
    pub shared_subscription_available: Option<u8>,
    pub server_keep_alive: Option<u16>,
    pub response_information: Option<String>,
    pub server_reference: Option<String>,
    pub authentication_method: Option<String>,
}
