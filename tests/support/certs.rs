//! Test certificates made at test time with rcgen: a CA, a server
//! certificate for localhost/127.0.0.1/::1, one for another name, and a
//! client certificate — all PEM files in a temporary directory.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `ca.pem`, `server.pem`/`server.key`, `wrong.pem`/`wrong.key`, `client.pem`/`client.key`,
    /// and `other-ca.pem` (a CA that signed nothing here).
    pub fn make() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
        let ca = |cn: &str| {
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.distinguished_name.push(DnType::CommonName, cn);
            CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
        };
        let issuer = ca("mqttkit test CA");
        write("ca.pem", issuer.pem());
        write("other-ca.pem", ca("another CA").pem());
        let leaf = |names: Vec<String>, cn: &str, file: &str| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(names).unwrap();
            p.distinguished_name.push(DnType::CommonName, cn);
            let cert = p.signed_by(&key, &issuer).unwrap();
            write(&format!("{file}.pem"), cert.pem());
            write(&format!("{file}.key"), key.serialize_pem());
        };
        leaf(
            vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            "localhost",
            "server",
        );
        leaf(vec!["not-this-host.example".into()], "not-this-host.example", "wrong");
        leaf(vec!["mqttkit-client".into()], "mqttkit-client", "client");
        // Expired a year ago.
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        write("expired.pem", p.signed_by(&key, &issuer).unwrap().pem());
        write("expired.key", key.serialize_pem());
        Certs { dir }
    }
}
