//! The password file: parsed whole before anything changes, every line kept
//! byte for byte (comments, blank lines, CRLF), and written back atomically —
//! a temporary file beside the real one (a symlink's target, not the link),
//! fsync'd and renamed over it, keeping its mode and owner — under a lock on
//! the directory so two concurrent runs cannot lose each other's change.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::exit;

/// One line of the file, with its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileLine {
    /// `user:password`; `user` is trimmed as the broker trims it. `raw` is
    /// the line as read, written back unless the entry changes.
    Entry {
        user: String,
        secret: String,
        eol: Vec<u8>,
        raw: Option<Vec<u8>>,
    },
    /// A comment or blank line, kept verbatim (ending included).
    Other(Vec<u8>),
}

/// A parsed password file.
#[derive(Debug, Clone)]
pub struct PwFile {
    lines: Vec<FileLine>,
    /// The line ending new lines get: the file's own (`\r\n` if it uses it).
    eol: Vec<u8>,
}

fn fail(message: String) -> anyhow::Error {
    exit::error(exit::Exit::Error, message)
}

impl Default for PwFile {
    /// An empty file whose lines end in `\n`.
    fn default() -> Self {
        PwFile {
            lines: Vec::new(),
            eol: b"\n".to_vec(),
        }
    }
}

impl PwFile {
    /// Parse; a line that is not `user:password` is an error naming it.
    pub fn parse(bytes: &[u8], name: &Path) -> anyhow::Result<PwFile> {
        let mut lines = Vec::new();
        let mut crlf = false;
        for (i, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
            let (content, eol) = match raw {
                [c @ .., b'\r', b'\n'] => {
                    crlf = true;
                    (c, b"\r\n".to_vec())
                }
                [c @ .., b'\n'] => (c, b"\n".to_vec()),
                c => (c, Vec::new()),
            };
            if content.iter().all(u8::is_ascii_whitespace) || content.first() == Some(&b'#') {
                lines.push(FileLine::Other(raw.to_vec()));
                continue;
            }
            let text = std::str::from_utf8(content)
                .map_err(|_| fail(format!("{} line {}: not valid UTF-8.", name.display(), i + 1)))?;
            let Some((user, rest)) = text.split_once(':') else {
                return Err(fail(format!(
                    "Corrupt password file at line {} of {}: expected user:password (the file is unchanged).",
                    i + 1,
                    name.display()
                )));
            };
            lines.push(FileLine::Entry {
                user: user.trim().to_string(),
                secret: rest.to_string(),
                eol,
                raw: Some(raw.to_vec()),
            });
        }
        Ok(PwFile {
            lines,
            eol: if crlf { b"\r\n".to_vec() } else { b"\n".to_vec() },
        })
    }

    /// The stored hash (or plaintext) of `user`.
    pub fn get(&self, user: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| match l {
            FileLine::Entry { user: u, secret, .. } if u == user => Some(secret.split(':').next().unwrap_or("").trim()),
            _ => None,
        })
    }

    /// Set `user`'s hash: in place if present, else a new line at the end.
    /// Returns true when the user was new.
    pub fn set(&mut self, user: &str, hash: String) -> bool {
        for l in &mut self.lines {
            if let FileLine::Entry {
                user: u, secret, raw, ..
            } = l
                && u == user
            {
                *secret = hash;
                *raw = None;
                return false;
            }
        }
        // The last line may lack an ending; give it one before appending.
        match self.lines.last_mut() {
            Some(FileLine::Entry { eol, raw, .. }) if eol.is_empty() => {
                *eol = self.eol.clone();
                if let Some(r) = raw {
                    r.extend_from_slice(&self.eol);
                }
            }
            Some(FileLine::Other(raw)) if !raw.ends_with(b"\n") => raw.extend_from_slice(&self.eol),
            _ => {}
        }
        self.lines.push(FileLine::Entry {
            user: user.to_string(),
            secret: hash,
            eol: self.eol.clone(),
            raw: None,
        });
        true
    }

    /// Remove `user`; false when there was no such user.
    pub fn delete(&mut self, user: &str) -> bool {
        let before = self.lines.len();
        self.lines
            .retain(|l| !matches!(l, FileLine::Entry { user: u, .. } if u == user));
        self.lines.len() != before
    }

    /// The stored secret of every entry (the password field, trimmed).
    pub fn secrets(&self) -> Vec<(usize, String)> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                FileLine::Entry { secret, .. } => Some((i, secret.split(':').next().unwrap_or("").trim().to_string())),
                FileLine::Other(_) => None,
            })
            .collect()
    }

    /// Replace the password field of the entry on line `index` (0-based).
    pub fn replace_secret(&mut self, index: usize, hash: String) {
        if let Some(FileLine::Entry { secret, raw, .. }) = self.lines.get_mut(index) {
            let extra = secret.split_once(':').map(|(_, e)| format!(":{e}")).unwrap_or_default();
            *secret = hash + &extra;
            *raw = None;
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for l in &self.lines {
            match l {
                FileLine::Entry { raw: Some(raw), .. } => out.extend_from_slice(raw),
                FileLine::Entry {
                    user,
                    secret,
                    eol,
                    raw: None,
                } => {
                    out.extend_from_slice(user.as_bytes());
                    out.push(b':');
                    out.extend_from_slice(secret.as_bytes());
                    out.extend_from_slice(eol);
                }
                FileLine::Other(raw) => out.extend_from_slice(raw),
            }
        }
        out
    }
}

