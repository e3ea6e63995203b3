//! The `-F` language: `%` conversions with a flag (`-` or `0`), a width, a
//! precision and (for `%x`/`%X`) a group separator; `@` strftime codes and
//! `@N`; `\` escapes. Validation errors are mosquitto's.

use super::json::{self, J};
use super::lines::message_json;
use super::time::Stamp;
use crate::mqtt::Message;

/// The characters mosquitto 2.1 accepts as a hex group separator.
const HEX_SEPARATORS: &[u8] = b"!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~ ";
const CONVERSIONS: &[u8] = b"%ACDEFIjJlmPpqRrStUxXfd";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(Vec<u8>),
    Conv(Spec),
    /// `@c`: strftime of local time.
    Time(char),
    /// `@N`: nanoseconds.
    Nanos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spec {
    conv: u8,
    left: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    separator: Option<u8>,
}

/// A parsed `-F` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    items: Vec<Piece>,
    /// Whether rendering needs the clock.
    timed: bool,
}

impl Format {
    /// Whether it prints JSON (`%j`, `%J`), which lists a message's MQTT 5
    /// properties in the order they came in.
    pub fn prints_json(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, Piece::Conv(s) if matches!(s.conv, b'j' | b'J')))
    }

    /// Parse and validate; the error is mosquitto's message without `Error: `.
    pub fn parse(format: &str) -> Result<Format, String> {
        let b = format.as_bytes();
        let mut items = Vec::new();
        let mut lit = Vec::new();
        let mut i = 0;
        let incomplete = || "Incomplete format specifier.".to_string();
        while i < b.len() {
            match b[i] {
                b'%' => {
                    let (spec, next) = parse_spec(b, i + 1)?;
                    if !lit.is_empty() {
                        items.push(Piece::Literal(std::mem::take(&mut lit)));
                    }
                    items.push(Piece::Conv(spec));
                    i = next;
                }
                b'@' => {
                    let Some(c) = format[i + 1..].chars().next() else {
                        return Err(incomplete());
                    };
                    match c {
                        '@' => lit.push(b'@'),
                        _ => {
                            if !lit.is_empty() {
                                items.push(Piece::Literal(std::mem::take(&mut lit)));
                            }
                            items.push(if c == 'N' { Piece::Nanos } else { Piece::Time(c) });
                        }
                    }
                    i += 1 + c.len_utf8();
                }
                b'\\' => {
                    let Some(&e) = b.get(i + 1) else {
                        return Err("Incomplete escape specifier.".into());
                    };
                    lit.push(match e {
                        b'\\' => b'\\',
                        b'0' => 0,
                        b'a' => 0x07,
                        b'e' => 0x1b,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0b,
                        _ => {
                            let c = format[i + 1..].chars().next().unwrap_or('?');
                            return Err(format!("Invalid escape specifier '{c}'."));
                        }
                    });
                    i += 2;
                }
                c => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        if !lit.is_empty() {
            items.push(Piece::Literal(lit));
        }
        let timed = items.iter().any(|it| {
            matches!(it, Piece::Time(_) | Piece::Nanos)
                || matches!(it, Piece::Conv(s) if matches!(s.conv, b'I' | b'U' | b'j' | b'J'))
        });
        Ok(Format { items, timed })
    }

    /// Append the expansion for `m` (without the trailing newline).
    pub fn render(&self, m: &Message, pretty: bool, out: &mut Vec<u8>) {
        let stamp = self.timed.then(Stamp::now);
        for item in &self.items {
            match item {
                Piece::Literal(l) => out.extend_from_slice(l),
                Piece::Time(c) => out.extend_from_slice(stamp.expect("timed").strftime(*c).as_bytes()),
                Piece::Nanos => out.extend_from_slice(stamp.expect("timed").nanos().as_bytes()),
                Piece::Conv(s) => conversion(s, m, stamp.as_ref(), pretty, out),
            }
        }
    }
}

/// The largest field width or precision a format may ask for.
const MAX_WIDTH: usize = 65535;

fn parse_spec(b: &[u8], mut i: usize) -> Result<(Spec, usize), String> {
    let incomplete = || "Incomplete format specifier.".to_string();
    let mut spec = Spec {
        conv: 0,
        left: false,
        zero: false,
        width: 0,
        precision: None,
        separator: None,
    };
    match b.get(i) {
        Some(b'-') => {
            spec.left = true;
            i += 1;
        }
        Some(b'0') => {
            spec.zero = true;
            i += 1;
        }
        _ => {}
    }
    // A width or precision is a number of bytes to print for every
    // message: refuse the absurd ones (`%2222222204p` asked for 2 GB each).
    let digits = |i: &mut usize| -> Result<Option<usize>, String> {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        if start == *i {
            return Ok(None);
        }
        std::str::from_utf8(&b[start..*i])
            .ok()
            .and_then(|d| d.parse::<usize>().ok())
            .filter(|n| *n <= MAX_WIDTH)
            .map(Some)
            .ok_or_else(|| format!("Field width or precision too large in format (at most {MAX_WIDTH})."))
    };
    spec.width = digits(&mut i)?.unwrap_or(0);
    if b.get(i) == Some(&b'.') {
        i += 1;
        spec.precision = Some(digits(&mut i)?.unwrap_or(0));
        if let (Some(&sep), Some(b'x' | b'X')) = (b.get(i), b.get(i + 1))
            && HEX_SEPARATORS.contains(&sep)
        {
            spec.separator = Some(sep);
            i += 1;
        }
    }
    let Some(&conv) = b.get(i) else {
        return Err(incomplete());
    };
    if !CONVERSIONS.contains(&conv) {
        let c = String::from_utf8_lossy(&b[i..]).chars().next().unwrap_or('?');
        return Err(format!("Invalid format specifier '{c}'."));
    }
    spec.conv = conv;
    Ok((spec, i + 1))
}

fn pad_char(s: &Spec) -> u8 {
    if s.zero && !s.left { b'0' } else { b' ' }
}

/// Pad `body` to the width, on the side the flags say.
fn padded(s: &Spec, body: &[u8], pad: u8, out: &mut Vec<u8>) {
    let fill = s.width.saturating_sub(body.len());
    if s.left {
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(b' ', fill));
    } else {
        out.extend(std::iter::repeat_n(pad, fill));
        out.extend_from_slice(body);
    }
}

