//! Connection settings: where the broker is, who we are, session, will and
//! credentials — validated from [`ConnArgs`] with mosquitto's rules and
//! messages (docs/mosquitto-compatibility.md).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::number::{parse_c_long, parse_duration, parse_int};
use super::props::Props;
use super::tls::TlsSettings;
use crate::cli::ConnArgs;
use crate::mqtt::{Protocol, QoS};
use crate::usage;

/// Where the broker listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

/// User name and password for CONNECT.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A proxy between us and the broker (`--proxy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// How to ask the proxy for a tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5, the proxy resolving the broker's name (`socks5h://`).
    Socks5,
    /// HTTP's CONNECT method (`http://`).
    Http,
}

/// The last will.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
}

/// Everything needed to open one MQTT connection.
#[derive(Debug, Clone)]
pub struct ConnSettings {
    pub endpoint: Endpoint,
    pub protocol: Protocol,
    /// `None`: send an empty id and let the broker assign one.
    pub client_id: Option<String>,
    pub clean: bool,
    pub keepalive: u16,
    /// v5 session expiry; `None` = not sent (0), `Some(u32::MAX)` = never.
    pub session_expiry: Option<u32>,
    pub credentials: Credentials,
    pub max_inflight: u16,
    pub nodelay: bool,
    pub bind: Option<IpAddr>,
    pub will: Option<Will>,
    pub props: Props,
    pub connect_retry: Option<Duration>,
    /// `None`: plain MQTT.
    pub tls: Option<TlsSettings>,
    /// MQTT over WebSockets at this path.
    pub websocket: Option<String>,
    pub proxy: Option<Proxy>,
    pub debug: bool,
    pub quiet: bool,
}

/// How a program uses its connections: chosen by the program, not on the
/// command line, and given to the client next to [`ConnSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionOptions {
    /// v5 receive maximum when `-D connect receive-maximum` does not say.
    pub receive_maximum: u16,
    /// Acknowledge incoming QoS 1/2 messages only when told to.
    pub manual_acks: bool,
    /// Note the order of each received PUBLISH's properties (MQTT 5; `%j`
    /// shows it): a layer of the byte stream that nothing else needs.
    pub property_order: bool,
    /// TCP_NODELAY whether or not `--nodelay` was given.
    pub nodelay: bool,
}

impl Default for SessionOptions {
    /// mosquitto's: receive maximum 20, each message acknowledged as it comes.
    fn default() -> SessionOptions {
        SessionOptions {
            receive_maximum: 20,
            manual_acks: false,
            property_order: false,
            nodelay: false,
        }
    }
}

impl SessionOptions {
    /// mqtt-sub: each message is acknowledged only once handled (printed,
    /// `--exec` done), so one read just before a cut is sent again and
    /// messages after the -C'th stay with the broker; with `-C` below 20 the
    /// broker sends at most the messages wanted at once (as mosquitto sets
    /// its receive maximum). `property_order`: the output shows it.
    pub fn subscriber(count: Option<u64>, property_order: bool) -> SessionOptions {
        SessionOptions {
            receive_maximum: count.filter(|c| *c < 20).map_or(20, |c| c as u16),
            manual_acks: true,
            property_order,
            nodelay: false,
        }
    }

    /// mqtt-rr: one response is all it waits for; with `--latency` no wait
    /// behind Nagle's algorithm in what is measured (as mosquitto_rr).
    pub fn requester(latency: bool, property_order: bool) -> SessionOptions {
        SessionOptions {
            receive_maximum: 1,
            manual_acks: false,
            property_order,
            nodelay: latency,
        }
    }

    /// mqtt-bench: subscribers may have as many messages in flight towards
    /// them as publishers away from them (`-M`), and every packet goes on
    /// the wire at once (Nagle's algorithm and delayed ACKs would add 40 ms
    /// to acknowledgements).
    pub fn load_generator(max_inflight: u16) -> SessionOptions {
        SessionOptions {
            receive_maximum: max_inflight.max(1),
            manual_acks: false,
            property_order: false,
            nodelay: true,
        }
    }
}

