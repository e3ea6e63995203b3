//! One walk over the arguments before clap sees them, the way mosquitto reads
//! argv: one element at a time, a value always being the next element.
//!
//! Under every name it marks where each `-D COMMAND NAME VALUE` (four values
//! for `user-property`) ends, so values may start with `-` and the option
//! after them is still an option. Under a mosquitto name it also reports, in
//! mosquitto's words ([`crate::cli::mosquitto`]), an option that does not
//! exist or that lacks its value, at the first such argument.

use std::ffi::OsString;

use clap::{Arg, Command};

use crate::cli::mosquitto::{self, PROPERTY_END, PROPERTY_SHORT};
use crate::exit::Program;
use crate::usage;

/// The arguments to hand to clap (argv\[0\] first), or the first mistake.
pub fn prepare(cmd: &Command, program: &Program, tokens: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let dialect = program.mosquitto_wording();
    let passwd = program.name == mosquitto::PASSWD;
    let mut out = Vec::with_capacity(tokens.len() + 4);
    let mut it = tokens.into_iter();
    out.extend(it.next());
    // The (sub)command whose options are being read (mqtt-bench has subcommands).
    let mut cmd = cmd;
    // Where -V, -x and -D are in `out`, for mosquitto's "the last one decides".
    let mut versions = Versions::default();
    while let Some(token) = it.next() {
        let Some(text) = token.to_str().filter(|t| t.len() > 1 && t.starts_with('-')) else {
            if let Some(sub) = token.to_str().and_then(|t| cmd.find_subcommand(t)) {
                cmd = sub;
            }
            out.push(token);
            continue;
        };
        if dialect && (text == "--help" || text == "--version") {
            // mosquitto stops reading here; clap prints the text.
            out.push(token);
            out.extend(it);
            break;
        }
        let Some(arg) = find(cmd, text) else {
            if dialect && !passwd {
                return Err(usage!("{}", mosquitto::unknown_option(text)));
            }
            out.push(token);
            continue;
        };
        versions.saw(arg.get_id().as_str(), out.len());
        out.push(token);
        if arg.get_id() == "property" {
            let mut values = Vec::with_capacity(4);
            while values.len() < property_len(&values) {
                match it.next() {
                    Some(v) => values.push(v),
                    None => return Err(usage!("{PROPERTY_SHORT}")),
                }
            }
            let short = values.len() < 4;
            out.extend(values);
            if short {
                // clap would take a fourth value; four is its maximum.
                out.push(PROPERTY_END.into());
            }
        } else if arg.get_action().takes_values() {
            match it.next() {
                Some(v) => out.push(v),
                None if dialect => return Err(missing(program, arg, passwd)),
                None => {}
            }
        }
    }
    if dialect && !passwd {
        versions.as_mosquitto_reads_them(&mut out);
    }
    Ok(out)
}

/// The positions of the options that choose the protocol version. mosquitto
/// sets it as it reads each: `-V` to its version, `-x` and `-D` to MQTT 5, so
/// the last one decides (`-V 311 -x 60` is MQTT 5; `-x 60 -V 311` is 3.1.1,
/// where mosquitto then ignores -x). Under our names an explicit older `-V`
/// with them is an error instead.
#[derive(Default)]
struct Versions {
    /// Index in the output of each `-V` (its value follows).
    v: Vec<usize>,
    /// Index of each `-x` (its value follows).
    x: Vec<usize>,
    /// Index of the last `-x` or `-D`.
    last_v5: Option<usize>,
}

impl Versions {
    fn saw(&mut self, id: &str, at: usize) {
        match id {
            "protocol_version" => self.v.push(at),
            "session_expiry" => {
                self.x.push(at);
                self.last_v5 = Some(at);
            }
            "property" => self.last_v5 = Some(at),
            _ => {}
        }
    }

    /// Drop what mosquitto's order overrides: every `-V` when a `-x`/`-D`
    /// comes after the last one; a `-x` before a final `-V 31`/`-V 311`.
    fn as_mosquitto_reads_them(&self, out: &mut Vec<OsString>) {
        let Some(&last_v) = self.v.last() else {
            return;
        };
        let dropped: Vec<usize> = if self.last_v5.is_some_and(|x| x > last_v) {
            self.v.clone()
        } else if out
            .get(last_v + 1)
            .and_then(|v| v.to_str())
            .is_some_and(|v| !matches!(v, "5" | "mqttv5"))
        {
            self.x.iter().copied().filter(|&x| x < last_v).collect()
        } else {
            return;
        };
        // Each is an option and its value.
        let mut i = 0;
        out.retain(|_| {
            let keep = !dropped.iter().any(|&d| i == d || i == d + 1);
            i += 1;
            keep
        });
    }
}

