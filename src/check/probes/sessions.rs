//! Persistent sessions, offline messages, message expiry, wills.

use super::*;

/// What [`persistent_session`] finds.
pub const SESSION_ITEMS: [CheckItem; 4] = [
    CheckItem::PersistentSession,
    CheckItem::OfflineQos1,
    CheckItem::OfflineQos2,
    CheckItem::MessageExpiry,
];

/// A persistent session resumed, with QoS 1 and 2 messages queued while
/// it was offline, and (MQTT 5) message expiry while queued.
pub async fn persistent_session(ctx: &Ctx, ev: &Evidence, qos2: bool) -> Found {
    let names = SESSION_ITEMS;
    let r: Result<Found, Finding> = async {
        let topic = ctx.topic("offline");
        let mut s = ctx.settings();
        s.clean = false;
        if ctx.v5() {
            s.session_expiry = Some(300);
        }
        let id = s.client_id.clone().unwrap_or_default();
        ctx.sessions.borrow_mut().push(id);
        let mut p = ctx.connect(ev, "session", &s).await.map_err(not_connected)?;
        let q = if qos2 { QoS::ExactlyOnce } else { QoS::AtLeastOnce };
        p.subscribe(filter(&topic, q), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        p.disconnect().await;
        let mut publ = ctx.connect(ev, "pub", &ctx.settings()).await.map_err(not_connected)?;
        let mut send = async |m| publ.publish(m, ANSWER).await.map_err(|s| stopped("PUBLISH", s));
        send(out(&topic, "o1", QoS::AtLeastOnce, false)).await?;
        if qos2 {
            send(out(&topic, "o2", QoS::ExactlyOnce, false)).await?;
        }
        let mut expiry_sent = None;
        if ctx.v5() {
            for (payload, seconds) in [("expires-1s", 1), ("expires-300s", 300)] {
                send(with_props(
                    out(&topic, payload, QoS::AtLeastOnce, false),
                    PublishProps {
                        message_expiry_interval: Some(seconds),
                        ..PublishProps::default()
                    },
                ))
                .await?;
            }
            expiry_sent = Some(Instant::now());
        }
        if let Some(at) = expiry_sent {
            // The short one must have expired while queued (brokers may
            // count expiry in whole seconds: wait past the next one).
            ev.note(format!(
                "(waiting {:.1} s: past the 1 s expiry)",
                EXPIRY_WAIT.as_secs_f64()
            ));
            sleep_until(at + EXPIRY_WAIT).await;
        }
        let mut p = ctx.connect(ev, "session", &s).await.map_err(not_connected)?;
        let present = p.session_present();
        ev.note(format!("session ← session present {}", u8::from(present)));
        // A last message on the session's subscription: the queued ones
        // come before it.
        send(out(&topic, "end", QoS::AtLeastOnce, false)).await?;
        let until = Instant::now() + ANSWER;
        let end = p.wait_for(until, |m| m.payload == "end".as_bytes()).await;
        let got: Vec<Message> = p.take_inbox();
        p.disconnect().await;
        let mut found = Vec::new();
        if !present {
            let o = Finding::fail("the broker kept no session (session present 0)");
            return Ok(all(&names, &o));
        }
        found.push((
            CheckItem::PersistentSession,
            Finding::pass("resumed: session present 1"),
        ));
        if let Err(s) = end {
            let o = stopped("after reconnecting", s);
            found.extend(all(&names[1..], &o));
            return Ok(found);
        }
        found.extend(offline_verdicts(&got, qos2, ctx.v5()));
        Ok(found)
    }
    .await;
    r.unwrap_or_else(|o| all(&names, &o))
}

/// What came back, on return, of what was sent while the session was
/// offline: the QoS 1 and QoS 2 messages, and (MQTT 5) of the 1 s and 300 s
/// expiring ones.
fn offline_verdicts(got: &[Message], qos2: bool, v5: bool) -> Found {
    let has = |payload: &str| got.iter().find(|m| m.payload == payload.as_bytes());
    let mut verdicts = Vec::new();
    verdicts.push((
        CheckItem::OfflineQos1,
        match has("o1") {
            Some(_) => Finding::pass("a QoS 1 message sent while offline was delivered on return"),
            None => Finding::fail("a QoS 1 message sent while offline was not delivered"),
        },
    ));
    verdicts.push((
        CheckItem::OfflineQos2,
        if !qos2 {
            Finding::unsupported("no QoS 2 (see qos2)")
        } else {
            match has("o2") {
                Some(m) if m.qos == QoS::ExactlyOnce => {
                    Finding::pass("a QoS 2 message sent while offline was delivered on return")
                }
                Some(m) => Finding::fail(format!("delivered at QoS {}", m.qos as u8)),
                None => Finding::fail("a QoS 2 message sent while offline was not delivered"),
            }
        },
    ));
    verdicts.push((
        CheckItem::MessageExpiry,
        if !v5 {
            Finding::unsupported("MQTT 5 only")
        } else {
            match (has("expires-1s"), has("expires-300s")) {
                (None, Some(m)) => {
                    let left = m.props.as_ref().and_then(|p| p.message_expiry_interval);
                    match left {
                        Some(l) if l < 300 => Finding::pass(format!(
                            "a 1 s message expired while queued; a 300 s one came with {l} s left"
                        )),
                        Some(l) => Finding::fail(format!(
                            "the 300 s message came with {l} s left: the time queued was not taken off"
                        )),
                        None => Finding::fail("the 300 s message came without its expiry interval"),
                    }
                }
                (Some(_), _) => Finding::fail("a message with a 1 s expiry was delivered 2.2 s later"),
                (None, None) => Finding::fail("neither expiring message was delivered"),
            }
        },
    ));
    verdicts
}

/// The will, on a connection closed without DISCONNECT; (MQTT 5) the will
/// delay.
pub async fn will(ctx: &Ctx, ev: &Evidence, delay: bool) -> Finding {
    let topic = ctx.topic(if delay { "will-delay" } else { "will" });
    let mut sub = connect!(ctx, ev, "watcher", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut s = ctx.settings();
    s.will = Some(Will {
        topic: topic.clone(),
        payload: b"gone".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: false,
    });
    if delay {
        s.props.will.will_delay_interval = Some(WILL_DELAY);
        s.session_expiry = Some(10);
        s.clean = false;
        ctx.sessions.borrow_mut().push(s.client_id.clone().unwrap_or_default());
    }
    let dying = connect!(ctx, ev, "dying", s);
    let closed = Instant::now();
    dying.abort();
    let within = if delay { WILL_DELAY_WAIT } else { ANSWER };
    let m = tri!("the will", sub.message_on(&topic, within).await);
    let after = closed.elapsed();
    ev.note(format!("(the will came {:.2} s after the close)", after.as_secs_f64()));
    if m.payload != b"gone"[..] {
        return Finding::fail("the will's payload changed");
    }
    if !delay {
        return Finding::pass(format!("published {:.0} ms after the connection closed", ms(after)));
    }
    // Brokers that count the delay in whole seconds publish up to a second
    // early; a will published at once ignored the delay.
    if after >= Duration::from_secs(2) {
        Finding::pass(format!(
            "a 2 s will delay: published {:.1} s after the close",
            after.as_secs_f64()
        ))
    } else if after >= Duration::from_secs(1) {
        Finding::pass(format!(
            "a 2 s will delay: published {:.1} s after the close (a broker counting whole seconds may be up to 1 s early)",
            after.as_secs_f64()
        ))
    } else {
        Finding::fail(format!(
            "a 2 s will delay, but published {:.2} s after the close",
            after.as_secs_f64()
        ))
    }
}
