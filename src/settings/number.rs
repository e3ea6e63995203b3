//! Strict number parsing (mosquitto uses `atoi`, so `-q abc` is QoS 0 there;
//! here it is an error) and durations such as `30s`, `2m`, `500ms`.

use std::time::Duration;

/// A decimal integer, nothing else: no sign games, no trailing junk.
pub fn parse_int<T: std::str::FromStr>(text: &str) -> Option<T> {
    let t = text.trim();
    if t.is_empty() || t.starts_with('+') {
        return None;
    }
    t.parse().ok()
}

/// C `strtol(text, NULL, 0)` with a full-string check: decimal, `0x` hex or
/// leading-`0` octal, optionally negative.
pub fn parse_c_long(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let value = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse().ok()?
    };
    Some(if neg { -value } else { value })
}

/// What C's `atoi` makes of `text` (leading blanks, a sign, the digits that
/// follow; 0 for none): how mosquitto shows a number it refused, so its
/// sentences can be repeated word for word (`Invalid message count "0".`).
pub fn c_atoi(text: &str) -> i64 {
    let t = text.trim_start();
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let digits = body.bytes().take_while(u8::is_ascii_digit).take(18);
    sign * digits.fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
}

/// `text` as mosquitto would show it in an error: itself, or under a
/// mosquitto name what `atoi` read from it.
pub fn shown(text: &str, mosquitto_wording: bool) -> String {
    if mosquitto_wording {
        c_atoi(text).to_string()
    } else {
        text.to_string()
    }
}

/// A finite, non-negative decimal number such as `0.5` (seconds, a rate, a
/// percentage: the caller says which).
pub fn parse_decimal(text: &str) -> Option<f64> {
    let v: f64 = text.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// A duration: a number with an optional unit `ms`, `s` (default), `m` or `h`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let v = parse_decimal(num)?;
    Some(Duration::from_secs_f64(v * scale))
}

/// A size in bytes: a whole number with an optional unit `B`, `KiB`/`K`/`KB`,
/// `MiB`/`M`/`MB` or `GiB`/`G`/`GB` (all powers of 1024, as a payload limit
/// is usually meant).
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    };
    parse_int::<usize>(num)?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_reads_as_c_does() {
        assert_eq!(c_atoi("abc"), 0);
        assert_eq!(c_atoi("  -12x"), -12);
        assert_eq!(c_atoi("+7"), 7);
        assert_eq!(c_atoi(""), 0);
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("16MiB"), Some(16 << 20));
        assert_eq!(parse_size("64k"), Some(64 << 10));
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("2 MB"), Some(2 << 20));
        for bad in ["", "MiB", "-1", "1.5M", "3 parsecs", "99999999999999999999G"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_int::<u8>("2"), Some(2));
        assert_eq!(parse_int::<u8>("abc"), None);
        assert_eq!(parse_int::<u8>("1x"), None);
        assert_eq!(parse_int::<u16>("70000"), None);
        assert_eq!(parse_int::<u32>("+5"), None);
    }

    #[test]
    fn c_long_bases() {
        assert_eq!(parse_c_long("0x10"), Some(16));
        assert_eq!(parse_c_long("010"), Some(8));
        assert_eq!(parse_c_long("-1"), Some(-1));
        assert_eq!(parse_c_long("12a"), None);
        assert_eq!(parse_c_long(""), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("soon"), None);
    }
}
