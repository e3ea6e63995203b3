//! The latency sample, and clearing what the probes left.

use super::qos::deliver;
use super::*;

/// Connect 20 times, and 200 round trips at each QoS (publish to delivery,
/// one message at a time): the histograms by name. Each of the four parts
/// stops early at a fifth of `budget` (a distant broker gets fewer samples
/// rather than no result).
pub async fn latency(
    ctx: &Ctx,
    ev: &Evidence,
    max_qos: u8,
    budget: Duration,
) -> Result<Vec<(&'static str, Hist)>, Finding> {
    const CONNECTS: usize = 20;
    const TRIPS: usize = 200;
    let quiet = Evidence::default();
    let mut out_h = Vec::new();
    let mut h = Hist::default();
    let part = budget / 5;
    let until = Instant::now() + part;
    for _ in 0..CONNECTS {
        if !h.is_empty() && Instant::now() >= until {
            break;
        }
        let c = ctx.connect(&quiet, "c", &ctx.settings()).await.map_err(not_connected)?;
        h.record(c.connect_time.as_micros() as u64);
        c.disconnect().await;
    }
    ev.note(format!("{} connects", h.len()));
    out_h.push(("connect", h));
    for (q, name) in [(0u8, "qos0"), (1, "qos1"), (2, "qos2")] {
        if q > max_qos {
            continue;
        }
        let topic = ctx.topic(&format!("latency/{q}"));
        let mut sub = ctx
            .connect(&quiet, "sub", &ctx.settings())
            .await
            .map_err(not_connected)?;
        sub.mute();
        sub.subscribe(filter(&topic, qos_of(q)), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        let mut publ = ctx
            .connect(&quiet, "pub", &ctx.settings())
            .await
            .map_err(not_connected)?;
        publ.mute();
        let mut h = Hist::default();
        let until = Instant::now() + part;
        for k in 0..TRIPS {
            if k > 0 && Instant::now() >= until {
                break;
            }
            let (_, took) = deliver(&mut publ, &mut sub, out(&topic, format!("{k}"), qos_of(q), false))
                .await
                .map_err(|r| match r {
                    Refusal::Code(c) => Finding::fail(format!("refused: 0x{c:02x}")),
                    Refusal::Publisher(s) | Refusal::Subscriber(s) => stopped("round trip", s),
                })?;
            h.record(took.as_micros() as u64);
        }
        ev.note(format!("{} QoS {q} round trips", h.len()));
        out_h.push((name, h));
        sub.disconnect().await;
        publ.disconnect().await;
    }
    Ok(out_h)
}

/// Clear the retained messages the probes left and end their sessions.
pub async fn clean_up(ctx: &Ctx, ev: &Evidence) {
    let topics: Vec<String> = ctx.retained.borrow_mut().drain(..).collect();
    let sessions: Vec<String> = ctx.sessions.borrow_mut().drain(..).collect();
    if !topics.is_empty()
        && let Ok(mut c) = ctx.connect(ev, "cleaner", &ctx.settings()).await
    {
        for t in topics {
            let _ = c.publish(out(&t, Bytes::new(), QoS::AtLeastOnce, true), ANSWER).await;
        }
        c.disconnect().await;
    }
    for id in sessions {
        let mut s = ctx.settings();
        s.client_id = Some(id);
        if let Ok(c) = ctx.connect(ev, "cleaner", &s).await {
            c.disconnect().await;
        }
    }
}