/// What `-L` contributed besides the connection: its topic.
pub struct UrlParts {
    host: String,
    port: Option<u16>,
    username: Option<String>,
    password: Option<String>,
    pub topic: String,
    /// `mqtts://`, `wss://`.
    tls: bool,
    /// `ws://`, `wss://`.
    ws: bool,
}

/// The first of the errors mosquitto finds only when it sets up the
/// connection (TLS files, the bind address, an empty client id, ...): kept
/// while the other options are checked, and reported after what is missing.
#[derive(Default)]
struct AtConnect(Option<anyhow::Error>);

impl AtConnect {
    /// The value, or `None` with the error kept (the first one wins).
    fn keep<T>(&mut self, r: anyhow::Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.get_or_insert(e);
                None
            }
        }
    }
}

/// mosquitto prints what it finds when it sets up the connection without
/// the `Use '... --help'` line: under its name, so do we.
fn at_connect_wording(e: anyhow::Error, mosquitto_wording: bool) -> anyhow::Error {
    match e.downcast_ref::<crate::exit::Usage>() {
        Some(u) if mosquitto_wording => crate::exit::error(crate::exit::Exit::Error, u.text.trim_end_matches('\n')),
        _ => e,
    }
}

impl ConnSettings {
    /// Validate the connection options. Returns the settings and the topic
    /// from `-L`, if one was given. An error in the outer result is one
    /// mosquitto reports as it reads the options; one in the settings'
    /// result is one it reports only when it connects, so callers report it
    /// after checking that the topic (and message) are there.
    /// `mosquitto_wording`: the few errors that differ are worded as
    /// mosquitto's; `invalid_id` is that client's sentence for an empty `-i`
    /// (mosquitto_pub and mosquitto_sub word it differently).
    pub fn from_args(
        args: &ConnArgs,
        default_protocol: Protocol,
        mosquitto_wording: bool,
        invalid_id: &str,
    ) -> anyhow::Result<(anyhow::Result<ConnSettings>, Option<String>)> {
        let url = args.url.as_deref().map(parse_url).transpose()?;
        // -p wins over the URL's port (explicit options over -L, whatever their order).
        let explicit_port = match &args.port {
            Some(p) => Some(parse_port(p)?),
            None => url.as_ref().and_then(|u| u.port),
        };

        let props = Props::parse(&args.property)?;
        let session_expiry = args.session_expiry.as_deref().map(parse_session_expiry).transpose()?;
        let protocol = protocol(args, &props, session_expiry, default_protocol)?;
        let keepalive = keepalive(args)?;
        let max_inflight = max_inflight(args, mosquitto_wording)?;
        if args.id.is_some() && args.id_prefix.is_some() {
            return Err(usage!("-i and -I argument cannot be used together.\n"));
        }
        let proxy = args
            .proxy
            .as_deref()
            .map(|p| parse_proxy(p, mosquitto_wording))
            .transpose()?;
        let connect_retry = args.connect_retry.as_deref().map(parse_retry).transpose()?;
        // mosquitto's checks of the whole, in its order: will, TLS, client id.
        let will = will(args, mosquitto_wording)?;
        super::tls::mosquittos_checks(&args.tls)?;
        let (clean, session_expiry) = session(args, protocol, session_expiry)?;
        let credentials = credentials(args, url.as_ref())?;
        let topic = url.as_ref().map(|u| u.topic.clone());
        let link = match link(
            args,
            url.as_ref(),
            explicit_port,
            (protocol, &credentials, proxy.is_some()),
            mosquitto_wording.then_some(invalid_id),
        ) {
            Ok(link) => link,
            Err(e) => return Ok((Err(e), topic)),
        };
        let settings = ConnSettings {
            endpoint: link.endpoint,
            protocol,
            client_id: link.client_id,
            clean,
            keepalive,
            session_expiry,
            credentials,
            max_inflight,
            nodelay: args.nodelay,
            bind: link.bind,
            will,
            props,
            connect_retry,
            tls: link.tls,
            websocket: link.websocket,
            proxy,
            debug: args.debug,
            quiet: args.quiet,
        };
        Ok((Ok(settings), topic))
    }
}