/// An integer conversion; absent values print the width in pad characters.
fn int(s: &Spec, v: Option<i64>, out: &mut Vec<u8>) {
    match v {
        Some(v) if s.zero && !s.left => out.extend_from_slice(format!("{v:0w$}", w = s.width).as_bytes()),
        Some(v) => padded(s, v.to_string().as_bytes(), b' ', out),
        None => out.extend(std::iter::repeat_n(pad_char(s), s.width)),
    }
}

/// A string conversion: precision is the most bytes shown, width the least.
fn text(s: &Spec, v: &[u8], out: &mut Vec<u8>) {
    let v = &v[..s.precision.map_or(v.len(), |p| p.min(v.len()))];
    padded(s, v, b' ', out);
}

fn conversion(s: &Spec, m: &Message, stamp: Option<&Stamp>, pretty: bool, out: &mut Vec<u8>) {
    let props = m.props.as_deref();
    match s.conv {
        b'%' => out.push(b'%'),
        b'A' => int(s, props.and_then(|p| p.topic_alias).map(i64::from), out),
        b'C' => match props.and_then(|p| p.content_type.as_deref()) {
            Some(c) => text(s, c.as_bytes(), out),
            None => out.extend(std::iter::repeat_n(b' ', s.width)),
        },
        b'D' => {
            if let Some(d) = props.and_then(|p| p.correlation_data.as_deref()) {
                out.extend_from_slice(d);
            }
        }
        b'E' => int(s, props.and_then(|p| p.message_expiry_interval).map(i64::from), out),
        b'F' => int(s, props.and_then(|p| p.payload_format_indicator).map(i64::from), out),
        b'I' => text(s, stamp.expect("timed").iso().as_bytes(), out),
        b'j' | b'J' => json_conversion(s.conv == b'J', m, stamp, pretty, out),
        b'l' => int(s, Some(m.payload.len() as i64), out),
        b'm' => int(s, Some(i64::from(m.pkid)), out),
        b'P' => user_properties(props, out),
        b'p' => payload_field(s, &m.payload, None, out),
        b'q' => out.push(b'0' + m.qos as u8),
        b'R' => {
            if let Some(r) = props.and_then(|p| p.response_topic.as_deref()) {
                text(s, r.as_bytes(), out);
            }
        }
        b'r' => out.push(if m.retain { b'1' } else { b'0' }),
        b'S' => int(
            s,
            props
                .and_then(|p| p.subscription_identifiers.first())
                .map(|&i| i as i64),
            out,
        ),
        b't' => text(s, &m.topic, out),
        b'U' => out.extend_from_slice(stamp.expect("timed").epoch().as_bytes()),
        b'x' | b'X' => payload_field(s, &m.payload, Some(s.conv == b'X'), out),
        b'f' | b'd' => float(s, &m.payload, s.conv == b'd', out),
        _ => unreachable!("validated conversion"),
    }
}

