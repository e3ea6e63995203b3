//! mosquitto 2.1's wording for command-line mistakes, in one table.
//!
//! Invoked under a mosquitto name (`mosquitto_pub`, `mosquitto_sub`,
//! `mosquitto_rr`, `mosquitto_passwd`) a binary must print exactly what the
//! mosquitto client prints, so scripts and mosquitto's own client tests see no
//! difference. mosquitto reads argv one element at a time, with no bundling,
//! no `--opt=value` and no abbreviations; an option missing its value is
//! reported with a sentence of its own, listed here. Under the mqtt-* names
//! clap's wording is kept instead.
//!
//! This module is data only; `settings::argv` walks the arguments with it.

/// The exact text mosquitto prints (after `Error: `) when `flag` is the last
/// argument although it needs a value. `flag` is the option's short form
/// (`-q`) when it has one, else its long form (`--proxy`): mosquitto names the
/// short form even when the long one was typed (`--qos` → `-q argument ...`).
pub fn missing_value(program: &str, flag: &str) -> Option<&'static str> {
    let table = if program == PASSWD {
        PASSWD_MISSING
    } else {
        CLIENT_MISSING
    };
    table.iter().find(|(f, _)| *f == flag).map(|(_, text)| *text)
}

/// The mosquitto name of the password tool, whose errors carry no
/// "Use ... --help" line.
pub const PASSWD: &str = "mosquitto_passwd";

/// `-D`/`--property` takes three values, or four for `user-property`; this
/// word follows the last one inside the arguments handed to clap, so that a
/// value starting with `-` (`-D connect receive-maximum -1`) is still a value
/// and the next option is not. A real argument cannot contain a NUL byte.
pub const PROPERTY_END: &str = "\0end-of-property\0";

/// The sentence for a `-D` with too few values (the same under every name).
pub const PROPERTY_SHORT: &str = "--property argument given but not enough arguments specified.\n";

/// mosquitto_pub/sub/rr's sentence for each option that lacks its value
/// (after `Error: `; the "Use ... --help" line follows). Options mqttkit
/// refuses (`--psk`, `--tls-engine`, ...) are here too: mosquitto names
/// their missing value before anything else.
pub const CLIENT_MISSING: &[(&str, &str)] = &[
    ("-A", "-A argument given but no address specified.\n"),
    ("--cafile", "--cafile argument given but no file specified.\n"),
    ("--capath", "--capath argument given but no directory specified.\n"),
    ("--cert", "--cert argument given but no file specified.\n"),
    ("--ciphers", "--ciphers argument given but no ciphers specified.\n"),
    ("-C", "-C argument given but no count specified.\n"),
    ("-e", "-e argument given but no response topic specified.\n"),
    ("-f", "-f argument given but no file specified.\n"),
    ("-F", "-F argument given but no format specified.\n"),
    ("-h", "-h argument given but no host specified.\n"),
    ("-i", "-i argument given but no id specified.\n"),
    ("-I", "-I argument given but no id prefix specified.\n"),
    ("-k", "-k argument given but no keepalive specified.\n"),
    ("--key", "--key argument given but no file specified.\n"),
    ("--keyform", "--keyform argument given but no keyform specified.\n"),
    ("-L", "-L argument given but no URL specified.\n"),
    ("-m", "-m argument given but no message specified.\n"),
    ("-M", "-M argument given but max_inflight not specified.\n"),
    ("-o", "-o argument given but no options file specified.\n"),
    ("-p", "-p argument given but no port specified.\n"),
    ("-P", "-P argument given but no password specified.\n"),
    ("--proxy", "--proxy argument given but no proxy url specified.\n"),
    ("--psk", "--psk argument given but no key specified.\n"),
    (
        "--psk-identity",
        "--psk-identity argument given but no identity specified.\n",
    ),
    ("-q", "-q argument given but no QoS specified.\n"),
    (
        "--random-filter",
        "--random-filter argument given but no chance specified.\n",
    ),
    ("--repeat", "--repeat argument given but no count specified.\n"),
    (
        "--retain-handling",
        "--retain-handling argument given but no option specified.\n",
    ),
    (
        "--repeat-delay",
        "--repeat-delay argument given but no time specified.\n",
    ),
    ("-t", "-t argument given but no topic specified.\n"),
    ("-T", "-T argument given but no topic filter specified.\n"),
    ("--tls-alpn", "--tls-alpn argument given but no protocol specified.\n"),
    (
        "--tls-engine",
        "--tls-engine argument given but no engine_id specified.\n",
    ),
    (
        "--tls-engine-kpass-sha1",
        "--tls-engine-kpass-sha1 argument given but no kpass sha1 specified.\n",
    ),
    ("--tls-keylog", "--tls-keylog argument given but no file specified.\n"),
    (
        "--tls-version",
        "--tls-version argument given but no version specified.\n",
    ),
    ("-u", "-u argument given but no username specified.\n"),
    ("-U", "-U argument given but no unsubscribe topic specified.\n"),
    ("--unix", "--unix argument given but no socket path specified.\n"),
    ("-V", "--protocol-version argument given but no version specified.\n"),
    ("-W", "-W argument given but no timeout specified.\n"),
    (
        "--will-payload",
        "--will-payload argument given but no will payload specified.\n",
    ),
    ("--will-qos", "--will-qos argument given but no will QoS specified.\n"),
    (
        "--will-topic",
        "--will-topic argument given but no will topic specified.\n",
    ),
    ("-x", "-x argument given but no session expiry interval specified.\n"),
];

/// mosquitto_passwd's sentences (printed without the "Use ..." line).
pub const PASSWD_MISSING: &[(&str, &str)] = &[
    ("-H", "-H argument given but not enough other arguments."),
    ("-I", "-I argument given but not enough other arguments."),
];

/// The sentence for an option the program does not have.
pub fn unknown_option(arg: &str) -> String {
    format!("Unknown option '{arg}'.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_option_of_the_clients_has_its_sentence() {
        for (name, command) in super::super::BINARIES {
            let program = match *name {
                "mqtt-pub" => "mosquitto_pub",
                "mqtt-sub" => "mosquitto_sub",
                "mqtt-rr" => "mosquitto_rr",
                "mqtt-passwd" => PASSWD,
                _ => continue,
            };
            for arg in command().get_arguments() {
                if !arg.get_action().takes_values() || arg.is_positional() || arg.get_id() == "property" {
                    continue;
                }
                // mqttkit's own options have no mosquitto sentence; clap's is used.
                let flag = match (arg.get_short(), arg.get_long()) {
                    (Some(s), _) => format!("-{s}"),
                    (None, Some(l)) => format!("--{l}"),
                    _ => continue,
                };
                let own = [
                    "--rate",
                    "--connect-retry",
                    "--pw-file",
                    "--ws-path",
                    "--exec",
                    "--decode",
                    "--encode",
                    "--replay",
                    "--speed",
                ];
                if own.contains(&flag.as_str()) {
                    continue;
                }
                assert!(
                    missing_value(program, &flag).is_some(),
                    "{program}: no sentence for {flag}"
                );
            }
        }
    }
}
