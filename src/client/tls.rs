//! TlsSettings → a rustls client configuration: trusted CAs from PEM files
//! and/or the operating system, a client certificate, a pinned version,
//! ALPN, or (with `--insecure`) a verifier that still checks signatures but
//! not the certificate chain or the host name.

use std::sync::Arc;

use anyhow::Context;
use rumqttc::tokio_rustls::rustls;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::settings::{TlsSettings, TlsVersion};

/// Build the client configuration; errors name the file or option at fault.
pub fn config(t: &TlsSettings) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = match t.version {
        None => rustls::DEFAULT_VERSIONS,
        Some(TlsVersion::Tls12) => &[&rustls::version::TLS12],
        Some(TlsVersion::Tls13) => &[&rustls::version::TLS13],
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .context("Problem setting TLS options")?;
    let builder = if t.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Insecure(provider)))
    } else {
        let mut roots = rustls::RootCertStore::empty();
        for f in &t.ca_files {
            let mut found = 0;
            for cert in CertificateDer::pem_file_iter(f).with_context(|| format!("cannot read {}", f.display()))? {
                let cert = cert.with_context(|| format!("{} is not a PEM certificate file", f.display()))?;
                roots
                    .add(cert)
                    .with_context(|| format!("{}: unusable CA certificate", f.display()))?;
                found += 1;
            }
            anyhow::ensure!(found > 0, "{} holds no PEM certificate", f.display());
        }
        if t.os_roots {
            let native = rustls_native_certs::load_native_certs();
            for cert in native.certs {
                let _ = roots.add(cert);
            }
            anyhow::ensure!(
                !roots.is_empty(),
                "no CA certificates found in the operating system's store; give --cafile"
            );
        }
        builder.with_root_certificates(roots)
    };
    let mut config = match &t.client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .with_context(|| format!("cannot read {}", cert.display()))?
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{} is not a PEM certificate file", cert.display()))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .with_context(|| format!("{} is not an unencrypted PEM private key", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .context("the client certificate and key do not fit")?
        }
    };
    config.alpn_protocols = t.alpn.clone();
    Ok(config)
}

/// `--insecure`: accept any certificate for any name, but still require the
/// handshake signatures to be valid for the certificate presented.
#[derive(Debug)]
struct Insecure(Arc<CryptoProvider>);

impl ServerCertVerifier for Insecure {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
