//! Reason-code texts, as mosquitto prints them (`mosquitto_connack_string`,
//! `mosquitto_reason_string`).

/// MQTT 3.1.1 CONNACK return codes.
pub fn connack_v3(code: u8) -> &'static str {
    match code {
        0 => "Connection Accepted.",
        1 => "Connection Refused: unacceptable protocol version.",
        2 => "Connection Refused: identifier rejected.",
        3 => "Connection Refused: broker unavailable.",
        4 => "Connection Refused: bad user name or password.",
        5 => "Connection Refused: not authorised.",
        _ => "Connection Refused: unknown reason.",
    }
}

/// MQTT 5 reason codes.
pub fn reason(code: u8) -> &'static str {
    match code {
        0 => "Success",
        1 => "Granted QoS 1",
        2 => "Granted QoS 2",
        4 => "Disconnect with Will Message",
        16 => "No matching subscribers",
        17 => "No subscription existed",
        24 => "Continue authentication",
        25 => "Re-authenticate",
        128 => "Unspecified error",
        129 => "Malformed Packet",
        130 => "Protocol Error",
        131 => "Implementation specific error",
        132 => "Unsupported Protocol Version",
        133 => "Client Identifier not valid",
        134 => "Bad User Name or Password",
        135 => "Not authorized",
        136 => "Server unavailable",
        137 => "Server busy",
        138 => "Banned",
        139 => "Server shutting down",
        140 => "Bad authentication method",
        141 => "Keep Alive timeout",
        142 => "Session taken over",
        143 => "Topic Filter invalid",
        144 => "Topic Name invalid",
        145 => "Packet Identifier in use",
        146 => "Packet Identifier not found",
        147 => "Receive Maximum exceeded",
        148 => "Topic Alias invalid",
        149 => "Packet too large",
        150 => "Message rate too high",
        151 => "Quota exceeded",
        152 => "Administrative action",
        153 => "Payload format invalid",
        154 => "Retain not supported",
        155 => "QoS not supported",
        156 => "Use another server",
        157 => "Server moved",
        158 => "Shared Subscriptions not supported",
        159 => "Connection rate exceeded",
        160 => "Maximum connect time",
        161 => "Subscription identifiers not supported",
        162 => "Wildcard Subscriptions not supported",
        _ => "Unknown reason",
    }
}

pub(crate) fn connack_v5_code(code: rumqttc5::ConnectReturnCode) -> u8 {
    use rumqttc5::ConnectReturnCode as C;
    match code {
        C::Success => 0,
        C::RefusedProtocolVersion => 1,
        C::BadClientId => 2,
        C::ServiceUnavailable => 3,
        C::UnspecifiedError => 128,
        C::MalformedPacket => 129,
        C::ProtocolError => 130,
        C::ImplementationSpecificError => 131,
        C::UnsupportedProtocolVersion => 132,
        C::ClientIdentifierNotValid => 133,
        C::BadUserNamePassword => 134,
        C::NotAuthorized => 135,
        C::ServerUnavailable => 136,
        C::ServerBusy => 137,
        C::Banned => 138,
        C::BadAuthenticationMethod => 140,
        C::TopicNameInvalid => 144,
        C::PacketTooLarge => 149,
        C::QuotaExceeded => 151,
        C::PayloadFormatInvalid => 153,
        C::RetainNotSupported => 154,
        C::QoSNotSupported => 155,
        C::UseAnotherServer => 156,
        C::ServerMoved => 157,
        C::ConnectionRateExceeded => 159,
    }
}

pub(crate) fn suback_v5_code(code: &rumqttc5::SubscribeReasonCode) -> u8 {
    use rumqttc5::SubscribeReasonCode as C;
    match code {
        C::Success(q) => *q as u8,
        C::Failure | C::Unspecified => 0x80,
        C::ImplementationSpecific => 0x83,
        C::NotAuthorized => 0x87,
        C::TopicFilterInvalid => 0x8F,
        C::PkidInUse => 0x91,
        C::QuotaExceeded => 0x97,
        C::SharedSubscriptionsNotSupported => 0x9E,
        C::SubscriptionIdNotSupported => 0xA1,
        C::WildcardSubscriptionsNotSupported => 0xA2,
    }
}
