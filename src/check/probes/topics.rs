//! Wildcards, `$` topics, shared subscriptions.

use super::*;

/// `+` and `#`.
pub async fn wildcards(ctx: &Ctx, ev: &Evidence) -> Found {
    let names = [CheckItem::WildcardPlus, CheckItem::WildcardHash];
    if ctx.advertised(|p| p.wildcard_subscription_available) == Some(false) {
        return all(
            &names,
            &Finding::unsupported("the CONNACK's Wildcard Subscription Available is 0"),
        );
    }
    let r: Result<Found, Finding> = async {
        let plus = ctx.topic("w/+/x");
        let hash = ctx.topic("h/#");
        let mut a = ctx.connect(ev, "plus", &ctx.settings()).await.map_err(not_connected)?;
        let mut b = ctx.connect(ev, "hash", &ctx.settings()).await.map_err(not_connected)?;
        let mut found = Vec::new();
        let ca = a
            .subscribe(filter(&plus, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        let cb = b
            .subscribe(filter(&hash, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        let mut publ = ctx.connect(ev, "pub", &ctx.settings()).await.map_err(not_connected)?;
        for t in ["w/a/x", "w/a/b/x", "h", "h/a/b", "w/end/x", "h/end"] {
            publ.publish(out(&ctx.topic(t), t.to_string(), QoS::AtLeastOnce, false), ANSWER)
                .await
                .map_err(|s| stopped("PUBLISH", s))?;
        }
        for (c, codes, sentinel, item, filter_text, want, not) in [
            (
                &mut a,
                ca,
                "w/end/x",
                CheckItem::WildcardPlus,
                "+",
                &["w/a/x"][..],
                &["w/a/b/x"][..],
            ),
            (&mut b, cb, "h/end", CheckItem::WildcardHash, "#", &["h", "h/a/b"], &[]),
        ] {
            found.push((item, matched(c, &codes, sentinel, filter_text, (want, not)).await));
        }
        Ok(found)
    }
    .await;
    r.unwrap_or_else(|o| all(&names, &o))
}

/// What one wildcard subscription of `c` got, ending at the `sentinel`
/// message: the payloads `want` and none of `not`.
async fn matched(
    c: &mut ProbeClient,
    codes: &[u8],
    sentinel: &str,
    filter_text: &str,
    (want, not): (&[&str], &[&str]),
) -> Finding {
    if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
        let why = format!("the subscription was refused: 0x{code:02x}");
        return if not_supported(*code) {
            Finding::unsupported(why)
        } else {
            Finding::fail(why)
        };
    }
    let until = Instant::now() + ANSWER;
    if let Err(s) = c.wait_for(until, |m| m.payload == sentinel.as_bytes()).await {
        return stopped("waiting for the last message", s);
    }
    let got: Vec<String> = c
        .take_inbox()
        .iter()
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect();
    let missing: Vec<&str> = want.iter().filter(|w| !got.iter().any(|g| g == *w)).copied().collect();
    let extra: Vec<&str> = not.iter().filter(|n| got.iter().any(|g| g == *n)).copied().collect();
    if missing.is_empty() && extra.is_empty() {
        let but_not = if not.is_empty() {
            String::new()
        } else {
            format!(", not {}", not.join(", "))
        };
        Finding::pass(format!("'{filter_text}' matched {}{but_not}", want.join(", ")))
    } else {
        Finding::fail(format!(
            "'{filter_text}': missing {:?}, wrongly matched {:?}",
            missing, extra
        ))
    }
}

/// A topic starting with `$` is not matched by a filter starting with a
/// wildcard (`#`, `+/...`).
pub async fn dollar_topics(ctx: &Ctx, ev: &Evidence) -> Finding {
    let dollar = format!("${}/dollar", ctx.prefix);
    let plain = ctx.topic("dollar");
    // `+/...` written to match the plain topic (and the $ one, were the
    // rule broken).
    let plus = match plain.split_once('/') {
        Some((_, rest)) => format!("+/{rest}"),
        None => "+".to_string(),
    };
    let mut control = connect!(ctx, ev, "exact", ctx.settings());
    tri!(
        "SUBSCRIBE",
        control
            .subscribe(filter(&dollar, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut hash = connect!(ctx, ev, "hash", ctx.settings());
    let mut f = filter("#", QoS::AtMostOnce);
    // Not the whole broker's retained messages.
    f.retain_handling = 2;
    tri!("SUBSCRIBE", hash.subscribe(f, SubscribeProps::default(), ANSWER).await);
    let mut pl = connect!(ctx, ev, "plus", ctx.settings());
    tri!(
        "SUBSCRIBE",
        pl.subscribe(filter(&plus, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    hash.mute();
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let code = tri!(
        "PUBLISH",
        publ.publish(out(&dollar, "dollar", QoS::AtLeastOnce, false), ANSWER)
            .await
    );
    if code >= 0x80 {
        return Finding::unsupported(format!("a PUBLISH to a $ topic was refused: 0x{code:02x}"));
    }
    if let Err(s) = control.message_on(&dollar, ANSWER).await {
        return Finding::unsupported(format!("a message published to '{dollar}' was not delivered: {s}"));
    }
    // The plain topic is the sentinel of both wildcard subscribers.
    tri!(
        "PUBLISH",
        publ.publish(out(&plain, "plain", QoS::AtLeastOnce, false), ANSWER)
            .await
    );
    let mut wrong = Vec::new();
    for (c, name) in [(&mut hash, "#"), (&mut pl, plus.as_str())] {
        tri!(name, c.message_on(&plain, ANSWER).await);
        if c.take_inbox().iter().any(|m| m.topic == dollar.as_bytes()) {
            wrong.push(format!("'{name}' matched '{dollar}'"));
        }
    }
    if wrong.is_empty() {
        Finding::pass(format!("'#' and '{plus}' did not match '{dollar}'"))
    } else {
        Finding::fail(wrong.join("; "))
    }
}

/// Two members of a `$share` group: each message to exactly one of them.
pub async fn shared(ctx: &Ctx, ev: &Evidence) -> Finding {
    if ctx.advertised(|p| p.shared_subscription_available) == Some(false) {
        return Finding::unsupported("the CONNACK's Shared Subscription Available is 0");
    }
    const N: usize = 20;
    let topic = ctx.topic("shared");
    let group = format!("$share/g{}/{topic}", ctx.next_id().replace('-', ""));
    let mut members = Vec::new();
    for label in ["member1", "member2"] {
        let mut c = connect!(ctx, ev, label, ctx.settings());
        let codes = tri!(
            "SUBSCRIBE",
            c.subscribe(filter(&group, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
                .await
        );
        if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
            return if not_supported(*code) {
                Finding::unsupported(format!("the shared subscription was refused: 0x{code:02x}"))
            } else {
                Finding::fail(format!("the shared subscription was refused: 0x{code:02x}"))
            };
        }
        c.mute();
        members.push(c);
    }
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    publ.mute();
    ev.note(format!("pub → {N} × PUBLISH q1 '{topic}'"));
    for k in 0..N {
        tri!(
            "PUBLISH",
            publ.publish(out(&topic, format!("s-{k}"), QoS::AtLeastOnce, false), ANSWER)
                .await
        );
    }
    // Every message is acknowledged, so every copy is on its way: wait
    // until each has arrived somewhere, then a moment for stray copies.
    let until = Instant::now() + ANSWER;
    let mut counts = [[0u32; 2]; N];
    loop {
        tally_shares(&mut members, &mut counts);
        let arrived = counts.iter().filter(|c| c[0] + c[1] > 0).count();
        if arrived == N || Instant::now() >= until {
            break;
        }
        let (a, b) = members.split_at_mut(1);
        tokio::select! {
            _ = a[0].drive(until) => {}
            _ = b[0].drive(until) => {}
            _ = sleep(Duration::from_millis(20)) => {}
        }
    }
    for c in &mut members {
        c.settle(Duration::from_millis(200)).await;
    }
    tally_shares(&mut members, &mut counts);
    shares_verdict(&counts, ctx.v5(), ev)
}

/// Count each member's copies of message `s-K` in `counts[K][member]`.
fn tally_shares(members: &mut [ProbeClient], counts: &mut [[u32; 2]]) {
    for (i, c) in members.iter_mut().enumerate() {
        for m in c.take_inbox() {
            if let Some(k) = std::str::from_utf8(&m.payload)
                .ok()
                .and_then(|t| t.strip_prefix("s-"))
                .and_then(|k| k.parse::<usize>().ok())
                .filter(|k| *k < counts.len())
            {
                counts[k][i] += 1;
            }
        }
    }
}

/// Each message to exactly one member of the group.
fn shares_verdict(counts: &[[u32; 2]], v5: bool, ev: &Evidence) -> Finding {
    let n = counts.len();
    let per: [u32; 2] = [counts.iter().map(|c| c[0]).sum(), counts.iter().map(|c| c[1]).sum()];
    ev.note(format!("member1 ← {} messages, member2 ← {}", per[0], per[1]));
    let twice = counts.iter().filter(|c| c[0] + c[1] > 1).count();
    let lost = counts.iter().filter(|c| c[0] + c[1] == 0).count();
    if twice > 0 {
        Finding::fail(format!(
            "{twice} of {n} messages went to more than one member ({} and {})",
            per[0], per[1]
        ))
    } else if lost == n && !v5 {
        // Shared subscriptions are MQTT 5's; a 3.1.1 broker may take the
        // filter for a plain one that matches nothing.
        Finding::unsupported(format!(
            "no member got any of {n} messages: '$share/...' was taken as a plain filter (shared subscriptions are MQTT 5's)"
        ))
    } else if lost > 0 {
        Finding::fail(format!("{lost} of {n} messages reached no member"))
    } else {
        Finding::pass(format!("{n} messages split {} / {}, none twice", per[0], per[1]))
    }
}