/// `%j` and `%J` (the payload parsed as JSON; an error line when it is not;
/// `null` when it is empty, for both).
fn json_conversion(parse: bool, m: &Message, stamp: Option<&Stamp>, pretty: bool, out: &mut Vec<u8>) {
    let parsed;
    let payload = if parse && !m.payload.is_empty() {
        match serde_json::from_slice::<serde_json::Value>(&m.payload) {
            Ok(v) => {
                parsed = v;
                J::Value(&parsed)
            }
            Err(_) => {
                crate::exit::eprint_line(format_args!(
                    "Error: Message payload is not valid JSON on topic {}.",
                    m.topic_str()
                ));
                return;
            }
        }
    } else if m.payload.is_empty() {
        J::Null
    } else {
        let end = m.payload.iter().position(|&b| b == 0).unwrap_or(m.payload.len());
        J::Str(std::borrow::Cow::Borrowed(&m.payload[..end]))
    };
    json::print(&message_json(m, stamp.expect("timed"), payload), pretty, out);
}

/// `%P`: `key:value` pairs, space-separated, in order.
fn user_properties(props: Option<&crate::mqtt::PublishProps>, out: &mut Vec<u8>) {
    for (i, (k, v)) in props.iter().flat_map(|p| p.user_properties.iter()).enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(k.as_bytes());
        out.push(b':');
        out.extend_from_slice(v.as_bytes());
    }
}

/// `%p`, `%x` and `%X` as mosquitto 2.1 writes them: at most `width` bytes
/// of the payload; the padding is `width` less the characters of those bytes
/// (their count, or twice it in hex), before them, or after them with `-`,
/// where C's `printf("%*s", n, "")` pads by the size of `n` even when it is
/// negative (so a hex field wider than its width still gets spaces after).
/// In hex a separator follows every `precision`th character, padding
/// included. `upper`: `None` for the raw payload.
fn payload_field(s: &Spec, payload: &[u8], upper: Option<bool>, out: &mut Vec<u8>) {
    let bytes = if s.width > 0 {
        &payload[..s.width.min(payload.len())]
    } else {
        payload
    };
    let chars = bytes.len() * if upper.is_some() { 2 } else { 1 };
    let pad = s.width as i64 - if s.width > 0 { chars } else { bytes.len() } as i64;
    let group = s.precision.filter(|g| *g > 0);
    let separator = s.separator.unwrap_or(b' ');
    let mut xpos = 0usize;
    let sep_after = |xpos: usize, out: &mut Vec<u8>| {
        if let Some(g) = group
            && upper.is_some()
            && xpos % g == g - 1
        {
            out.push(separator);
        }
    };
    if !s.left {
        for _ in 0..pad.max(0) {
            out.push(pad_char(s));
            sep_after(xpos, out);
            xpos += 1;
        }
    }
    match upper {
        None => out.extend_from_slice(bytes),
        Some(upper) => {
            let digits: &[u8; 16] = if upper {
                b"0123456789ABCDEF"
            } else {
                b"0123456789abcdef"
            };
            for (i, b) in bytes.iter().enumerate() {
                out.push(digits[usize::from(b >> 4)]);
                sep_after(xpos, out);
                xpos += 1;
                out.push(digits[usize::from(b & 0xf)]);
                if i + 1 < bytes.len() {
                    sep_after(xpos, out);
                    xpos += 1;
                }
            }
        }
    }
    if s.left {
        out.extend(std::iter::repeat_n(b' ', pad.unsigned_abs() as usize));
    }
}

