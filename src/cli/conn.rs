//! The connection option group shared by mqtt-pub, mqtt-sub and mqtt-rr:
//! broker address, identity, credentials, session, will, MQTT v5 properties
//! and the TLS flags.

use clap::{ArgAction, Args};

/// Options that say how to reach the broker and who to be there.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Connection")]
pub struct ConnArgs {
    /// Broker host name or IP address [default: localhost]
    #[arg(short = 'h', long = "host", value_name = "HOST", allow_hyphen_values = true)]
    pub host: Option<String>,

    /// Broker port [default: 1883; 8883 with TLS]
    ///
    /// Port 0 means a unix socket, with the host as its path (as mosquitto).
    #[arg(short = 'p', long = "port", value_name = "PORT", allow_hyphen_values = true)]
    pub port: Option<String>,

    /// Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC
    ///
    /// The topic is everything after the first '/'. IPv6 literals go in
    /// brackets: mqtt://[::1]:1883/a/b. User name and password may be
    /// percent-encoded.
    #[arg(short = 'L', long = "url", value_name = "URL", allow_hyphen_values = true)]
    pub url: Option<String>,

    /// Connect to a unix socket instead of TCP
    #[arg(long = "unix", value_name = "PATH", allow_hyphen_values = true)]
    pub unix: Option<String>,

    /// Speak MQTT over WebSockets (ws://, or wss:// with TLS)
    ///
    /// ws:// and wss:// URLs (-L) turn this on too; as in mosquitto, the URL's
    /// path is the topic, and the WebSocket path is --ws-path.
    #[arg(long = "ws")]
    pub ws: bool,

    /// The HTTP path of the WebSocket endpoint
    #[arg(
        long = "ws-path",
        value_name = "PATH",
        default_value = "/mqtt",
        allow_hyphen_values = true
    )]
    pub ws_path: String,

    /// Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]
    ///
    /// SOCKS5 (the proxy resolves the broker's name; port 1080 by default) or
    /// an HTTP proxy's CONNECT method (port 8080 by default). User name and
    /// password may be percent-encoded. TLS and WebSockets run inside the
    /// tunnel.
    #[arg(long = "proxy", value_name = "URL")]
    pub proxy: Option<String>,

    /// Bind the local end of the connection to this address
    #[arg(short = 'A', value_name = "ADDRESS", allow_hyphen_values = true)]
    pub bind_address: Option<String>,

    /// Client id [default: none, the broker assigns one]
    #[arg(short = 'i', long = "id", value_name = "ID", allow_hyphen_values = true)]
    pub id: Option<String>,

    /// Client id prefix: the id becomes PREFIX followed by the process id
    #[arg(short = 'I', long = "id-prefix", value_name = "PREFIX", allow_hyphen_values = true)]
    pub id_prefix: Option<String>,

    /// Keep-alive interval in seconds (5-65535) [default: 60]
    #[arg(short = 'k', long = "keepalive", value_name = "SECONDS", allow_hyphen_values = true)]
    pub keepalive: Option<String>,

    /// MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]
    #[arg(
        short = 'V',
        long = "protocol-version",
        value_name = "VERSION",
        allow_hyphen_values = true
    )]
    pub protocol_version: Option<String>,

    /// Keep the session when disconnecting (clean session / clean start off)
    ///
    /// Needs a client id (-i). With MQTT v5 the session expiry becomes
    /// infinite unless -x says otherwise.
    #[arg(short = 'c', long = "disable-clean-session")]
    pub disable_clean_session: bool,

    /// MQTT v5 session expiry interval in seconds; -1 or ∞ means never
    #[arg(short = 'x', value_name = "SECONDS", allow_hyphen_values = true)]
    pub session_expiry: Option<String>,

    /// Maximum number of QoS 1 and 2 messages in flight [default: 20]
    #[arg(short = 'M', value_name = "COUNT", allow_hyphen_values = true)]
    pub max_inflight: Option<String>,

    /// Disable Nagle's algorithm on the socket (TCP_NODELAY)
    #[arg(long = "nodelay")]
    pub nodelay: bool,

    /// Keep retrying the first connection until the broker answers or
    /// DURATION has passed (e.g. 30s, 2m, 500ms)
    ///
    /// For CI jobs that start a broker and a client together. Retries back off
    /// from 50 ms to 2 s. After the first CONNACK, mqtt-pub retries a lost
    /// connection the same way only with a persistent session (-c -i ID),
    /// which the broker resumes and whose unacknowledged messages are sent
    /// again; without one, a lost connection ends it (exit 7).
    #[arg(long = "connect-retry", value_name = "DURATION", allow_hyphen_values = true)]
    pub connect_retry: Option<String>,

    /// User name
    #[arg(
        short = 'u',
        long = "username",
        value_name = "USER",
        env = "MQTT_USERNAME",
        allow_hyphen_values = true
    )]
    pub username: Option<String>,

    /// Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)
    #[arg(
        short = 'P',
        long = "pw",
        value_name = "PASSWORD",
        env = "MQTT_PASSWORD",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub password: Option<String>,

    /// Ask for the password on the terminal, without echo
    #[arg(long = "pw-prompt")]
    pub pw_prompt: bool,

    /// Read the password from the first line of FILE
    #[arg(long = "pw-file", value_name = "FILE", allow_hyphen_values = true)]
    pub pw_file: Option<String>,

    /// Print every packet sent and received (mosquitto's debug lines, on stdout)
    #[arg(short = 'd', long = "debug")]
    pub debug: bool,

    /// Do not print runtime error messages
    #[arg(long = "quiet")]
    pub quiet: bool,

    /// Read default options from FILE instead of ~/.config/<program>
    #[arg(short = 'o', value_name = "FILE", allow_hyphen_values = true)]
    pub options_file: Option<String>,

    /// MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE
    ///
    /// COMMAND is connect, publish, will or disconnect (subscribe and
    /// unsubscribe for subscribers). Setting a property switches to MQTT v5.
    /// Names: content-type, correlation-data, message-expiry-interval,
    /// payload-format-indicator, response-topic, topic-alias, user-property,
    /// session-expiry-interval, receive-maximum, maximum-packet-size,
    /// topic-alias-maximum, request-problem-information,
    /// request-response-information, will-delay-interval, reason-string,
    /// subscription-identifier, authentication-method, authentication-data
    /// (sent, but an AUTH exchange the broker starts cannot be continued).
    ///
    /// (The values of every -D arrive here one after another; settings
    /// splits them back into occurrences.)
    #[arg(
        short = 'D',
        long = "property",
        num_args = 3..=4,
        action = ArgAction::Append,
        value_names = ["COMMAND", "NAME", "VALUE"],
        allow_hyphen_values = true,
        value_terminator = super::mosquitto::PROPERTY_END
    )]
    pub property: Vec<String>,

    #[command(flatten)]
    pub will: WillArgs,

    #[command(flatten)]
    pub tls: TlsArgs,
}

