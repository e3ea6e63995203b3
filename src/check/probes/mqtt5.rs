//! MQTT 5 only: No Local, topic aliases, subscription identifiers, properties relayed.

use super::*;

/// No-local: a subscriber does not get its own messages.
pub async fn no_local(ctx: &Ctx, ev: &Evidence) -> Finding {
    let topic = ctx.topic("no-local");
    let mut me = connect!(ctx, ev, "self", ctx.settings());
    let mut f = filter(&topic, QoS::AtLeastOnce);
    f.no_local = true;
    tri!("SUBSCRIBE", me.subscribe(f, SubscribeProps::default(), ANSWER).await);
    tri!(
        "PUBLISH",
        me.publish(out(&topic, "mine", QoS::AtLeastOnce, false), ANSWER).await
    );
    // Another client's message is the sentinel.
    let mut other = connect!(ctx, ev, "other", ctx.settings());
    tri!(
        "PUBLISH",
        other
            .publish(out(&topic, "theirs", QoS::AtLeastOnce, false), ANSWER)
            .await
    );
    let until = Instant::now() + ANSWER;
    tri!(
        "another client's message",
        me.wait_for(until, |m| m.payload == "theirs".as_bytes()).await
    );
    if me.take_inbox().iter().any(|m| m.payload == "mine".as_bytes()) {
        Finding::fail("the subscriber got its own message back")
    } else {
        Finding::pass("its own message was not sent back; another client's was")
    }
}

/// Topic aliases from the client: a PUBLISH with a topic and alias 1, then
/// one with alias 1 and an empty topic.
pub async fn topic_alias(ctx: &Ctx, ev: &Evidence) -> Finding {
    let max = ctx
        .connack
        .borrow()
        .as_ref()
        .and_then(|p| p.topic_alias_maximum)
        .unwrap_or(0);
    if max == 0 {
        return Finding::unsupported("the CONNACK's Topic Alias Maximum is 0 (or absent)");
    }
    let topic = ctx.topic("alias");
    let (mut sub, mut publ) = sub_and_pub!(ctx, ev, &topic, QoS::AtLeastOnce);
    let alias = PublishProps {
        topic_alias: Some(1),
        ..PublishProps::default()
    };
    for (t, payload) in [(topic.as_str(), "a1"), ("", "a2")] {
        let code = tri!(
            "PUBLISH",
            publ.publish(
                with_props(out(t, payload, QoS::AtLeastOnce, false), alias.clone()),
                ANSWER
            )
            .await
        );
        if code >= 0x80 {
            return Finding::fail(format!("refused: 0x{code:02x} {}", reason(code)));
        }
    }
    let until = Instant::now() + ANSWER;
    tri!(
        "the aliased message",
        sub.wait_for(until, |m| m.payload == "a2".as_bytes()).await
    );
    let got = sub.take_inbox();
    if got.iter().any(|m| m.payload == "a1".as_bytes()) || got.is_empty() {
        Finding::pass(format!(
            "a PUBLISH by alias arrived on '{topic}' (Topic Alias Maximum {max})"
        ))
    } else {
        Finding::fail("the first message (topic and alias) did not arrive")
    }
}

/// A subscription identifier comes back on the messages it matched.
pub async fn subscription_identifiers(ctx: &Ctx, ev: &Evidence) -> Finding {
    if ctx.advertised(|p| p.subscription_identifiers_available) == Some(false) {
        return Finding::unsupported("the CONNACK's Subscription Identifiers Available is 0");
    }
    let topic = ctx.topic("sub-id");
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    let props = SubscribeProps {
        subscription_identifier: Some(42),
        ..SubscribeProps::default()
    };
    let codes = tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), props, ANSWER).await
    );
    if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
        return Finding::unsupported(format!("refused: 0x{code:02x}"));
    }
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    tri!(
        "PUBLISH",
        publ.publish(out(&topic, "id", QoS::AtLeastOnce, false), ANSWER).await
    );
    let m = tri!("the message", sub.message_on(&topic, ANSWER).await);
    let ids = m.props.map(|p| p.subscription_identifiers).unwrap_or_default();
    if ids == [42] {
        Finding::pass("the message carried subscription identifier 42")
    } else {
        Finding::fail(format!(
            "the message carried subscription identifiers {ids:?}, not [42]"
        ))
    }
}

/// Response topic, correlation data, content type, payload format and user
/// properties (in order, a name twice) reach the subscriber unchanged.
pub async fn properties_relayed(ctx: &Ctx, ev: &Evidence) -> Finding {
    let topic = ctx.topic("properties");
    let (mut sub, mut publ) = sub_and_pub!(ctx, ev, &topic, QoS::AtLeastOnce);
    let sent = PublishProps {
        payload_format_indicator: Some(1),
        response_topic: Some(ctx.topic("reply")),
        correlation_data: Some(Bytes::from_static(b"\x00\x01corr")),
        content_type: Some("text/plain".into()),
        user_properties: vec![
            ("k".into(), "1".into()),
            ("a".into(), "2".into()),
            ("k".into(), "3".into()),
        ],
        ..PublishProps::default()
    };
    tri!(
        "PUBLISH",
        publ.publish(
            with_props(out(&topic, "props", QoS::AtLeastOnce, false), sent.clone()),
            ANSWER
        )
        .await
    );
    let m = tri!("the message", sub.message_on(&topic, ANSWER).await);
    let got = m.props.map(|p| *p).unwrap_or_default();
    let mut wrong = Vec::new();
    if got.response_topic != sent.response_topic {
        wrong.push(format!("response topic {:?}", got.response_topic));
    }
    if got.correlation_data != sent.correlation_data {
        wrong.push(format!("correlation data {:?}", got.correlation_data));
    }
    if got.content_type != sent.content_type {
        wrong.push(format!("content type {:?}", got.content_type));
    }
    if got.payload_format_indicator != sent.payload_format_indicator {
        wrong.push(format!("payload format {:?}", got.payload_format_indicator));
    }
    if got.user_properties != sent.user_properties {
        wrong.push(format!("user properties {:?}", got.user_properties));
    }
    if wrong.is_empty() {
        Finding::pass(
            "response topic, correlation data, content type, payload format and 3 user properties (in order) relayed",
        )
    } else {
        Finding::fail(format!("changed on the way: {}", wrong.join("; ")))
    }
}
