//! TLS settings from mosquitto's flags, with the checks
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
    /// Say so on stderr when `insecure` (not under a mosquitto name:
    /// mosquitto says nothing).
    pub warn_insecure: bool,
    pub version: Option<TlsVersion>,
    pub alpn: Vec<Vec<u8>>,
}

impl TlsSettings {
    /// `None` when the connection is plain MQTT. What is checked here
    /// mosquitto checks when it sets up the connection, after the options'
    /// consistency ([`mosquittos_checks`]) and after what is missing.
    ///
    /// `mosquitto_wording`: a missing file is reported in mosquitto's words.
    pub fn from_args(
        a: &TlsArgs,
        url_tls: bool,
        port: Option<u16>,
        mosquitto_wording: bool,
    ) -> anyhow::Result<Option<TlsSettings>> {
        if a.no_tls {
            return Ok(None);
        }
        refuse_unsupported(a)?;
        let client = a
            .cert
            .iter()
            .zip(&a.key)
            .map(|(c, k)| (PathBuf::from(c), PathBuf::from(k)))
            .next();
        let version = version(a, mosquitto_wording)?;
        let ca_files = ca_files(a)?;
        for f in ca_files.iter().chain(client.iter().flat_map(|(c, k)| [c, k])) {
            if !f.exists() {
                if mosquitto_wording {
                    return Err(crate::exit::error(
                        crate::exit::Exit::Error,
                        "Problem setting TLS options: File not found.",
                    ));
                }
                return Err(usage!("Problem setting TLS options: File not found: {}.", f.display()));
            }
        }
        if a.tls_keylog.is_some() {
            return Err(usage!(
                "--tls-keylog is not supported: rustls writes TLS keys only to the file named by SSLKEYLOGFILE."
            ));
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
            warn_insecure: !mosquitto_wording,
            version,
            alpn: a.tls_alpn.iter().map(|p| p.as_bytes().to_vec()).collect(),
        }))
    }
}

/// mosquitto's consistency checks of the TLS options, in its order and
/// words: made once all options are read, before anything else is looked at.
pub fn mosquittos_checks(a: &TlsArgs) -> anyhow::Result<()> {
    if a.cert.is_some() != a.key.is_some() {
        return Err(usage!(
            "Both certfile and keyfile must be provided if one of them is set."
        ));
    }
    if a.keyform.is_some() && a.key.is_none() {
        return Err(usage!("If keyform is set, keyfile must be also specified."));
    }
    if a.tls_engine_kpass_sha1.is_some() && (a.keyform.is_none() || a.tls_engine.is_none()) {
        return Err(usage!(
            "when using tls-engine-kpass-sha1, both tls-engine and keyform must also be provided."
        ));
    }
    if a.psk.is_some() && (a.cafile.is_some() || a.capath.is_some()) {
        return Err(usage!("Only one of --psk or --cafile/--capath may be used at once."));
    }
    if a.psk.is_some() && a.psk_identity.is_none() {
        return Err(usage!("--psk-identity required if --psk used."));
    }
    Ok(())
}

/// What rustls cannot do, each refused with the alternative.
fn refuse_unsupported(a: &TlsArgs) -> anyhow::Result<()> {
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
    if a.tls_engine_kpass_sha1.is_some() {
        return Err(usage!(
            "--tls-engine-kpass-sha1 is not supported: rustls has no OpenSSL engines; use a PEM key file (--key)."
        ));
    }
    if a.ciphers.is_some() {
        return Err(usage!(
            "--ciphers is not supported: rustls offers only its own safe cipher suites; pin a version with --tls-version instead."
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
    Ok(())
}

/// `--tls-version`. mosquitto 2.1 has no TLS 1.1 either; under its name it
/// is refused in its words.
fn version(a: &TlsArgs, mosquitto_wording: bool) -> anyhow::Result<Option<TlsVersion>> {
    match a.tls_version.as_deref() {
        None => Ok(None),
        Some("tlsv1.3") => Ok(Some(TlsVersion::Tls13)),
        Some("tlsv1.2") => Ok(Some(TlsVersion::Tls12)),
        Some("tlsv1.1" | "tlsv1") if !mosquitto_wording => Err(usage!(
            "TLS versions before 1.2 are not supported (rustls speaks tlsv1.2 and tlsv1.3)."
        )),
        Some(_) => Err(usage!("Problem setting TLS options, check the options are valid.")),
    }
}

/// `--cafile`, then every file of `--capath` in name order.
fn ca_files(a: &TlsArgs) -> anyhow::Result<Vec<PathBuf>> {
    let mut ca_files: Vec<PathBuf> = a.cafile.iter().map(PathBuf::from).collect();
    if let Some(dir) = &a.capath {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            usage!(
                "Problem setting TLS options: --capath {dir}: {}.",
                crate::exit::strerror(&e)
            )
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        ca_files.extend(files);
    }
    Ok(ca_files)
}
