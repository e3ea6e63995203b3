//! What a report must say besides its numbers: warnings (loss, duplicates,
//! unacknowledged publishes, disconnects are never only a number) and why
//! the run itself failed, if it did (exit 3).

use crate::bench::report::Report;
use crate::settings::ScenarioKind;

/// Loss, duplicates and unacknowledged publishes are never only a number.
pub fn delivery_warnings(r: &Report) -> Vec<String> {
    let (p, d, c) = (&r.publish, &r.delivery, &r.connections);
    let mut w = Vec::new();
    if d.lost > 0 {
        w.push(format!("{} of {} expected messages were lost", d.lost, d.expected));
    }
    if d.duplicated > 0 {
        let qos2 = if p.qos == 2 || r.config.qos == 2 {
            " (at QoS 2: exactly once was broken)"
        } else {
            ""
        };
        w.push(format!("{} messages arrived more than once{qos2}", d.duplicated));
    }
    if p.qos > 0 && p.acked < p.published {
        w.push(format!(
            "{} of {} publishes were never acknowledged",
            p.published - p.acked,
            p.published
        ));
    }
    let dropped: u64 = c.disconnects.values().sum();
    if dropped > 0 {
        w.push(format!("{dropped} unexpected disconnects, {} reconnects", c.reconnects));
    }
    if c.still_down > 0 {
        w.push(format!(
            "{} connections were lost and not back when the run ended",
            c.still_down
        ));
    }
    w
}

/// Why the run itself failed (exit 3), if it did: a client could not
/// connect or subscribe, or nothing was published or delivered.
pub fn run_error(r: &Report) -> Option<String> {
    let c = &r.connections;
    if c.attempted > 0 && c.succeeded == 0 {
        let why = c.errors.keys().next().cloned().unwrap_or_default();
        return Some(format!("no client could connect ({why})"));
    }
    if c.failed > 0 {
        return Some(format!("{} of {} clients could not connect", c.failed, c.attempted));
    }
    if !c.suback_errors.is_empty() {
        let n: u64 = c.suback_errors.values().sum();
        return Some(format!("{n} subscriptions failed"));
    }
    let p = &r.publish;
    let d = &r.delivery;
    match r.scenario {
        ScenarioKind::Pub | ScenarioKind::Pubsub if p.published == 0 => Some("nothing was published".into()),
        ScenarioKind::Pub if p.qos > 0 && p.acked == 0 => Some("no publish was acknowledged".into()),
        ScenarioKind::Sub if d.received == 0 => Some("nothing was received".into()),
        ScenarioKind::Pubsub if d.unique == 0 => Some("nothing was delivered to the subscribers".into()),
        _ => None,
    }
}
