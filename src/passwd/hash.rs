//! mosquitto's password hashes: `$6$` SHA-512(password ‖
//! salt), `$7$` PBKDF2-HMAC-SHA512 and mosquitto 2.1's `$argon2id$` PHC
//! strings. Salts and hashes are standard base64 with padding (`$6$`/`$7$`)
//! or without (argon2id); comparison is constant-time.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

pub use crate::settings::HashKind;

/// 12-byte salts: the form mosquitto 2.0 brokers accept (2.0 rejects 2.1's 64).
const SALT_LEN: usize = 12;
/// mosquitto 2.1's argon2id parameters.
const ARGON2_M: u32 = 47104;
const ARGON2_T: u32 = 1;
const ARGON2_P: u32 = 1;
const ARGON2_LEN: usize = 64;

fn salt(len: usize) -> Vec<u8> {
    let mut s = vec![0u8; len];
    getrandom::fill(&mut s).expect("the operating system's random source");
    s
}

fn pbkdf2(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 64] {
    let mut out = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
    out
}

fn sha512(password: &[u8], salt: &[u8]) -> Vec<u8> {
    let mut h = Sha512::new();
    h.update(password);
    h.update(salt);
    h.finalize().to_vec()
}

fn argon2id(password: &[u8], salt: &[u8], m: u32, t: u32, p: u32, len: usize) -> Option<Vec<u8>> {
    let params = argon2::Params::new(m, t, p, Some(len)).ok()?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = vec![0u8; len];
    a.hash_password_into(password, salt, &mut out).ok()?;
    Some(out)
}

/// Hash `password` with a fresh random salt: the text after `user:`.
pub fn hash(password: &[u8], kind: HashKind) -> String {
    match kind {
        HashKind::Pbkdf2 { iterations } => {
            let s = salt(SALT_LEN);
            let h = pbkdf2(password, &s, iterations);
            format!("$7${iterations}${}${}", STANDARD.encode(&s), STANDARD.encode(h))
        }
        HashKind::Sha512 => {
            let s = salt(SALT_LEN);
            format!("$6${}${}", STANDARD.encode(&s), STANDARD.encode(sha512(password, &s)))
        }
        HashKind::Argon2id => {
            let s = salt(64);
            let h = argon2id(password, &s, ARGON2_M, ARGON2_T, ARGON2_P, ARGON2_LEN).expect("valid argon2 parameters");
            format!(
                "$argon2id$v=19$m={ARGON2_M},t={ARGON2_T},p={ARGON2_P}${}${}",
                STANDARD_NO_PAD.encode(&s),
                STANDARD_NO_PAD.encode(h)
            )
        }
    }
}

/// Is `encoded` one of the hash formats (as opposed to a plaintext password)?
pub fn is_hash(encoded: &str) -> bool {
    encoded.starts_with("$6$") || encoded.starts_with("$7$") || encoded.starts_with("$argon2id$")
}