/// How many values a `-D` takes once `values` have been read: three, or
/// four when the property is `user-property`.
fn property_len(values: &[OsString]) -> usize {
    match values.get(1).and_then(|v| v.to_str()) {
        Some(name) if name.eq_ignore_ascii_case("user-property") => 4,
        _ => 3,
    }
}

/// The option spelled exactly `text` (no bundling, no `=value`).
fn find<'c>(cmd: &'c Command, text: &str) -> Option<&'c Arg> {
    if let Some(long) = text.strip_prefix("--") {
        return cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|al| al.contains(&long)));
    }
    let mut chars = text[1..].chars();
    let (Some(short), None) = (chars.next(), chars.next()) else {
        return None;
    };
    cmd.get_arguments().find(|a| a.get_short() == Some(short))
}

fn missing(program: &Program, arg: &Arg, passwd: bool) -> anyhow::Error {
    let flag = match (arg.get_short(), arg.get_long()) {
        (Some(s), _) => format!("-{s}"),
        (None, Some(l)) => format!("--{l}"),
        (None, None) => String::new(),
    };
    match mosquitto::missing_value(&program.name, &flag) {
        Some(text) if passwd => crate::exit::error(crate::exit::Exit::Error, text),
        Some(text) => usage!("{text}"),
        None => usage!("{flag} argument given but no value specified.\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn walk(name: &str, args: &[&str]) -> Result<Vec<String>, String> {
        let program = Program { name: name.to_string() };
        let tokens = std::iter::once(name)
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        prepare(&crate::cli::PubArgs::command(), &program, tokens)
            .map(|v| v.into_iter().skip(1).map(|t| t.into_string().unwrap()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn property_values_may_start_with_a_dash() {
        let out = walk("mqtt-pub", &["-D", "connect", "receive-maximum", "-1", "-t", "x"]).unwrap();
        assert_eq!(out, ["-D", "connect", "receive-maximum", "-1", PROPERTY_END, "-t", "x"]);
        let out = walk("mqtt-pub", &["-D", "publish", "USER-PROPERTY", "-k", "-v"]).unwrap();
        assert_eq!(out, ["-D", "publish", "USER-PROPERTY", "-k", "-v"]);
        assert!(
            walk("mqtt-pub", &["-D", "connect", "user-property", "k"])
                .unwrap_err()
                .contains("not enough")
        );
    }

    #[test]
    fn the_last_of_v_x_and_d_decides_the_version_under_mosquittos_name() {
        let w = |args: &[&str]| walk("mosquitto_pub", args).unwrap();
        assert_eq!(w(&["-V", "311", "-x", "60"]), ["-x", "60"]);
        assert_eq!(w(&["-x", "60", "-V", "311"]), ["-V", "311"]);
        assert_eq!(w(&["-x", "60", "-V", "5"]), ["-x", "60", "-V", "5"]);
        assert_eq!(
            w(&["-V", "31", "-D", "connect", "receive-maximum", "5"]),
            ["-D", "connect", "receive-maximum", "5", PROPERTY_END]
        );
        // Under our name, clap gets them all (and the settings refuse the mix).
        assert_eq!(
            walk("mqtt-pub", &["-V", "311", "-x", "60"]).unwrap(),
            ["-V", "311", "-x", "60"]
        );
    }

    #[test]
    fn subcommands_are_followed() {
        let program = Program {
            name: "mqtt-bench".to_string(),
        };
        let tokens = ["mqtt-bench", "pub", "-D", "publish", "content-type", "x", "-c", "1"];
        let out = prepare(
            &crate::cli::BenchArgs::command(),
            &program,
            tokens.iter().map(OsString::from).collect(),
        )
        .unwrap();
        assert_eq!(out[6], PROPERTY_END);
    }

    #[test]
    fn mosquitto_names_get_mosquitto_sentences() {
        assert_eq!(
            walk("mosquitto_pub", &["-t"]).unwrap_err(),
            "-t argument given but no topic specified.\n"
        );
        assert_eq!(
            walk("mosquitto_pub", &["--qos"]).unwrap_err(),
            "-q argument given but no QoS specified.\n"
        );
        assert_eq!(walk("mosquitto_pub", &["-C", "1"]).unwrap_err(), "Unknown option '-C'.");
        assert_eq!(walk("mosquitto_pub", &["-tx"]).unwrap_err(), "Unknown option '-tx'.");
        // A value is the next element, whatever it looks like.
        assert_eq!(walk("mosquitto_pub", &["-t", "-C"]).unwrap(), ["-t", "-C"]);
        // Under its own name clap reports these.
        assert_eq!(walk("mqtt-pub", &["-t"]).unwrap(), ["-t"]);
        assert_eq!(walk("mqtt-pub", &["-C", "1"]).unwrap(), ["-C", "1"]);
    }
}
