//! Retained messages, Retain As Published, Retain Handling.

use super::*;

/// Subscribe `c` to `f` and report whether a retained message came before
/// a sentinel published after the SUBACK.
async fn retained_on_subscribe(
    ctx: &Ctx,
    c: &mut ProbeClient,
    sender: &mut ProbeClient,
    f: Filter,
    props: SubscribeProps,
) -> Result<(Vec<u8>, Vec<Message>), Stop> {
    let topic = f.topic.clone();
    let codes = c.subscribe(f, props, ANSWER).await?;
    if codes.first().is_some_and(|c| *c >= 0x80) {
        return Ok((codes, Vec::new()));
    }
    let marker = format!("sentinel-{}", ctx.next_id());
    let code = sender
        .publish(out(&topic, marker.clone(), QoS::AtLeastOnce, false), ANSWER)
        .await?;
    if code >= 0x80 {
        return Err(Stop::Lost(format!("the sentinel was refused: 0x{code:02x}")));
    }
    let until = Instant::now() + ANSWER;
    c.wait_for(until, |m| m.payload == marker.as_bytes()).await?;
    Ok((codes, c.take_inbox().into_iter().filter(|m| m.retain).collect()))
}

pub async fn retain(ctx: &Ctx, ev: &Evidence) -> Finding {
    let advertised = ctx.advertised(|p| p.retain_available);
    let topic = ctx.topic("retain");
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    ctx.retained.borrow_mut().push(topic.clone());
    // Reason codes below 0x80 are successes ("no matching subscribers").
    match publ.publish(out(&topic, "r1", QoS::AtLeastOnce, true), ANSWER).await {
        Ok(code) if code < 0x80 => {}
        Ok(code) if advertised == Some(false) || not_supported(code) => {
            return Finding::unsupported(format!("a retained PUBLISH was refused: 0x{code:02x} {}", reason(code)));
        }
        Ok(code) => return Finding::fail(format!("a retained PUBLISH was refused: 0x{code:02x} {}", reason(code))),
        Err(Stop::Lost(_)) => {
            let said = if advertised == Some(false) {
                " (as its CONNACK's Retain Available 0 said)"
            } else {
                ""
            };
            return Finding::unsupported(format!("the broker closed the connection on a retained PUBLISH{said}"));
        }
        Err(s) => return stopped("retained PUBLISH", s),
    }
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    let mut sender = connect!(ctx, ev, "sentinel", ctx.settings());
    let (_, got) = tri!(
        "subscribe",
        retained_on_subscribe(
            ctx,
            &mut sub,
            &mut sender,
            filter(&topic, QoS::AtLeastOnce),
            SubscribeProps::default()
        )
        .await
    );
    let received = got.iter().any(|m| m.payload == "r1".as_bytes());
    if advertised == Some(false) {
        return if received {
            Finding::fail(
                "the CONNACK says Retain Available 0, but the broker kept a retained message and sent it to a new subscriber",
            )
        } else {
            Finding::unsupported("Retain Available 0; a retained message was accepted but not kept")
        };
    }
    if !received {
        return Finding::fail("a new subscriber did not get the retained message");
    }
    // Clear it: an empty retained message.
    tri!(
        "clear",
        publ.publish(out(&topic, Bytes::new(), QoS::AtLeastOnce, true), ANSWER)
            .await
    );
    let mut after = connect!(ctx, ev, "sub2", ctx.settings());
    let (_, again) = tri!(
        "subscribe",
        retained_on_subscribe(
            ctx,
            &mut after,
            &mut sender,
            filter(&topic, QoS::AtLeastOnce),
            SubscribeProps::default()
        )
        .await
    );
    if again.is_empty() {
        Finding::pass("set, sent to a new subscriber with the retain flag, cleared by an empty message")
    } else {
        Finding::fail("an empty retained message did not clear it")
    }
}

/// MQTT 5 retain-as-published: live messages keep their retain flag for
/// a subscriber that asked, lose it for one that did not.
pub async fn retain_as_published(ctx: &Ctx, ev: &Evidence) -> Finding {
    let topic = ctx.topic("rap");
    let mut a = connect!(ctx, ev, "rap1", ctx.settings());
    let mut f = filter(&topic, QoS::AtLeastOnce);
    f.retain_as_published = true;
    tri!("SUBSCRIBE", a.subscribe(f, SubscribeProps::default(), ANSWER).await);
    let mut b = connect!(ctx, ev, "rap0", ctx.settings());
    tri!(
        "SUBSCRIBE",
        b.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    ctx.retained.borrow_mut().push(topic.clone());
    let code = tri!(
        "PUBLISH",
        publ.publish(out(&topic, "rap", QoS::AtLeastOnce, true), ANSWER).await
    );
    if code >= 0x80 {
        return Finding::unsupported(format!("a retained PUBLISH was refused: 0x{code:02x}"));
    }
    let ma = tri!("rap1", a.message_on(&topic, ANSWER).await);
    let mb = tri!("rap0", b.message_on(&topic, ANSWER).await);
    match (ma.retain, mb.retain) {
        (true, false) => Finding::pass("retain 1 with retain-as-published, 0 without"),
        (a, b) => Finding::fail(format!(
            "retain {} with retain-as-published, {} without (want 1 and 0)",
            u8::from(a),
            u8::from(b)
        )),
    }
}

/// MQTT 5 retain handling 0 (send on every subscribe), 1 (only on a new
/// subscription), 2 (never).
pub async fn retain_handling(ctx: &Ctx, ev: &Evidence) -> Finding {
    let topic = ctx.topic("retain-handling");
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    ctx.retained.borrow_mut().push(topic.clone());
    let code = tri!(
        "PUBLISH",
        publ.publish(out(&topic, "kept", QoS::AtLeastOnce, true), ANSWER).await
    );
    if code >= 0x80 {
        return Finding::unsupported(format!("a retained PUBLISH was refused: 0x{code:02x}"));
    }
    let mut wrong = Vec::new();
    for (rh, label) in [(0u8, "rh0"), (1, "rh1"), (2, "rh2")] {
        let mut c = connect!(ctx, ev, label, ctx.settings());
        for time in ["first", "again"] {
            let mut f = filter(&topic, QoS::AtLeastOnce);
            f.retain_handling = rh;
            let (_, got) = tri!(
                label,
                retained_on_subscribe(ctx, &mut c, &mut publ, f, SubscribeProps::default()).await
            );
            let want = matches!((rh, time), (0, _) | (1, "first"));
            if got.is_empty() == want {
                wrong.push(format!(
                    "retain handling {rh}, {time} subscribe: {}",
                    if want {
                        "no retained message"
                    } else {
                        "the retained message came"
                    }
                ));
            }
        }
    }
    if wrong.is_empty() {
        Finding::pass("0: on every subscribe; 1: on the first only; 2: never")
    } else {
        Finding::fail(wrong.join("; "))
    }
}