/// `-c` and the session expiry: clean start, and the expiry (`-c` on MQTT 5
/// without `-x` keeps the session for ever), with mosquitto's rule that a
/// session kept needs a client id of our own.
fn session(args: &ConnArgs, protocol: Protocol, expiry: Option<u32>) -> anyhow::Result<(bool, Option<u32>)> {
    let clean = !args.disable_clean_session;
    let expiry = match (protocol, clean, expiry) {
        (Protocol::V5, false, None) => Some(u32::MAX),
        (_, _, s) => s,
    };
    if args.id.is_none() && args.id_prefix.is_none() {
        if protocol == Protocol::V5 && expiry == Some(u32::MAX) {
            return Err(usage!(
                "You must provide a client id if you are using an infinite session expiry interval."
            ));
        }
        if protocol != Protocol::V5 && !clean {
            return Err(usage!("You must provide a client id if you are using the -c option."));
        }
    }
    Ok((clean, expiry))
}

/// What mosquitto works out only when it sets up the connection.
struct Link {
    client_id: Option<String>,
    tls: Option<TlsSettings>,
    endpoint: Endpoint,
    websocket: Option<String>,
    bind: Option<IpAddr>,
}

/// The client id, TLS, endpoint, WebSocket path and bind address, checked
/// as mosquitto checks them when it connects: the first mistake is the
/// error (`mosquitto_id`: under a mosquitto name, its sentence for an empty
/// `-i`). `(protocol, credentials, proxied)` are what the checks depend on.
fn link(
    args: &ConnArgs,
    url: Option<&UrlParts>,
    port: Option<u16>,
    (protocol, credentials, proxied): (Protocol, &Credentials, bool),
    mosquitto_id: Option<&str>,
) -> anyhow::Result<Link> {
    let mosquitto_wording = mosquitto_id.is_some();
    let mut at_connect = AtConnect::default();
    let client_id = at_connect.keep(client_id(args, mosquitto_id)).flatten();
    if password_without_user(credentials, protocol) {
        at_connect.keep::<()>(Err(if mosquitto_wording {
            crate::exit::error(crate::exit::Exit::Error, "Problem setting username and/or password.")
        } else {
            usage!("A password needs a user name (-u) with MQTT 3.1.1.")
        }));
    }
    let url_tls = url.is_some_and(|u| u.tls);
    let tls = at_connect
        .keep(TlsSettings::from_args(&args.tls, url_tls, port, mosquitto_wording))
        .flatten();
    let endpoint = endpoint(args, url, port, tls.is_some());
    let websocket = (args.ws || url.is_some_and(|u| u.ws)).then(|| args.ws_path.clone());
    if websocket.is_some() && matches!(endpoint, Endpoint::Unix(_)) {
        at_connect.keep::<()>(Err(usage!("WebSockets (--ws) need a TCP endpoint, not a unix socket.")));
    }
    if proxied && matches!(endpoint, Endpoint::Unix(_)) {
        at_connect.keep::<()>(Err(usage!("--proxy needs a TCP endpoint, not a unix socket.")));
    }
    let bind = at_connect
        .keep(args.bind_address.as_deref().map(parse_bind).transpose())
        .flatten();
    match at_connect.0 {
        Some(e) => Err(at_connect_wording(e, mosquitto_wording)),
        None => Ok(Link {
            client_id,
            tls,
            endpoint,
            websocket,
            bind,
        }),
    }
}

/// `-V`, or MQTT 5 when `-D` or `-x` ask for it (an explicit older `-V`
/// with them is an error, not a silent v3 connection).
fn protocol(
    args: &ConnArgs,
    props: &Props,
    session_expiry: Option<u32>,
    default: Protocol,
) -> anyhow::Result<Protocol> {
    let mut protocol = match args.protocol_version.as_deref() {
        None => None,
        Some("5" | "mqttv5") => Some(Protocol::V5),
        Some("311" | "mqttv311") => Some(Protocol::V311),
        Some("31" | "mqttv31") => Some(Protocol::V31),
        Some(_) => return Err(usage!("Invalid protocol version argument given.\n")),
    };
    for (given, what) in [(!props.is_empty(), "-D properties"), (session_expiry.is_some(), "-x")] {
        if given {
            if let Some(v @ (Protocol::V311 | Protocol::V31)) = protocol {
                return Err(usage!("{what} need MQTT v5, but -V {} was given.", v.number()));
            }
            protocol = Some(Protocol::V5);
        }
    }
    Ok(protocol.unwrap_or(default))
}