/// The last will: what the broker publishes when this client vanishes.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Will")]
pub struct WillArgs {
    /// Topic of the will message
    #[arg(long = "will-topic", value_name = "TOPIC", allow_hyphen_values = true)]
    pub will_topic: Option<String>,

    /// Payload of the will message [default: empty]
    #[arg(long = "will-payload", value_name = "PAYLOAD", allow_hyphen_values = true)]
    pub will_payload: Option<String>,

    /// QoS of the will message (0, 1 or 2) [default: 0]
    #[arg(long = "will-qos", value_name = "QOS", allow_hyphen_values = true)]
    pub will_qos: Option<String>,

    /// Retain the will message
    #[arg(long = "will-retain")]
    pub will_retain: bool,
}

/// mosquitto's TLS flags (rustls underneath: --keyform engine, --tls-engine,
/// --psk and --ciphers are refused with the alternative to use).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "TLS")]
pub struct TlsArgs {
    /// Ignore every TLS option (for instance ones from the defaults file)
    #[arg(long = "no-tls")]
    pub no_tls: bool,
    /// CA certificates file (PEM)
    #[arg(long = "cafile", value_name = "FILE")]
    pub cafile: Option<String>,
    /// Directory of CA certificates (PEM)
    #[arg(long = "capath", value_name = "DIR")]
    pub capath: Option<String>,
    /// Client certificate (PEM)
    #[arg(long = "cert", value_name = "FILE")]
    pub cert: Option<String>,
    /// Client private key (PEM)
    #[arg(long = "key", value_name = "FILE")]
    pub key: Option<String>,
    /// Skip server certificate verification
    #[arg(long = "insecure")]
    pub insecure: bool,
    /// TLS version: tlsv1.2 or tlsv1.3
    #[arg(long = "tls-version", value_name = "VERSION")]
    pub tls_version: Option<String>,
    /// ALPN protocol to offer
    #[arg(long = "tls-alpn", value_name = "PROTOCOL")]
    pub tls_alpn: Option<String>,
    /// Verify the server with the operating system's CA store
    #[arg(long = "tls-use-os-certs")]
    pub tls_use_os_certs: bool,
    /// Key form: pem or engine
    #[arg(long = "keyform", value_name = "FORM")]
    pub keyform: Option<String>,
    /// OpenSSL engine (not available with rustls)
    #[arg(long = "tls-engine", value_name = "ENGINE")]
    pub tls_engine: Option<String>,
    /// SHA-1 of the engine key password (not available with rustls)
    #[arg(long = "tls-engine-kpass-sha1", value_name = "HEX")]
    pub tls_engine_kpass_sha1: Option<String>,
    /// Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)
    #[arg(long = "tls-keylog", value_name = "FILE")]
    pub tls_keylog: Option<String>,
    /// Cipher list
    #[arg(long = "ciphers", value_name = "LIST")]
    pub ciphers: Option<String>,
    /// Pre-shared key in hex (not available with rustls)
    #[arg(long = "psk", value_name = "HEX")]
    pub psk: Option<String>,
    /// Identity for --psk
    #[arg(long = "psk-identity", value_name = "IDENTITY")]
    pub psk_identity: Option<String>,
}
