//! The MQTT vocabulary every layer may use: quality of service, protocol
//! version, messages (received and to publish), subscription filters, MQTT 5
//! properties, topic rules and matching. A leaf: it imports nothing of ours.

mod codes;
mod message;
mod props;
mod topic;

pub use codes::{connack_v3, reason};
pub use message::{Filter, Message, OutMessage};
pub use props::{ConnAckProps, ConnectProps, DisconnectProps, PublishProps, SubscribeProps, WillProps};
pub use topic::{strip_share, topic_matches, validate_filter, validate_publish_topic};

/// MQTT's largest packet: the most a remaining length can say. No payload
/// can be larger (the packet also holds the topic).
pub const MAX_PACKET_SIZE: usize = 268_435_455;

/// MQTT quality of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QoS {
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

impl QoS {
    pub fn from_u8(q: u8) -> Option<QoS> {
        match q {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

/// MQTT protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// MQTT 3.1 (`MQIsdp`, level 3): 3.1.1 with another CONNECT.
    V31,
    V311,
    V5,
}

impl Protocol {
    /// Its name: "3.1", "3.1.1" or "5".
    pub fn name(self) -> &'static str {
        match self {
            Protocol::V31 => "3.1",
            Protocol::V311 => "3.1.1",
            Protocol::V5 => "5",
        }
    }

    /// The protocol level CONNECT carries: 3, 4 or 5.
    pub fn level(self) -> u8 {
        match self {
            Protocol::V31 => 3,
            Protocol::V311 => 4,
            Protocol::V5 => 5,
        }
    }

    /// How `-V` spells it.
    pub fn number(self) -> &'static str {
        match self {
            Protocol::V31 => "31",
            Protocol::V311 => "311",
            Protocol::V5 => "5",
        }
    }
}