/// Does `password` match `encoded`? `None` when `encoded` is not a hash
/// this toolkit can read.
pub fn verify(password: &[u8], encoded: &str) -> Option<bool> {
    let parts: Vec<&str> = encoded.split('$').collect();
    let computed_matches = |expected: &[u8], computed: &[u8]| bool::from(expected.ct_eq(computed));
    match parts.as_slice() {
        ["", "6", salt, hash] => {
            let (salt, hash) = (STANDARD.decode(salt).ok()?, STANDARD.decode(hash).ok()?);
            Some(computed_matches(&hash, &sha512(password, &salt)))
        }
        ["", "7", iterations, salt, hash] => {
            let iterations: u32 = iterations.parse().ok().filter(|i| *i >= 1)?;
            let (salt, hash) = (STANDARD.decode(salt).ok()?, STANDARD.decode(hash).ok()?);
            if hash.len() != 64 {
                return None;
            }
            Some(computed_matches(&hash, &pbkdf2(password, &salt, iterations)))
        }
        ["", "argon2id", version, params, salt, hash] => {
            if *version != "v=19" {
                return None;
            }
            let mut m = None;
            let mut t = None;
            let mut p = None;
            for kv in params.split(',') {
                match kv.split_once('=')? {
                    ("m", v) => m = v.parse().ok(),
                    ("t", v) => t = v.parse().ok(),
                    ("p", v) => p = v.parse().ok(),
                    _ => return None,
                }
            }
            let (salt, hash) = (STANDARD_NO_PAD.decode(salt).ok()?, STANDARD_NO_PAD.decode(hash).ok()?);
            let computed = argon2id(password, &salt, m?, t?, p?, hash.len())?;
            Some(computed_matches(&hash, &computed))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference §4.4: vectors written by mosquitto_passwd 2.0.11 and 2.1.
    #[test]
    fn known_answers() {
        let vectors: &[(&str, &str)] = &[
            (
                "password1",
                "$7$101$O5MQ2uo2m4r0rOo5$525nAL9jyPxsY/Enk4te+j6qziTxhXm5pR7tyfgg6Z+usYoTIsd6R5sZU5dTB3TwwlzfWcYpqWHYbgOwLlUotg==",
            ),
            (
                "password2",
                "$6$g5Lf3tZnhoiJnowD$/qtrOSbeVpItd1TWJ/EqxzrWhMUWwTIVJX5Apj/CkDaVsF8UkUB+HjsrohFR9pyWWO8d7GsMCV/RG09h328V5g==",
            ),
            (
                "pässwörd",
                "$7$1000$PXLZr9Ndfq6KVnKE$VnaWKD9fdUZDbufUDdDJl0G8qcWvJTlDVX0JKUGbyfBtvlrHEZF4GVaYIQjOB6KaQcxjQN25m5qUuADRDo1miA==",
            ),
            (
                "x",
                "$7$1$b/kfHUcQPnha4rdu$C4J1r5t+es6BXTWHEYPm9uRpTBHWN4BpuK3LxXgth/oX33hVqj/QTaV8aux6txlNZRftgCI9ZiAcCX3hsT7Aig==",
            ),
            (
                "newpass",
                "$argon2id$v=19$m=47104,t=1,p=1$npNlrcGZQ+yaVObdKLSSK1u82QP3puKEc6nhwEVYdZEhWFsWWTFneDxfFWXE1oL491eeD2QaGVpwO45Q/BQSDg$3WtQgj9dGonuV0SBrf9htajQBavBAAfkc7BhZdN7nCZIyYfRHSQGJxNt9kuoErWodJnOA12Et6FNuwwLyTwUYA",
            ),
            (
                "password1",
                "$7$210000$FBGywWsruoknyr5lMPdtJcAcrLqXOd7g36VimfE/sS45FiW8vK+HZldebs5Vmxq7HEyAuUAWT5zoP2yON/elvw==$NLG+Cr36my9QdagOwIxha9a+mK0IXFFgn16N/FUyHoMrucRtFvon9PLOQU/DWnQlhNmX0E3xE26HSjySXzzPWw==",
            ),
            (
                "password1",
                "$6$4ZJu6mMSnLB/fNylAdfOB9A7NEUqVwqavVBjd1dsLGo1qkC+KvmQuZUydu3lVwFXkj24ILewXnLN1g/roH04fg==$C+D5Wc6us5T7nyOeFGPHbGNkEgfjHuBBpDY1pFU8hXIVLNQA+bLDU3rYZLeKAnBAJS4yKHOna+URUdAyERB40A==",
            ),
            (
                "password1",
                "$7$1000$4Ihq4FG5y+kI1xLGwajYv7vXFvFuFrtqlWkZpXaZVUtQbT2knTQVX/FywyoNvocYAUVC2EW3Gs8iKPZE2nFDxw==$1zWftByrjiygUnSpIIUD9hOZafBh+C14dKf5Sx0L8EecSXgkf0zF8+DdRxq7jrhbWH1N7QWTV9HXfr42LGS0KQ==",
            ),
        ];
        for (password, encoded) in vectors {
            assert_eq!(verify(password.as_bytes(), encoded), Some(true), "{encoded}");
            assert_eq!(verify(b"wrong", encoded), Some(false), "{encoded}");
        }
    }

    #[test]
    fn written_hashes_verify_and_have_mosquitto_20_shapes() {
        let h = hash(b"secret", HashKind::Pbkdf2 { iterations: 1000 });
        let parts: Vec<&str> = h.split('$').collect();
        assert_eq!(
            (parts[1], parts[2], parts[3].len(), parts[4].len()),
            ("7", "1000", 16, 88)
        );
        assert_eq!(verify(b"secret", &h), Some(true));
        let h = hash(b"secret", HashKind::Sha512);
        assert!(h.starts_with("$6$") && h.split('$').nth(2).unwrap().len() == 16);
        assert_eq!(verify(b"secret", &h), Some(true));
        let h = hash(b"secret", HashKind::Argon2id);
        assert!(h.starts_with("$argon2id$v=19$m=47104,t=1,p=1$"));
        assert_eq!(verify(b"secret", &h), Some(true));
        assert_eq!(verify(b"secret", "plaintext"), None);
        assert_eq!(verify(b"secret", "$7$0$AAAA$AAAA"), None);
    }
}
