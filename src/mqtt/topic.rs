//! Topics and filters: MQTT's UTF-8 rules (as mosquitto_validate_utf8), the
//! publish-topic rules (no wildcards, at most 65535 bytes), filter syntax,
//! matching, and shared subscriptions.

/// Why a topic was refused, in mosquitto's words where it has them.
pub fn validate_publish_topic(topic: &str, label: &str) -> Result<(), String> {
    if !valid_utf8_for_mqtt(topic) {
        return Err(format!("Malformed UTF-8 in {label} argument."));
    }
    if topic.is_empty() {
        return Err(format!("Invalid {label} '': a topic must not be empty."));
    }
    if topic.len() > 65535 || topic.contains(['+', '#']) {
        return Err(format!("Invalid {label} '{topic}', does it contain '+' or '#'?"));
    }
    Ok(())
}

/// Why a subscription filter was refused (`label`: "subscription topic",
/// "filter topic", "unsubscribe topic").
pub fn validate_filter(filter: &str, label: &str) -> Result<(), String> {
    if !valid_utf8_for_mqtt(filter) {
        return Err(format!("Malformed UTF-8 in {label} argument."));
    }
    let bad = || format!("Invalid {label} '{filter}', are all '+' and '#' wildcards correct?");
    if filter.is_empty() || filter.len() > 65535 {
        return Err(bad());
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        let multi = level.contains('#');
        let single = level.contains('+');
        if (multi && (*level != "#" || i + 1 != levels.len())) || (single && *level != "+") {
            return Err(bad());
        }
    }
    Ok(())
}

/// Does `topic` match the subscription `filter`? (`$` topics are not matched
/// by a leading wildcard.)
pub fn topic_matches(filter: &str, topic: &[u8]) -> bool {
    if topic.first() == Some(&b'$') && matches!(filter.as_bytes().first(), Some(b'+' | b'#')) {
        return false;
    }
    let mut t = topic.split(|&b| b == b'/');
    for f in filter.split('/') {
        match f {
            "#" => return true,
            "+" => {
                if t.next().is_none() {
                    return false;
                }
            }
            lit => {
                if t.next() != Some(lit.as_bytes()) {
                    return false;
                }
            }
        }
    }
    t.next().is_none()
}

/// `$share/GROUP/FILTER` → `FILTER`; a plain filter as it is; `None` for a
/// malformed shared subscription.
pub fn strip_share(filter: &str) -> Option<&str> {
    match filter.strip_prefix("$share/") {
        None => Some(filter),
        Some(rest) => {
            let (group, f) = rest.split_once('/')?;
            (!group.is_empty() && !group.contains(['+', '#']) && !f.is_empty()).then_some(f)
        }
    }
}

/// MQTT forbids NUL, C0/C1 controls and non-characters in strings.
fn valid_utf8_for_mqtt(s: &str) -> bool {
    s.chars().all(|c| {
        let u = c as u32;
        !(u == 0
            || (0x01..=0x1f).contains(&u)
            || (0x7f..=0x9f).contains(&u)
            || (0xfdd0..=0xfdef).contains(&u)
            || (u & 0xfffe) == 0xfffe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_matching() {
        for ok in ["#", "a/#", "+", "a/+/b", "+/+", "$share/g/a/#", "/"] {
            assert!(validate_filter(ok, "subscription topic").is_ok(), "{ok}");
        }
        for bad in ["", "a#", "a/#/b", "a+", "a/b+/c", "#/"] {
            assert!(validate_filter(bad, "subscription topic").is_err(), "{bad}");
        }
        assert!(topic_matches("a/#", b"a/b/c") && topic_matches("a/#", b"a"));
        assert!(topic_matches("a/+/c", b"a/b/c") && !topic_matches("a/+", b"a/b/c"));
        assert!(topic_matches("#", b"x") && !topic_matches("#", b"$SYS/x"));
        assert!(topic_matches("$SYS/#", b"$SYS/x"));
        assert!(!topic_matches("a/b", b"a/b/c") && topic_matches("+/+", b"/x"));
    }

    #[test]
    fn wildcards_and_controls_are_refused() {
        assert!(validate_publish_topic("a/b", "publish topic").is_ok());
        assert_eq!(
            validate_publish_topic("a/#", "publish topic").unwrap_err(),
            "Invalid publish topic 'a/#', does it contain '+' or '#'?"
        );
        assert!(validate_publish_topic("a+", "publish topic").is_err());
        assert!(validate_publish_topic("", "publish topic").is_err());
        assert!(validate_publish_topic("a\u{1}", "publish topic").is_err());
        assert!(validate_publish_topic("ünï/cødé", "publish topic").is_ok());
    }
    #[test]
    fn shared_subscriptions_are_split() {
        assert_eq!(strip_share("$share/g/a/+"), Some("a/+"));
        assert_eq!(strip_share("a/#"), Some("a/#"));
        assert_eq!(strip_share("$share/g"), None);
        assert_eq!(strip_share("$share//a"), None);
    }
}