fn keepalive(args: &ConnArgs) -> anyhow::Result<u16> {
    match args.keepalive.as_deref() {
        None => Ok(60),
        Some(k) => parse_int::<u16>(k)
            .filter(|k| *k >= 5)
            .ok_or_else(|| usage!("Invalid keepalive given, it must be between 5 and 65535 inclusive.\n")),
    }
}

fn max_inflight(args: &ConnArgs, mosquitto_wording: bool) -> anyhow::Result<u16> {
    let not_positive = || usage!("Maximum inflight messages must be greater than 0.\n");
    match args.max_inflight.as_deref() {
        None => Ok(20),
        Some(m) => match parse_int::<u32>(m) {
            Some(0) => Err(not_positive()),
            // What mosquitto's atoi makes of it, said as mosquitto says it.
            None if mosquitto_wording && super::number::c_atoi(m) < 1 => Err(not_positive()),
            Some(n) => {
                u16::try_from(n).map_err(|_| usage!("Maximum inflight messages must be at most 65535 (-M {n}).\n"))
            }
            None => Err(usage!("Invalid -M given: {m}; it must be a number from 1 to 65535.\n")),
        },
    }
}

/// `-i`, or `-I` followed by the process id. `mosquitto_sentence`: an
/// empty id is refused in these words (mosquitto refuses it when it makes its
/// client, with no usage line).
fn client_id(args: &ConnArgs, mosquitto_sentence: Option<&str>) -> anyhow::Result<Option<String>> {
    match (&args.id, &args.id_prefix) {
        (Some(id), _) if id.is_empty() && mosquitto_sentence.is_some() => Err(crate::exit::error(
            crate::exit::Exit::Error,
            mosquitto_sentence.unwrap_or_default(),
        )),
        (Some(id), _) if id.is_empty() => Err(usage!("Invalid id: a client id must not be empty.")),
        (Some(id), _) if id.len() > 65535 => Err(usage!("Invalid id: longer than 65535 bytes.")),
        (Some(id), _) => Ok(Some(id.clone())),
        (None, Some(prefix)) => Ok(Some(format!("{prefix}{}", std::process::id()))),
        (None, None) => Ok(None),
    }
}

fn parse_bind(a: &str) -> anyhow::Result<IpAddr> {
    a.parse::<IpAddr>()
        .map_err(|_| usage!("Invalid bind address '{a}': -A takes a local IP address such as 127.0.0.1 or ::1."))
}

fn parse_retry(d: &str) -> anyhow::Result<Duration> {
    parse_duration(d).ok_or_else(|| usage!("Invalid --connect-retry duration '{d}': use e.g. 30s, 2m or 500ms."))
}

fn parse_session_expiry(text: &str) -> anyhow::Result<u32> {
    if text == "∞" {
        return Ok(u32::MAX);
    }
    let n = parse_c_long(text).ok_or_else(|| usage!("session-expiry-interval not a number.\n"))?;
    match n {
        -1 => Ok(u32::MAX),
        0..=0xFFFF_FFFF => Ok(n as u32),
        _ => Err(usage!("session-expiry-interval out of range.\n")),
    }
}

