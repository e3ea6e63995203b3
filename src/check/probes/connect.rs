//! CONNECT in each version, access, client ids, the CONNACK's properties.

use super::*;

/// What a connect in one protocol version showed.
pub struct VersionSeen {
    pub outcome: Finding,
    /// A CONNACK came back (accepting or refusing).
    pub answered: bool,
    /// The connection was accepted.
    pub accepted: bool,
    pub connack: Option<ConnAckProps>,
}

pub async fn version(ctx: &Ctx, ev: &Evidence, v: Protocol) -> VersionSeen {
    let mut s = ctx.settings();
    s.protocol = v;
    let name = format!("MQTT {}", v.name());
    match ctx.connect(ev, "c", &s).await {
        Ok(c) => {
            let connack = c.connack().cloned();
            c.disconnect().await;
            VersionSeen {
                outcome: Finding::pass(format!("{name} accepted")).with(json!(true)),
                answered: true,
                accepted: true,
                connack,
            }
        }
        Err(f) => {
            let text = f.brief();
            let (outcome, answered) = match f.refused {
                Some(code) if not_supported(code) => (Finding::unsupported(format!("refused: {text}")), true),
                // Refused for another reason (not authorized, ...): the
                // broker speaks the version.
                Some(_) => (
                    Finding::pass(format!("{name} spoken (this client was refused: {text})")),
                    true,
                ),
                None if f.old_protocol => (Finding::unsupported(format!("no {name} CONNACK ({text})")), true),
                None => (Finding::fail(text), false),
            };
            VersionSeen {
                outcome: outcome.with(json!(false)),
                answered,
                accepted: false,
                connack: None,
            }
        }
    }
}

/// Connect without credentials, and (when given) with them.
pub async fn access(ctx: &Ctx, ev: &Evidence) -> (Found, bool) {
    let mut found = Vec::new();
    let mut s = ctx.settings();
    s.credentials = Credentials {
        username: None,
        password: None,
    };
    let anonymous = match ctx.connect(ev, "anonymous", &s).await {
        Ok(c) => {
            c.disconnect().await;
            found.push((
                CheckItem::Anonymous,
                Finding::pass("accepted without credentials").with(json!(true)),
            ));
            true
        }
        Err(f) => {
            let text = refusal(&f, ctx.v5());
            let o = match f.refused {
                Some(_) => Finding::unsupported(text),
                None => Finding::fail(text),
            };
            found.push((CheckItem::Anonymous, o.with(json!(false))));
            false
        }
    };
    let with_credentials = if ctx.base.credentials.username.is_some() {
        let s = ctx.settings();
        match ctx.connect(ev, "credentials", &s).await {
            Ok(c) => {
                c.disconnect().await;
                found.push((CheckItem::Credentials, Finding::pass("the given -u/-P were accepted")));
                true
            }
            Err(f) => {
                found.push((
                    CheckItem::Credentials,
                    Finding::fail(format!("the given -u/-P: {}", refusal(&f, ctx.v5()))),
                ));
                false
            }
        }
    } else {
        found.push((CheckItem::Credentials, Finding::skipped("no -u given")));
        false
    };
    (found, anonymous || with_credentials)
}

/// A zero-length client id (clean session): accepted, and the identifier
/// the broker assigned (MQTT 5).
pub async fn zero_length_id(ctx: &Ctx, ev: &Evidence) -> Found {
    let mut s = ctx.settings();
    s.client_id = None;
    match ctx.connect(ev, "c", &s).await {
        Ok(c) => {
            let assigned = c.connack().and_then(|p| p.assigned_client_identifier.clone());
            c.disconnect().await;
            let id = match (&assigned, ctx.v5()) {
                (Some(a), _) => Finding::info(json!(a), "assigned to a zero-length client id"),
                (None, true) => Finding::fail("a zero-length id was accepted but no identifier was assigned"),
                (None, false) => Finding::unsupported("MQTT 5 only"),
            };
            vec![
                (
                    CheckItem::ZeroLengthClientId,
                    Finding::pass(match &assigned {
                        Some(a) => format!("accepted; assigned '{a}'"),
                        None => "accepted".into(),
                    }),
                ),
                (CheckItem::AssignedClientIdentifier, id),
            ]
        }
        Err(f) => {
            let text = refusal(&f, ctx.v5());
            let o = match f.refused {
                Some(_) => Finding::unsupported(text),
                None => Finding::fail(text),
            };
            vec![
                (CheckItem::ZeroLengthClientId, o),
                (
                    CheckItem::AssignedClientIdentifier,
                    Finding::skipped("no zero-length id accepted"),
                ),
            ]
        }
    }
}

