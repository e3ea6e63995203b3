//! Topic checks shared by every binary: MQTT's UTF-8 rules
//! (mosquitto_validate_utf8) and the publish-topic rules (no wildcards,
//! at most 65535 bytes).

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
}