/// `socks5h://[USER[:PASSWORD]@]HOST[:PORT]` (port 1080) or
/// `http://[USER[:PASSWORD]@]HOST[:PORT]` (port 8080); user and password may
/// be percent-encoded, an IPv6 host goes in brackets. `mosquitto_wording`:
/// a malformed URL is reported in mosquitto's words (no host: `Invalid
/// proxy.`; a port out of range, as `atoi` read it).
fn parse_proxy(url: &str, mosquitto_wording: bool) -> anyhow::Result<Proxy> {
    let (kind, rest, default_port) = if let Some(rest) = url.strip_prefix("socks5h://") {
        (ProxyKind::Socks5, rest, 1080)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (ProxyKind::Http, rest, 8080)
    } else {
        return Err(usage!(
            "Unsupported proxy protocol: {url} (use socks5h://[user[:pass]@]host[:port] or http://[user[:pass]@]host[:port])"
        ));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (username, password, hostport) = split_userinfo(rest);
    let (host, port) =
        split_host_port(hostport).ok_or_else(|| usage!("Invalid proxy URL {url}: no ']' after the IPv6 address."))?;
    if host.is_empty() {
        return Err(if mosquitto_wording {
            usage!("Invalid proxy.")
        } else {
            usage!("Invalid proxy URL {url}: the host is missing.")
        });
    }
    let port = match port {
        None => default_port,
        Some(p) => parse_int::<u16>(p).filter(|p| *p > 0).ok_or_else(|| {
            if mosquitto_wording {
                usage!("Invalid proxy port {}", super::number::c_atoi(p))
            } else {
                usage!("Invalid proxy URL {url}: bad port '{p}'.")
            }
        })?,
    };
    Ok(Proxy {
        kind,
        host: host.to_string(),
        port,
        username,
        password,
    })
}

fn parse_port(text: &str) -> anyhow::Result<u16> {
    parse_int::<u16>(text).ok_or_else(|| usage!("Invalid port given: {text}"))
}

fn endpoint(args: &ConnArgs, url: Option<&UrlParts>, port: Option<u16>, tls: bool) -> Endpoint {
    if let Some(path) = &args.unix {
        return Endpoint::Unix(PathBuf::from(path));
    }
    // Later options override the URL's host and port, as in mosquitto; we
    // cannot see argv order through clap, so explicit -h/-p win over -L.
    let host = args
        .host
        .clone()
        .or_else(|| url.map(|u| u.host.clone()))
        .unwrap_or_else(|| "localhost".to_string());
    let port = port.unwrap_or(if tls { 8883 } else { 1883 });
    if port == 0 {
        return Endpoint::Unix(PathBuf::from(host));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    Endpoint::Tcp { host, port }
}

fn will(args: &ConnArgs, mosquitto_wording: bool) -> anyhow::Result<Option<Will>> {
    let w = &args.will;
    let qos = match w.will_qos.as_deref() {
        None => QoS::AtMostOnce,
        Some(q) => parse_int::<u8>(q)
            .and_then(QoS::from_u8)
            .ok_or_else(|| usage!("Invalid will QoS {q}.\n"))?,
    };
    let Some(topic) = &w.will_topic else {
        if w.will_payload.is_some() {
            return Err(usage!("Will payload given, but no will topic given."));
        }
        if w.will_retain {
            return Err(usage!("Will retain given, but no will topic given."));
        }
        return Ok(None);
    };
    super::publish::check_publish_topic(topic, "will topic", mosquitto_wording)?;
    Ok(Some(Will {
        topic: topic.clone(),
        payload: w.will_payload.clone().unwrap_or_default().into_bytes(),
        qos,
        retain: w.will_retain,
    }))
}

/// A password without a user name, which MQTT 3.1.1 cannot send (MQTT 5 and
/// 3.1 can).
fn password_without_user(c: &Credentials, protocol: Protocol) -> bool {
    c.password.is_some() && c.username.is_none() && protocol == Protocol::V311
}

fn credentials(args: &ConnArgs, url: Option<&UrlParts>) -> anyhow::Result<Credentials> {
    let username = args.username.clone().or_else(|| url.and_then(|u| u.username.clone()));
    let mut password = args
        .password
        .clone()
        .or_else(|| url.and_then(|u| u.password.clone()))
        .map(String::into_bytes);
    if let Some(file) = &args.pw_file {
        let text = std::fs::read(file).with_context(|| format!("cannot read password file {file}"))?;
        let line = text.split(|b| *b == b'\n').next().unwrap_or_default();
        password = Some(line.strip_suffix(b"\r").unwrap_or(line).to_vec());
    }
    if args.pw_prompt {
        let pw = rpassword::prompt_password("Password: ").context("cannot read the password from the terminal")?;
        password = Some(pw.into_bytes());
    }
    Ok(Credentials { username, password })
}

/// `mqtt://[user[:pass]@]host[:port]/topic` (also `[v6]` hosts).
pub(crate) fn parse_url(text: &str) -> anyhow::Result<UrlParts> {
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(usage!("Unsupported URL scheme.\n"));
    };
    let (tls, ws) = match scheme.to_ascii_lowercase().as_str() {
        "mqtt" => (false, false),
        "mqtts" => (true, false),
        "ws" => (false, true),
        "wss" => (true, true),
        _ => return Err(usage!("Unsupported URL scheme.\n")),
    };
    let Some((authority, topic)) = rest.split_once('/') else {
        return Err(usage!("Invalid URL for -L argument specified - topic missing."));
    };
    let (username, password, hostport) = split_userinfo(authority);
    let Some((host, port)) = split_host_port(hostport) else {
        return Err(usage!(
            "Invalid URL for -L argument specified - unclosed '[' in the host."
        ));
    };
    let (host, port) = (host.to_string(), port.map(parse_port).transpose()?);
    if host.is_empty() {
        return Err(usage!("Invalid URL for -L argument specified - host missing."));
    }
    Ok(UrlParts {
        host,
        port,
        username,
        password,
        topic: topic.to_string(),
        tls,
        ws,
    })
}

impl UrlParts {
    /// The URL names a user (and maybe a password).
    pub(crate) fn has_credentials(&self) -> bool {
        self.username.is_some()
    }
}

/// `HOST[:PORT]` or `[IPV6][:PORT]` → host and port text; `None` for an
/// unclosed `[`.
fn split_host_port(hostport: &str) -> Option<(&str, Option<&str>)> {
    match hostport.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            Some((host, after.strip_prefix(':')))
        }
        None => Some(match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }),
    }
}

