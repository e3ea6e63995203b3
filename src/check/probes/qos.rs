//! Round trips at each QoS, exactly once, QoS 1 order.

use super::*;

/// Publish at `q` to a subscriber at `q`: delivered, at which QoS.
pub async fn round_trip(ctx: &Ctx, ev: &Evidence, q: u8) -> Finding {
    if let Some(max) = ctx.connack.borrow().as_ref().and_then(|p| p.maximum_qos)
        && max < q
    {
        return Finding::unsupported(format!("the CONNACK's Maximum QoS is {max}"));
    }
    let topic = ctx.topic(&format!("qos/{q}"));
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    let codes = tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, qos_of(q)), SubscribeProps::default(), ANSWER)
            .await
    );
    match codes.first() {
        Some(&c) if c >= 0x80 => return Finding::fail(format!("the subscription was refused (0x{c:02x})")),
        Some(&g) if g < q => {
            return Finding::unsupported(format!("a QoS {q} subscription was granted QoS {g}"));
        }
        _ => {}
    }
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let payload = format!("qos{q}");
    match deliver(&mut publ, &mut sub, out(&topic, payload.clone(), qos_of(q), false)).await {
        Ok((m, _)) if m.payload == payload.as_bytes() && m.qos as u8 == q => {
            Finding::pass(format!("delivered at QoS {q}"))
        }
        Ok((m, _)) if m.payload == payload.as_bytes() => {
            Finding::fail(format!("delivered at QoS {} instead of {q}", m.qos as u8))
        }
        Ok(_) => Finding::fail("a different payload arrived"),
        Err(Refusal::Code(c)) if not_supported(c) => {
            Finding::unsupported(format!("the PUBLISH was refused: 0x{c:02x} {}", reason(c)))
        }
        Err(Refusal::Code(c)) => Finding::fail(format!("the PUBLISH was refused: 0x{c:02x} {}", reason(c))),
        Err(Refusal::Publisher(Stop::Lost(why))) if q == 2 => {
            Finding::unsupported(format!("the broker closed the connection on a QoS 2 PUBLISH ({why})"))
        }
        Err(Refusal::Publisher(s)) => stopped("publisher", s),
        Err(Refusal::Subscriber(s)) => stopped("subscriber", s),
    }
}

/// Why [`deliver`] got no message.
pub(super) enum Refusal {
    Code(u8),
    Publisher(Stop),
    Subscriber(Stop),
}

/// Publish from `p` and wait for the message at `s` (driving both), then
/// for the publisher's acknowledgement: the message and the time from
/// publish to delivery.
pub(super) async fn deliver(
    p: &mut ProbeClient,
    s: &mut ProbeClient,
    m: crate::mqtt::OutMessage,
) -> Result<(Message, Duration), Refusal> {
    let topic = m.topic.clone();
    let started = Instant::now();
    let until = started + ANSWER;
    let pkid = p.send(m).map_err(Refusal::Publisher)?;
    let got = tokio::select! {
        r = s.wait_for(until, |m| m.topic == topic.as_bytes()) => r.map_err(Refusal::Subscriber),
        stop = p.drive(until) => Err(Refusal::Publisher(stop)),
    };
    let took = started.elapsed();
    if pkid != 0 {
        let code = p.wait_ack(pkid, until).await.map_err(Refusal::Publisher)?;
        if code >= 0x80 {
            return Err(Refusal::Code(code));
        }
    }
    got.map(|m| (m, took))
}

/// Publish `payloads` on `topic`, ten in flight, each acknowledged.
async fn publish_many(
    ev: &Evidence,
    publ: &mut ProbeClient,
    topic: &str,
    q: QoS,
    payloads: impl Iterator<Item = String>,
) -> Result<(), Finding> {
    let payloads: Vec<String> = payloads.collect();
    ev.note(format!(
        "pub → {} × PUBLISH q{} '{topic}' '{}'..'{}' (10 in flight)",
        payloads.len(),
        q as u8,
        payloads.first().map_or("", String::as_str),
        payloads.last().map_or("", String::as_str)
    ));
    publ.mute();
    for chunk in payloads.chunks(10) {
        let mut ids = Vec::new();
        for p in chunk {
            ids.push(
                publ.send(out(topic, p.clone(), q, false))
                    .map_err(|s| stopped("PUBLISH", s))?,
            );
        }
        let until = Instant::now() + ANSWER;
        for id in ids {
            let code = publ
                .wait_ack(id, until)
                .await
                .map_err(|s| stopped("acknowledgement", s))?;
            if code >= 0x80 {
                return Err(Finding::fail(format!(
                    "a QoS {} PUBLISH was refused: 0x{code:02x} {}",
                    q as u8,
                    reason(code)
                )));
            }
        }
    }
    Ok(())
}