/// `%f`/`%d` (2.1): the payload as a native-endian float/double, printed as
/// C's `%f` (six decimals unless a precision is given).
fn float(s: &Spec, payload: &[u8], double: bool, out: &mut Vec<u8>) {
    let value = match (double, payload.len()) {
        (false, 4) => f64::from(f32::from_ne_bytes(payload.try_into().expect("4 bytes"))),
        (true, 8) => f64::from_ne_bytes(payload.try_into().expect("8 bytes")),
        _ => {
            use std::io::Write;
            let what: &[u8] = if double {
                b"requested double printing, but non-double data received"
            } else {
                b"requested float printing, but non-float data received"
            };
            let _ = std::io::stderr().write_all(what);
            return;
        }
    };
    let p = s.precision.unwrap_or(6);
    let body = if value.is_finite() {
        if s.zero && !s.left {
            format!("{value:0w$.p$}", w = s.width)
        } else {
            format!("{value:.p$}")
        }
    } else {
        // glibc's words, never zero-padded.
        let sign = if value.is_sign_negative() { "-" } else { "" };
        format!("{sign}{}", if value.is_nan() { "nan" } else { "inf" })
    };
    padded(s, body.as_bytes(), b' ', out);
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::Format;
    use crate::mqtt::QoS;
    use crate::mqtt::{Message, PublishProps};

    /// Reference §2.3's message: topic fmt/test, payload "message", QoS 1, mid 1.
    fn message(v5: bool) -> Message {
        let props = PublishProps {
            payload_format_indicator: Some(1),
            message_expiry_interval: Some(3600),
            content_type: Some("plain/text".into()),
            response_topic: Some("/dev/null".into()),
            correlation_data: Some(Bytes::from_static(b"corr123")),
            user_properties: vec![("name1".into(), "value1".into()), ("name2".into(), "value2".into())],
            subscription_identifiers: vec![56],
            topic_alias: None,
        };
        Message {
            topic: Bytes::from_static(b"fmt/test"),
            payload: Bytes::from_static(b"message"),
            qos: QoS::AtLeastOnce,
            retain: false,
            dup: false,
            pkid: 1,
            props: v5.then(|| Box::new(props)),
            props_order: Vec::new(),
        }
    }

    fn render(fmt: &str, m: &Message) -> Vec<u8> {
        let mut out = Vec::new();
        Format::parse(fmt)
            .unwrap_or_else(|e| panic!("{fmt}: {e}"))
            .render(m, false, &mut out);
        out
    }

    #[test]
    fn every_row_of_the_reference_table() {
        let v3 = message(false);
        let v5 = message(true);
        let rows: &[(&str, &Message, &[u8])] = &[
            ("%%", &v3, b"%"),
            ("%A", &v3, b""),
            ("%C", &v3, b""),
            ("%2C", &v3, b"  "),
            ("%D", &v3, b""),
            ("%l", &v3, b"7"),
            ("%02l", &v3, b"07"),
            ("%2l", &v3, b" 7"),
            ("%-2l", &v3, b"7 "),
            ("%010l", &v3, b"0000000007"),
            ("%-010l", &v3, b"7         "),
            ("%m", &v3, b"1"),
            ("%p", &v3, b"message"),
            ("%-12p", &v3, b"message     "),
            ("%12p", &v3, b"     message"),
            ("%3.1p", &v3, b"mes"),
            ("%.3p", &v3, b"message"),
            ("%q", &v3, b"1"),
            ("%5q", &v3, b"1"),
            ("%r", &v3, b"0"),
            ("%t", &v3, b"fmt/test"),
            ("%20t", &v3, b"            fmt/test"),
            ("%-20t", &v3, b"fmt/test            "),
            ("%10.10t", &v3, b"  fmt/test"),
            ("%5.2t", &v3, b"   fm"),
            ("%05t", &v3, b"fmt/test"),
            ("%x", &v3, b"6d657373616765"),
            ("%X", &v3, b"6D657373616765"),
            // mosquitto 2.1's %x: width bounds the bytes, precision groups nibbles.
            ("%.2x", &v3, b"6d 65 73 73 61 67 65"),
            ("%.2:x", &v3, b"6d:65:73:73:61:67:65"),
            ("%.4-X", &v3, b"6D65-7373-6167-65"),
            ("%18x", &v3, b"    6d657373616765"),
            ("%-18x", &v3, b"6d657373616765    "),
            ("%4x", &v3, b"6d657373"),
            ("\\\\", &v3, b"\\"),
            ("\\a", &v3, b"\x07"),
            ("\\e", &v3, b"\x1b"),
            ("\\0", &v3, b"\x00"),
            ("\\n", &v3, b"\n"),
            ("\\r", &v3, b"\r"),
            ("\\t", &v3, b"\t"),
            ("\\v", &v3, b"\x0b"),
            ("@@", &v3, b"@"),
            ("%C", &v5, b"plain/text"),
            ("%2C", &v5, b"plain/text"),
            ("%12C|", &v5, b"  plain/text|"),
            ("%.5C|", &v5, b"plain|"),
            ("%D", &v5, b"corr123"),
            ("%E", &v5, b"3600"),
            ("%5E", &v5, b" 3600"),
            ("%F", &v5, b"1"),
            ("%-5F|", &v5, b"1    |"),
            ("%P", &v5, b"name1:value1 name2:value2"),
            ("%R", &v5, b"/dev/null"),
            ("%S", &v5, b"56"),
            ("%05S", &v5, b"00056"),
            ("%A|%3A|%03A|%R|", &v3, b"|   |000||"),
        ];
        for (fmt, m, want) in rows {
            assert_eq!(
                render(fmt, m),
                *want,
                "{fmt}: got {:?}",
                String::from_utf8_lossy(&render(fmt, m))
            );
        }
    }

    #[test]
    fn hex_fields_as_mosquitto_2_1_2_prints_them() {
        // Outputs of mosquitto_sub 2.1.2 for the same payloads.
        let mut m = message(false);
        let cases: &[(&[u8], &str, &[u8])] = &[
            (b"kept", "%-10x|", b"6b657074  |"),
            (b"hello world", "%-10x|", b"68656c6c6f20776f726c          |"),
            (b"", "%-10x|", b"          |"),
            (b"hello world", "%10x|", b"68656c6c6f20776f726c|"),
            (b"kept", "%010x|", b"006b657074|"),
            (b"kept", "%12.6X|", b"    6B 657074|"),
            (b"\xff\xfe\x00\x01a", "%12.6X|", b"  FFFE 000161|"),
            (b"kept", "%-12.6X|", b"6B6570 74    |"),
            (b"hello world", "%-12.6X|", b"68656C 6C6F20 776F72 6C64          |"),
            (b"", "%12.6X|", b"              |"),
            (b"\x00\x00\x00\x00\x00\x00\xf0?", "%12.6X|", b"000000 000000 F03F|"),
        ];
        for (payload, fmt, want) in cases {
            m.payload = Bytes::copy_from_slice(payload);
            assert_eq!(
                render(fmt, &m),
                *want,
                "{fmt} of {payload:?}: got {:?}",
                String::from_utf8_lossy(&render(fmt, &m))
            );
        }
    }

    #[test]
    fn floats_and_doubles() {
        let mut m = message(false);
        m.payload = Bytes::copy_from_slice(&1.5f32.to_ne_bytes());
        assert_eq!(
            render("%f|%.2f|%8.3f|%-8.1f|%08.2f|%.0f", &m),
            b"1.500000|1.50|   1.500|1.5     |00001.50|2"
        );
        m.payload = Bytes::copy_from_slice(&(-2.25f64).to_ne_bytes());
        assert_eq!(render("%.2d", &m), b"-2.25");
        m.payload = Bytes::from_static(b"abc");
        assert_eq!(render("[%f]", &m), b"[]");
    }

    #[test]
    fn time_codes_have_their_shapes() {
        let m = message(false);
        let u = String::from_utf8(render("%U", &m)).unwrap();
        let (secs, nanos) = u.split_once('.').unwrap();
        assert!(secs.parse::<u64>().unwrap() > 1_700_000_000 && nanos.len() == 9, "{u}");
        assert_eq!(render("@N", &m).len(), 9);
        assert_eq!(render("@Q", &m), b"%Q");
        let iso = String::from_utf8(render("%I", &m)).unwrap();
        assert_eq!(iso.len(), 24, "{iso}");
        assert_eq!(render("%.10I", &m).len(), 10);
        assert_eq!(render("@Y", &m).len(), 4);
    }

    #[test]
    fn validation_errors_are_mosquittos() {
        let cases = [
            ("%", "Incomplete format specifier."),
            ("%0", "Incomplete format specifier."),
            ("%-", "Incomplete format specifier."),
            ("%1", "Incomplete format specifier."),
            ("%.", "Incomplete format specifier."),
            ("%.1", "Incomplete format specifier."),
            ("%5", "Incomplete format specifier."),
            ("abc@", "Incomplete format specifier."),
            ("%Z", "Invalid format specifier 'Z'."),
            ("%0-5l", "Invalid format specifier '-'."),
            ("\\", "Incomplete escape specifier."),
            ("\\q", "Invalid escape specifier 'q'."),
            // Found by fuzzing: a 2 GB padding for every message.
            (
                "%2222222204p",
                "Field width or precision too large in format (at most 65535).",
            ),
            (
                "%.99999999999999999999999f",
                "Field width or precision too large in format (at most 65535).",
            ),
        ];
        for (fmt, want) in cases {
            assert_eq!(Format::parse(fmt).unwrap_err(), want, "{fmt}");
        }
    }
}