/// A password file held under a lock while it is read, changed and written.
pub struct Locked {
    /// The real file (a symlink resolved).
    target: PathBuf,
    shown: PathBuf,
    _lock: File,
}

impl Locked {
    /// Lock the directory of `path` and resolve a symlink to its target
    /// (`create`: the file is to be made, which words errors differently).
    pub fn open(path: &Path, create: bool) -> anyhow::Result<Locked> {
        let target = match std::fs::canonicalize(path) {
            Ok(t) => t,
            // A new file: its directory must exist.
            Err(_) => {
                let dir = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let dir = std::fs::canonicalize(dir).map_err(|e| {
                    let (shown, why) = (path.display(), crate::exit::strerror(&e));
                    fail(if create {
                        format!("Unable to open file {shown} for writing. {why}.")
                    } else {
                        format!("Unable to open password file {shown}. {why}.")
                    })
                })?;
                dir.join(path.file_name().unwrap_or_default())
            }
        };
        let dir = target.parent().expect("an absolute path has a parent");
        let lock = File::open(dir).with_context(|| format!("cannot open {} to lock it", dir.display()))?;
        lock.lock().with_context(|| format!("cannot lock {}", dir.display()))?;
        Ok(Locked {
            target,
            shown: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The file's bytes, or `None` when it does not exist.
    pub fn read(&self) -> anyhow::Result<Option<Vec<u8>>> {
        match std::fs::read(&self.target) {
            Ok(b) => {
                self.warn_if_world_readable();
                Ok(Some(b))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(fail(format!(
                "Unable to open password file {}. {}.",
                self.shown.display(),
                crate::exit::strerror(&e)
            ))),
        }
    }

    /// mosquitto 2.1's warning about a file others may read (the broker
    /// says the same when it loads it); the file keeps its mode.
    fn warn_if_world_readable(&self) {
        let mode = std::fs::metadata(&self.target).map_or(0, |m| m.permissions().mode());
        if mode & 0o007 != 0 {
            let shown = self.target.display();
            crate::exit::eprint_line(format_args!(
                "Warning: File {shown} has world readable permissions. Future versions will refuse to load this file.\n\
                 To fix this, use `chmod 0700 {shown}`."
            ));
        }
    }

    /// Replace the file with `bytes`, atomically. On any error the old file
    /// is untouched.
    pub fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let dir = self.target.parent().expect("absolute");
        let err = |e: std::io::Error| {
            fail(format!(
                "Unable to write {}: {} (the file is unchanged).",
                self.shown.display(),
                crate::exit::strerror(&e)
            ))
        };
        let old = std::fs::metadata(&self.target).ok();
        let mut tmp = tempfile::Builder::new()
            .prefix(".mqtt-passwd.")
            .tempfile_in(dir)
            .map_err(err)?;
        tmp.write_all(bytes).map_err(err)?;
        let mode = old.as_ref().map_or(0o600, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
        if let Some(m) = &old {
            // Keep the owner (and group) a broker may rely on; allowed for root or the owner.
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
        }
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&self.target).map_err(|e| err(e.error))?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blank_lines_and_crlf_survive() {
        let text = b"# users\r\nalice:x\r\n\r\n bob :y:extra\r\n";
        let mut f = PwFile::parse(text, Path::new("f")).unwrap();
        assert_eq!(f.get("bob"), Some("y"));
        assert!(f.set("carol", "z".into()));
        assert!(!f.set("alice", "x2".into()));
        assert_eq!(f.to_bytes(), b"# users\r\nalice:x2\r\n\r\n bob :y:extra\r\ncarol:z\r\n");
        assert!(f.delete("alice") && !f.delete("nobody"));
    }

    #[test]
    fn a_new_file_ends_its_lines() {
        let mut f = PwFile::default();
        f.set("a", "1".into());
        assert_eq!(f.to_bytes(), b"a:1\n");
    }

    #[test]
    fn a_missing_final_newline_is_added_before_appending() {
        let mut f = PwFile::parse(b"a:1", Path::new("f")).unwrap();
        f.set("b", "2".into());
        assert_eq!(f.to_bytes(), b"a:1\nb:2\n");
    }

    #[test]
    fn unparsable_lines_are_errors_with_their_number() {
        let e = PwFile::parse(b"a:1\nnot a user line\n", Path::new("pw")).unwrap_err();
        assert!(e.to_string().contains("line 2 of pw"), "{e}");
    }
}