/// Fifty QoS 2 messages: each arrives exactly once.
pub async fn exactly_once(ctx: &Ctx, ev: &Evidence, qos2: Option<Res>) -> Finding {
    match qos2 {
        Some(Res::Pass) => {}
        Some(Res::Unsupported) => return Finding::unsupported("no QoS 2 (see qos2)"),
        _ => return Finding::skipped("the QoS 2 round trip did not pass"),
    }
    const N: usize = 50;
    let topic = ctx.topic("exactly-once");
    let (mut sub, mut publ) = sub_and_pub!(ctx, ev, &topic, QoS::ExactlyOnce);
    sub.mute();
    if let Err(o) = publish_many(
        ev,
        &mut publ,
        &topic,
        QoS::ExactlyOnce,
        (0..N).map(|k| format!("eo-{k}")),
    )
    .await
    {
        return o;
    }
    // A last message: everything before it has arrived when it does.
    tri!(
        "sentinel",
        publ.publish(out(&topic, "eo-end", QoS::ExactlyOnce, false), ANSWER)
            .await
    );
    let until = Instant::now() + ANSWER;
    tri!(
        "sentinel",
        sub.wait_for(until, |m| m.payload == "eo-end".as_bytes()).await
    );
    let mut counts = [0u32; N];
    let mut wrong_qos = 0;
    for m in sub.take_inbox() {
        if let Some(k) = std::str::from_utf8(&m.payload)
            .ok()
            .and_then(|t| t.strip_prefix("eo-"))
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|k| *k < N)
        {
            counts[k] += 1;
            wrong_qos += usize::from(m.qos != QoS::ExactlyOnce);
        }
    }
    ev.note(format!("sub ← {} messages", counts.iter().sum::<u32>()));
    let dups: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 1)
        .map(|(k, c)| format!("eo-{k} ×{c}"))
        .collect();
    let lost = counts.iter().filter(|c| **c == 0).count();
    if !dups.is_empty() {
        Finding::fail(format!("{} delivered more than once: {}", dups.len(), dups.join(", ")))
    } else if lost > 0 {
        Finding::fail(format!("{lost} of {N} never arrived"))
    } else if wrong_qos > 0 {
        Finding::fail(format!("{wrong_qos} of {N} arrived below QoS 2"))
    } else {
        Finding::pass(format!("{N} QoS 2 messages, each delivered once"))
    }
}

/// Order of QoS 1 messages from one publisher.
pub async fn qos1_order(ctx: &Ctx, ev: &Evidence) -> Finding {
    const N: usize = 200;
    let topic = ctx.topic("order");
    let (mut sub, mut publ) = sub_and_pub!(ctx, ev, &topic, QoS::AtLeastOnce);
    sub.mute();
    if let Err(o) = publish_many(ev, &mut publ, &topic, QoS::AtLeastOnce, (0..N).map(|k| k.to_string())).await {
        return o;
    }
    let until = Instant::now() + ANSWER;
    let mut seen = Vec::new();
    while seen.len() < N {
        match sub.wait_for(until, |_| true).await {
            Ok(m) => seen.push(String::from_utf8_lossy(&m.payload).into_owned()),
            Err(s) => return stopped(&format!("after {} of {N} messages", seen.len()), s),
        }
    }
    let first_wrong = seen.iter().enumerate().find(|(k, p)| **p != k.to_string());
    ev.note(format!("sub ← {} messages", seen.len()));
    match first_wrong {
        None => Finding::pass(format!("{N} QoS 1 messages in the order sent")),
        Some((k, p)) => Finding::fail(format!("message {k} was '{p}': out of order")),
    }
}
