//! TLS settings from mosquitto's flags (reference §1.12), with the checks
//! mosquitto makes and clear errors for what rustls cannot do.

use std::path::PathBuf;

use crate::cli::TlsArgs;
use crate::usage;

/// A TLS protocol version to pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// How to secure the connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// PEM files of trusted CAs (`--cafile`, every file of `--capath`).
    pub ca_files: Vec<PathBuf>,
    /// Trust the operating system's CA store (`--tls-use-os-certs`, `mqtts://`, `-p 8883`).
    pub os_roots: bool,
    /// Client certificate chain and key (PEM).
    pub client: Option<(PathBuf, PathBuf)>,
    /// Verify nothing about the broker's certificate.
    pub insecure: bool,
    pub version: Option<TlsVersion>,
    pub alpn: Vec<Vec<u8>>,
}

impl TlsSettings {
    /// `None` when the connection is plain MQTT.
    pub fn from_args(a: &TlsArgs, url_tls: bool, port: Option<u16>) -> anyhow::Result<Option<TlsSettings>> {
        if a.psk.is_some() || a.psk_identity.is_some() {
            return Err(usage!(
                "TLS-PSK (--psk) is not supported: rustls has no PSK; use certificates (--cafile, --cert and --key)."
            ));
        }
        if let Some(e) = &a.tls_engine {
            return Err(usage!(
                "--tls-engine {e} is not supported: rustls has no OpenSSL engines; use a PEM key file (--key)."
            ));
        }
        if a.ciphers.is_some() {
            return Err(usage!(
                "--ciphers is not supported: rustls offers only its own safe cipher suites; pin a version with --tls-version instead."
            ));
        }
        if let Some(p) = &a.proxy {
            return Err(usage!(
                "--proxy {p} is not supported: the MQTT library has no SOCKS5 proxy support."
            ));
        }
        match a.keyform.as_deref() {
            None | Some("pem") => {}
            Some("engine") => {
                return Err(usage!(
                    "--keyform engine is not supported: rustls has no OpenSSL engines; use a PEM key file."
                ));
            }
            Some(_) => return Err(usage!("Problem setting key form, it must be one of 'pem' or 'engine'.")),
        }
        if a.keyform.is_some() && a.key.is_none() {
            return Err(usage!("If keyform is set, keyfile must be also specified."));
        }
        let client = match (&a.cert, &a.key) {
            (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
            (None, None) => None,
            _ => {
                return Err(usage!(
                    "Both certfile and keyfile must be provided if one of them is set."
                ));
            }
        };
        let version = match a.tls_version.as_deref() {
            None => None,
            Some("tlsv1.3") => Some(TlsVersion::Tls13),
            Some("tlsv1.2") => Some(TlsVersion::Tls12),
            Some("tlsv1.1" | "tlsv1") => {
                return Err(usage!(
                    "TLS versions before 1.2 are not supported (rustls speaks tlsv1.2 and tlsv1.3)."
                ));
            }
            Some(_) => return Err(usage!("Problem setting TLS options, check the options are valid.")),
        };
        let mut ca_files = Vec::new();
        if let Some(f) = &a.cafile {
            ca_files.push(PathBuf::from(f));
        }
        if let Some(dir) = &a.capath {
            let entries =
                std::fs::read_dir(dir).map_err(|e| usage!("Problem setting TLS options: --capath {dir}: {e}."))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            ca_files.extend(files);
        }
        for f in ca_files.iter().chain(client.iter().flat_map(|(c, k)| [c, k])) {
            if !f.exists() {
                return Err(usage!("Problem setting TLS options: File not found: {}.", f.display()));
            }
        }
        let os_roots = a.tls_use_os_certs || ((url_tls || port == Some(8883)) && ca_files.is_empty());
        let enabled = !ca_files.is_empty() || os_roots || client.is_some() || a.insecure || url_tls;
        if !enabled {
            if a.tls_version.is_some() || a.tls_alpn.is_some() {
                return Err(usage!(
                    "--tls-version and --tls-alpn need TLS: give --cafile, --capath or --tls-use-os-certs."
                ));
            }
            return Ok(None);
        }
        Ok(Some(TlsSettings {
            ca_files,
            os_roots,
            client,
            insecure: a.insecure,
            version,
            alpn: a.tls_alpn.iter().map(|p| p.as_bytes().to_vec()).collect(),
        }))
    }
}
