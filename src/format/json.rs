//! JSON as mosquitto prints it with cJSON (`%j`, `%J`, `--pretty`): compact
//! without spaces, or TAB-indented with `"key":\tvalue`; strings escaped as
//! cJSON does (`\"` `\\` `\b` `\f` `\n` `\r` `\t`, other controls `\u00xx`,
//! bytes ≥ 0x80 copied raw); numbers as integers when they are whole and fit
//! an `int`, else `%1.15g` (or `%1.17g` when that does not round-trip).

use std::borrow::Cow;

/// A JSON value whose strings are raw bytes, as mosquitto's are.
#[derive(Debug, Clone)]
pub enum J<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Str(Cow<'a, [u8]>),
    Obj(Vec<(&'a str, J<'a>)>),
    Arr(Vec<J<'a>>),
    /// A parsed JSON document (the payload of `%J`).
    Value(&'a serde_json::Value),
}

/// Print `v` as cJSON would (`cJSON_PrintUnformatted`, or `cJSON_Print` when `pretty`).
pub fn print(v: &J<'_>, pretty: bool, out: &mut Vec<u8>) {
    write(v, pretty, 0, out);
}

fn write(v: &J<'_>, pretty: bool, depth: usize, out: &mut Vec<u8>) {
    match v {
        J::Null => out.extend_from_slice(b"null"),
        J::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        J::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        J::Str(s) => string(s, out),
        J::Obj(fields) => object(
            fields.iter().map(|(k, v)| (k.as_bytes(), Node::J(v))),
            pretty,
            depth,
            out,
        ),
        J::Arr(items) => array(items.iter().map(Node::J), pretty, depth, out),
        J::Value(v) => value(v, pretty, depth, out),
    }
}

enum Node<'x, 'a> {
    J(&'x J<'a>),
    V(&'x serde_json::Value),
}

fn item(i: Node<'_, '_>, pretty: bool, depth: usize, out: &mut Vec<u8>) {
    match i {
        Node::J(j) => write(j, pretty, depth, out),
        Node::V(v) => value(v, pretty, depth, out),
    }
}

fn object<'x, 'a: 'x>(
    fields: impl ExactSizeIterator<Item = (&'x [u8], Node<'x, 'a>)>,
    pretty: bool,
    depth: usize,
    out: &mut Vec<u8>,
) {
    let n = fields.len();
    out.push(b'{');
    if pretty {
        out.push(b'\n');
    }
    for (i, (k, v)) in fields.enumerate() {
        if pretty {
            out.extend(std::iter::repeat_n(b'\t', depth + 1));
        }
        string(k, out);
        out.push(b':');
        if pretty {
            out.push(b'\t');
        }
        item(v, pretty, depth + 1, out);
        if i + 1 < n {
            out.push(b',');
        }
        if pretty {
            out.push(b'\n');
        }
    }
    if pretty {
        out.extend(std::iter::repeat_n(b'\t', depth));
    }
    out.push(b'}');
}

fn array<'x, 'a: 'x>(
    items: impl ExactSizeIterator<Item = Node<'x, 'a>>,
    pretty: bool,
    depth: usize,
    out: &mut Vec<u8>,
) {
    let n = items.len();
    out.push(b'[');
    for (i, v) in items.enumerate() {
        item(v, pretty, depth + 1, out);
        if i + 1 < n {
            out.push(b',');
            if pretty {
                out.push(b' ');
            }
        }
    }
    out.push(b']');
}

fn value(v: &serde_json::Value, pretty: bool, depth: usize, out: &mut Vec<u8>) {
    use serde_json::Value as V;
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::Number(n) => number(n.as_f64().unwrap_or(f64::NAN), out),
        V::String(s) => string(s.as_bytes(), out),
        V::Array(a) => array(a.iter().map(Node::V), pretty, depth, out),
        V::Object(o) => object(o.iter().map(|(k, v)| (k.as_bytes(), Node::V(v))), pretty, depth, out),
    }
}

/// cJSON's `print_number`.
fn number(d: f64, out: &mut Vec<u8>) {
    if !d.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let int = if d >= f64::from(i32::MAX) {
        i32::MAX
    } else if d <= f64::from(i32::MIN) {
        i32::MIN
    } else {
        d as i32
    };
    if d == f64::from(int) {
        out.extend_from_slice(int.to_string().as_bytes());
        return;
    }
    let short = c_g(d, 15);
    let text = if short.parse::<f64>() == Ok(d) {
        short
    } else {
        c_g(d, 17)
    };
    out.extend_from_slice(text.as_bytes());
}

/// C's `%1.<precision>g`.
fn c_g(d: f64, precision: usize) -> String {
    let sci = format!("{:.*e}", precision - 1, d);
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent");
    if exp < -4 || exp >= precision as i32 {
        let mantissa = trim_zeros(mantissa);
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{d:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A cJSON string literal.
pub fn string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(v: &J<'_>, pretty: bool) -> String {
        let mut out = Vec::new();
        print(v, pretty, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_follow_cjson() {
        let cases = [
            (27.0, "27"),
            (57.0, "57"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (-2.5, "-2.5"),
            (1.0 / 3.0, "0.33333333333333331"),
        ];
        for (d, want) in cases {
            let mut out = Vec::new();
            number(d, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{d}");
        }
    }

    #[test]
    fn escaping_and_layout() {
        let s = J::Str(Cow::Borrowed(b"quote\" backslash\\ nl\n tab\t \x01 \xc3\xa9"));
        assert_eq!(show(&s, false), "\"quote\\\" backslash\\\\ nl\\n tab\\t \\u0001 é\"");
        let o = J::Obj(vec![
            ("a", J::Int(1)),
            ("b", J::Obj(vec![("c", J::Arr(vec![J::Int(1), J::Int(2)]))])),
        ]);
        assert_eq!(show(&o, false), r#"{"a":1,"b":{"c":[1,2]}}"#);
        assert_eq!(
            show(&o, true),
            "{\n\t\"a\":\t1,\n\t\"b\":\t{\n\t\t\"c\":\t[1, 2]\n\t}\n}"
        );
    }

    #[test]
    fn parsed_payloads_are_reprinted() {
        let v: serde_json::Value = serde_json::from_str(r#"{"temperature":27.0,"humidity":57}"#).unwrap();
        assert_eq!(show(&J::Value(&v), false), r#"{"temperature":27,"humidity":57}"#);
    }
}