/// The MQTT 5 CONNACK's properties, each with the protocol's default when
/// absent.
pub fn connack_items(p: &ConnAckProps) -> Found {
    fn flag(v: Option<u8>, default: bool) -> (Value, String) {
        match v {
            Some(x) => (json!(x != 0), format!("sent: {x}")),
            None => (json!(default), format!("absent (the default: {})", u8::from(default))),
        }
    }
    fn number<T: Into<Value> + Copy + std::fmt::Display>(
        v: Option<T>,
        default: Option<T>,
        what: &str,
    ) -> (Value, String) {
        match (v, default) {
            (Some(x), _) => (x.into(), format!("sent: {x}")),
            (None, Some(d)) => (d.into(), format!("absent ({what}: {d})")),
            (None, None) => (Value::Null, format!("absent ({what})")),
        }
    }
    let info = |(v, d): (Value, String)| Finding::info(v, d);
    vec![
        (
            CheckItem::ServerKeepAlive,
            info(number(p.server_keep_alive, None, "the client's keep-alive stands")),
        ),
        (
            CheckItem::ReceiveMaximum,
            info(number(p.receive_maximum, Some(65535u16), "the default")),
        ),
        (
            CheckItem::MaximumQos,
            info(number(p.maximum_qos, Some(2u8), "the default")),
        ),
        (CheckItem::RetainAvailable, info(flag(p.retain_available, true))),
        (
            CheckItem::MaxPacketSize,
            info(number(
                p.maximum_packet_size,
                Some(crate::mqtt::MAX_PACKET_SIZE as u32),
                "no limit but the protocol's",
            )),
        ),
        (
            CheckItem::TopicAliasMaximum,
            info(number(p.topic_alias_maximum, Some(0u16), "the default: no aliases")),
        ),
        (
            CheckItem::WildcardSubscriptionAvailable,
            info(flag(p.wildcard_subscription_available, true)),
        ),
        (
            CheckItem::SubscriptionIdentifiersAvailable,
            info(flag(p.subscription_identifiers_available, true)),
        ),
        (
            CheckItem::SharedSubscriptionAvailable,
            info(flag(p.shared_subscription_available, true)),
        ),
        (
            CheckItem::SessionExpiryInterval,
            info(number(p.session_expiry_interval, None, "the client's own stands")),
        ),
        (
            CheckItem::ServerReference,
            match &p.server_reference {
                Some(r) => Finding::info(json!(r), "sent"),
                None => Finding::info(Value::Null, "absent"),
            },
        ),
    ]
}

/// The CONNACK as a JSON object of the properties present, verbatim.
pub fn connack_json(p: &ConnAckProps) -> std::collections::BTreeMap<String, Value> {
    let mut m = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("session_expiry_interval", p.session_expiry_interval.map(Value::from));
    put("receive_maximum", p.receive_maximum.map(Value::from));
    put("maximum_qos", p.maximum_qos.map(Value::from));
    put("retain_available", p.retain_available.map(Value::from));
    put("maximum_packet_size", p.maximum_packet_size.map(Value::from));
    put(
        "assigned_client_identifier",
        p.assigned_client_identifier.clone().map(Value::from),
    );
    put("topic_alias_maximum", p.topic_alias_maximum.map(Value::from));
    put("reason_string", p.reason_string.clone().map(Value::from));
    put(
        "wildcard_subscription_available",
        p.wildcard_subscription_available.map(Value::from),
    );
    put(
        "subscription_identifiers_available",
        p.subscription_identifiers_available.map(Value::from),
    );
    put(
        "shared_subscription_available",
        p.shared_subscription_available.map(Value::from),
    );
    put("server_keep_alive", p.server_keep_alive.map(Value::from));
    put("response_information", p.response_information.clone().map(Value::from));
    put("server_reference", p.server_reference.clone().map(Value::from));
    put(
        "authentication_method",
        p.authentication_method.clone().map(Value::from),
    );
    if !p.user_properties.is_empty() {
        put(
            "user_properties",
            Some(Value::from(
                p.user_properties.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            )),
        );
    }
    m
}