/// `[USER[:PASSWORD]@]REST` → user and password (percent-decoded), and REST.
fn split_userinfo(authority: &str) -> (Option<String>, Option<String>, &str) {
    let Some((userinfo, rest)) = authority.rsplit_once('@') else {
        return (None, None, authority);
    };
    match userinfo.split_once(':') {
        Some((user, pass)) => (Some(percent_decode(user)), Some(percent_decode(pass)), rest),
        None => (Some(percent_decode(userinfo)), None, rest),
    }
}

/// Decode `%XX` sequences; anything else is kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("MQTT://al%40ice:p%3Ass@broker:1884/a/b").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("broker", Some(1884)));
        assert_eq!(u.username.as_deref(), Some("al@ice"));
        assert_eq!(u.password.as_deref(), Some("p:ss"));
        assert_eq!(u.topic, "a/b");
        let v6 = parse_url("mqtt://[::1]:1883/t").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", Some(1883)));
        assert!(parse_url("mqtt://host").is_err());
        assert!(parse_url("http://host/t").is_err());
        assert!(parse_url("mqtt://h:70000/t").is_err());
    }

    #[test]
    fn proxy_urls() {
        let p = parse_proxy("socks5h://user:pass%3Aword@127.0.0.1:1099", false).unwrap();
        assert_eq!(
            (p.kind, p.host.as_str(), p.port),
            (ProxyKind::Socks5, "127.0.0.1", 1099)
        );
        assert_eq!(
            (p.username.as_deref(), p.password.as_deref()),
            (Some("user"), Some("pass:word"))
        );
        let p = parse_proxy("http://[::1]", false).unwrap();
        assert_eq!(
            (p.kind, p.host.as_str(), p.port, p.username),
            (ProxyKind::Http, "::1", 8080, None)
        );
        assert!(parse_proxy("socks4://h", false).is_err());
        assert!(parse_proxy("http://h:0", false).is_err());
    }

    #[test]
    fn session_expiry_forms() {
        assert_eq!(parse_session_expiry("∞").unwrap(), u32::MAX);
        assert_eq!(parse_session_expiry("-1").unwrap(), u32::MAX);
        assert_eq!(parse_session_expiry("0x10").unwrap(), 16);
        assert!(parse_session_expiry("4294967296").is_err());
        assert!(parse_session_expiry("soon").is_err());
    }
}
