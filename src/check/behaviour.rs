//! The behaviour probes' table: which probe finds which items, how long it
//! waits on purpose on top of `--probe-timeout`, what it builds on, and
//! whether it needs MQTT 5 (its items' registry entry says). The probes run
//! in the table's order; the report lists items in the registry's.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::Checking;
use super::probe::{Ctx, Evidence, Finding};
use super::probes::{self, Found};
use super::report::{ItemResult, Res};
use crate::settings::check::CheckItem;

/// The results found so far, for a probe that reads an earlier one.
pub struct Earlier<'a>(pub &'a [ItemResult]);

impl Earlier<'_> {
    pub fn result(&self, item: CheckItem) -> Option<Res> {
        self.0.iter().find(|i| i.item == item).map(|i| i.result)
    }
}

type Running<'a> = Pin<Box<dyn Future<Output = Found> + 'a>>;

/// An earlier item a probe builds on: when it did not pass, the probe's
/// items are not tried.
pub struct After {
    pub item: CheckItem,
    /// What the items say when the earlier one is unsupported.
    pub unsupported: &'static str,
    /// ... and when it failed or was skipped.
    pub skipped: &'static str,
}

/// One behaviour probe.
pub struct Probe {
    pub items: &'static [CheckItem],
    /// Waited by design (an expiry, a will delay) on top of the time limit.
    pub wait: Duration,
    pub after: Option<After>,
    pub run: for<'a> fn(&'a Ctx, &'a Evidence, &'a Earlier<'a>) -> Running<'a>,
}

impl Probe {
    /// Only MQTT 5 has what it probes.
    pub fn needs_v5(&self) -> bool {
        self.items.iter().all(|i| i.needs_v5())
    }
}

/// A probe of one item: `$probe(ctx, evidence)` gives its outcome.
macro_rules! one {
    ($item:ident, $probe:expr) => {
        Probe {
            items: &[CheckItem::$item],
            wait: Duration::ZERO,
            after: None,
            run: |c, e, _| Box::pin(async move { vec![(CheckItem::$item, ($probe)(c, e).await)] }),
        }
    };
}

/// Every behaviour probe, in the order they run.
pub const PROBES: &[Probe] = &[
    one!(Qos0, |c, e| probes::round_trip(c, e, 0)),
    one!(Qos1, |c, e| probes::round_trip(c, e, 1)),
    one!(Qos2, |c, e| probes::round_trip(c, e, 2)),
    Probe {
        items: &[CheckItem::Qos2ExactlyOnce],
        wait: Duration::ZERO,
        after: None,
        run: |c, e, r| {
            let qos2 = r.result(CheckItem::Qos2);
            Box::pin(async move { vec![(CheckItem::Qos2ExactlyOnce, probes::exactly_once(c, e, qos2).await)] })
        },
    },
    one!(Retain, probes::retain),
    Probe {
        items: &[CheckItem::WildcardPlus, CheckItem::WildcardHash],
        wait: Duration::ZERO,
        after: None,
        run: |c, e, _| Box::pin(probes::wildcards(c, e)),
    },
    one!(DollarTopics, probes::dollar_topics),
    one!(SharedSubscriptions, probes::shared),
    Probe {
        items: &probes::SESSION_ITEMS,
        wait: probes::EXPIRY_WAIT,
        after: None,
        run: |c, e, r| {
            let qos2 = r.result(CheckItem::Qos2) == Some(Res::Pass);
            Box::pin(probes::persistent_session(c, e, qos2))
        },
    },
    one!(Will, |c, e| probes::will(c, e, false)),
    Probe {
        items: &[CheckItem::WillDelay],
        wait: probes::WILL_DELAY_WAIT,
        after: None,
        run: |c, e, _| Box::pin(async move { vec![(CheckItem::WillDelay, probes::will(c, e, true).await)] }),
    },
    one!(NoLocal, probes::no_local),
    Probe {
        after: Some(RETAINED),
        ..one!(RetainAsPublished, probes::retain_as_published)
    },
    Probe {
        after: Some(RETAINED),
        ..one!(RetainHandling, probes::retain_handling)
    },
    one!(TopicAlias, probes::topic_alias),
    one!(SubscriptionIdentifiers, probes::subscription_identifiers),
    one!(PropertiesRelayed, probes::properties_relayed),
    one!(Qos1Order, probes::qos1_order),
    one!(MaxPayload, probes::max_payload),
    one!(MaxTopicLength, probes::max_topic_length),
    one!(MaxClientIdLength, probes::max_client_id_length),
    Probe {
        items: &[CheckItem::SysTopics, CheckItem::BrokerVersion],
        wait: Duration::ZERO,
        after: None,
        run: |c, e, _| Box::pin(probes::sys_topics(c, e)),
    },
];

/// The MQTT 5 retain options build on retained messages working.
const RETAINED: After = After {
    item: CheckItem::Retain,
    unsupported: "no retained messages (see retain)",
    skipped: "retained messages did not pass (see retain)",
};

/// Run every behaviour probe (`speaks_v5`: the broker accepted MQTT 5,
/// whatever the probes speak).
pub async fn run_all(run: &mut Checking<'_>, speaks_v5: bool) {
    let v5 = run.ctx.v5();
    let not_v5 = if speaks_v5 {
        Finding::skipped(format!("MQTT 5 only; -V {} given", run.ctx.version().number()))
    } else {
        Finding::unsupported("MQTT 5 only: the broker does not speak it")
    };
    for p in PROBES {
        if p.needs_v5() && !v5 {
            run.skip(p.items, &not_v5);
            continue;
        }
        if let Some(after) = &p.after {
            match run.result(after.item) {
                Some(Res::Pass) => {}
                Some(Res::Unsupported) => {
                    run.skip(p.items, &Finding::unsupported(after.unsupported));
                    continue;
                }
                _ => {
                    run.skip(p.items, &Finding::skipped(after.skipped));
                    continue;
                }
            }
        }
        run.probe(p).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::check::Group;

    #[test]
    fn each_behaviour_item_is_found_by_exactly_one_probe() {
        let mut found: Vec<CheckItem> = PROBES.iter().flat_map(|p| p.items.iter().copied()).collect();
        found.sort();
        let want: Vec<CheckItem> = CheckItem::of(Group::Behaviour).collect();
        assert_eq!(found, want);
        // A probe's items all need MQTT 5, or none does.
        for p in PROBES {
            assert!(p.items.iter().all(|i| i.needs_v5() == p.needs_v5()), "{:?}", p.items);
        }
    }
}
