//! The largest payload, topic and client id; `$SYS`.

use super::*;

/// Payloads doubling from 1 KiB: the largest delivered intact.
pub async fn max_payload(ctx: &Ctx, ev: &Evidence) -> Finding {
    let topic = ctx.topic("big");
    let limit = ctx.connack.borrow().as_ref().and_then(|p| p.maximum_packet_size);
    let (mut sub, mut publ) = sub_and_pub!(ctx, ev, &topic, QoS::AtLeastOnce);
    let shown = |best| format!("{} delivered intact", size_text(best));
    largest(
        doubling(1024, ctx.max_payload),
        "not even 1 KiB was delivered",
        shown,
        async |size| {
            // The PUBLISH's size: fixed header, topic, packet id, properties.
            let packet = size + topic.len() + 2 + 2 + 1 + 5;
            if let Some(l) = limit
                && packet > l as usize
            {
                return Err(format!(
                    "not tried beyond: the CONNACK's Maximum Packet Size is {l} bytes"
                ));
            }
            let payload: Bytes = (0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into();
            let within = ANSWER + Duration::from_secs_f64(size as f64 / 20e6);
            let code = publ
                .publish(out(&topic, payload.clone(), QoS::AtLeastOnce, false), within)
                .await
                .map_err(|s| format!("{size} bytes: {s}"))?;
            if code >= 0x80 {
                return Err(format!("{size} bytes refused: 0x{code:02x} {}", reason(code)));
            }
            match sub.message_on(&topic, within).await {
                Ok(m) if m.payload == payload => Ok(()),
                Ok(m) => Err(format!("{size} bytes arrived as {} different bytes", m.payload.len())),
                Err(s) => Err(format!("{size} bytes not delivered: {s}")),
            }
        },
    )
    .await
}

/// Try each size in turn until one fails: a pass showing the largest that
/// worked (`shown`; the value is the size), or `none` failed when not even
/// the first did, each with why the next did not.
async fn largest(
    sizes: Vec<usize>,
    none: &str,
    shown: impl Fn(usize) -> String,
    mut attempt: impl AsyncFnMut(usize) -> Result<(), String>,
) -> Finding {
    let mut best = 0;
    let mut stop = String::new();
    for n in sizes {
        match attempt(n).await {
            Ok(()) => best = n,
            Err(why) => {
                stop = format!("; {why}");
                break;
            }
        }
    }
    if best == 0 {
        Finding::fail(format!("{none}{stop}")).with(json!(0))
    } else {
        Finding::pass(format!("{}{stop}", shown(best))).with(json!(best))
    }
}

/// `from`, twice that, and so on below `to`, then `to`.
fn doubling(from: usize, to: usize) -> Vec<usize> {
    let mut v: Vec<usize> = std::iter::successors(Some(from), |n| n.checked_mul(2))
        .take_while(|n| *n < to)
        .collect();
    v.push(to);
    v
}

fn size_text(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Topic lengths doubling from 64 bytes to the protocol's 65,535: the
/// longest a QoS 1 PUBLISH was accepted on.
pub async fn max_topic_length(ctx: &Ctx, ev: &Evidence) -> Finding {
    let limit = ctx.connack.borrow().as_ref().and_then(|p| p.maximum_packet_size);
    let base = ctx.topic("");
    let quiet = Evidence::default();
    let mut publ = connect!(ctx, &quiet, "pub", ctx.settings());
    let lengths = doubling(64, 65535).into_iter().filter(|n| *n > base.len()).collect();
    let none = "no topic of 64 bytes or more was accepted";
    largest(
        lengths,
        none,
        |best| format!("{best} bytes"),
        async |n| {
            if let Some(l) = limit
                && n + 16 > l as usize
            {
                return Err(format!("not tried beyond: Maximum Packet Size {l}"));
            }
            let topic = format!("{base}{}", "t".repeat(n - base.len()));
            let what = format!("pub → PUBLISH q1 on a {n}-byte topic");
            match publ.publish(out(&topic, "t", QoS::AtLeastOnce, false), ANSWER).await {
                Ok(code) if code < 0x80 => {
                    ev.note(format!("{what}: PUBACK"));
                    Ok(())
                }
                Ok(code) => {
                    ev.note(format!("{what}: refused 0x{code:02x}"));
                    Err(format!("{n} bytes refused: 0x{code:02x} {}", reason(code)))
                }
                Err(s) => {
                    ev.note(format!("{what}: {s}"));
                    Err(format!("{n} bytes: {s}"))
                }
            }
        },
    )
    .await
}

/// Client id lengths doubling from 23 (MQTT 3.1's limit) to 65,535.
pub async fn max_client_id_length(ctx: &Ctx, ev: &Evidence) -> Finding {
    let quiet = Evidence::default();
    let lengths = std::iter::once(23).chain(doubling(64, 65535)).collect();
    let none = "no client id of 23 characters was accepted";
    largest(
        lengths,
        none,
        |best| format!("{best} characters"),
        async |n| {
            let mut s = ctx.settings();
            let id = s.client_id.take().unwrap_or_default();
            s.client_id = Some(format!("{id}{}", "i".repeat(n.saturating_sub(id.len()))));
            let what = format!("c → CONNECT with a {n}-character client id");
            match ctx.connect(&quiet, "c", &s).await {
                Ok(c) => {
                    ev.note(format!("{what}: accepted"));
                    c.disconnect().await;
                    Ok(())
                }
                Err(f) => {
                    let why = f.brief();
                    ev.note(format!("{what}: {why}"));
                    Err(format!("{n} characters: {why}"))
                }
            }
        },
    )
    .await
}

/// `$SYS` topics, and the broker's version where it publishes one.
pub async fn sys_topics(ctx: &Ctx, ev: &Evidence) -> Found {
    let r: Result<Found, Finding> = async {
        let mut c = ctx.connect(ev, "sys", &ctx.settings()).await.map_err(not_connected)?;
        let codes = c
            .subscribe(filter("$SYS/#", QoS::AtMostOnce), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
            let o = Finding::unsupported(format!("a $SYS/# subscription was refused: 0x{code:02x}"));
            return Ok(vec![
                (CheckItem::SysTopics, o),
                (CheckItem::BrokerVersion, Finding::skipped("no $SYS")),
            ]);
        }
        c.mute();
        // Retained $SYS topics come at once; wait for a version or 2 s.
        let until = Instant::now() + ANSWER;
        let version = c.wait_for(until, |m| m.topic.ends_with(b"/version")).await.ok();
        let count = c.take_inbox().len() + usize::from(version.is_some());
        ev.note(format!("sys ← {count} $SYS messages"));
        let sys = if count > 0 {
            Finding::pass(format!(
                "{count} $SYS message{} received",
                if count == 1 { "" } else { "s" }
            ))
            .with(json!(count))
        } else {
            Finding::unsupported("no $SYS message within 2 s (a broker may publish them only every few seconds)")
                .with(json!(0))
        };
        let version = match version {
            Some(m) => Finding::info(
                json!(String::from_utf8_lossy(&m.payload)),
                format!("from {}", m.topic_str()),
            ),
            None => Finding::skipped("no $SYS/.../version topic"),
        };
        c.disconnect().await;
        Ok(vec![(CheckItem::SysTopics, sys), (CheckItem::BrokerVersion, version)])
    }
    .await;
    r.unwrap_or_else(|o| all(&[CheckItem::SysTopics, CheckItem::BrokerVersion], &o))
}
