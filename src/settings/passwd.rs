//! mqtt-passwd's settings: the mode, its file/user/password, the hash —
//! validated with mosquitto_passwd's messages (docs/mosquitto-compatibility.md).

use std::path::PathBuf;

use super::number::parse_int;
use crate::cli::PasswdArgs;
use crate::exit::{self, Exit};

/// The default PBKDF2 iteration count of mqtt-passwd (OWASP's advice for
/// PBKDF2-HMAC-SHA512).
pub const DEFAULT_ITERATIONS: u32 = 210_000;

/// The default under the name mosquitto_passwd: mosquitto 2.1.2's.
pub const MOSQUITTO_ITERATIONS: u32 = 1_000;

/// The file name that means standard output with `-c` (mosquitto 2.1).
pub const STDOUT: &str = "-";

/// Which hash to write (`-H`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// `$7$`.
    Pbkdf2 { iterations: u32 },
    /// `$6$`.
    Sha512,
    /// `$argon2id$` (mosquitto 2.1 brokers only).
    Argon2id,
}

/// Where the password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordFrom {
    /// `-b`: the command line.
    Argv(Vec<u8>),
    /// Typed twice at `Password:` / `Reenter password:` (once for --verify).
    Prompt,
    /// `--stdin`: one line of stdin.
    Stdin,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswdMode {
    /// Add or update USER (`create`: a new file, `-c`).
    Set {
        file: PathBuf,
        user: String,
        password: PasswordFrom,
        create: bool,
    },
    Delete {
        file: PathBuf,
        user: String,
    },
    /// `-U`: hash every plaintext password.
    Upgrade {
        file: PathBuf,
    },
    Verify {
        file: PathBuf,
        user: String,
        password: PasswordFrom,
    },
    /// `--print`: the line on stdout.
    Print {
        user: String,
        password: PasswordFrom,
    },
}

#[derive(Debug, Clone)]
pub struct PasswdSettings {
    pub mode: PasswdMode,
    pub kind: HashKind,
}

fn fail(message: impl Into<String>) -> anyhow::Error {
    exit::error(Exit::Error, message)
}

fn check_user(user: &str) -> anyhow::Result<()> {
    if user.contains(':') {
        return Err(fail("Username must not contain the ':' character."));
    }
    if user.chars().any(char::is_control) {
        return Err(fail("Username must not contain control characters."));
    }
    if user.len() >= 65536 {
        return Err(fail("Username must be less than 65536 characters long."));
    }
    Ok(())
}

impl PasswdSettings {
    pub fn from_args(a: PasswdArgs, mosquitto_wording: bool) -> anyhow::Result<PasswdSettings> {
        let default_iterations = if mosquitto_wording {
            MOSQUITTO_ITERATIONS
        } else {
            DEFAULT_ITERATIONS
        };
        let kind = hash_kind(&a, default_iterations)?;
        exclusive(&a)?;
        let mode = mode(&a, mosquitto_wording)?;
        if kind == HashKind::Argon2id && mosquitto_wording {
            // mosquitto 2.1.2 is built without argon2: its tool cannot write
            // such a hash, nor its broker read one.
            return Err(exit::error(Exit::NotSupported, "Unable to hash password."));
        }
        Ok(PasswdSettings { mode, kind })
    }
}

/// `-H` and `-I`.
fn hash_kind(a: &PasswdArgs, default_iterations: u32) -> anyhow::Result<HashKind> {
    Ok(match a.hash.as_deref() {
        None | Some("sha512-pbkdf2") => {
            let iterations = match a.iterations.as_deref() {
                None => default_iterations,
                Some(i) => parse_int::<u32>(i)
                    .filter(|i| *i > 0)
                    .ok_or_else(|| fail("Number of iterations must be > 0."))?,
            };
            HashKind::Pbkdf2 { iterations }
        }
        Some("sha512") => HashKind::Sha512,
        Some("argon2id") => HashKind::Argon2id,
        Some(other) => return Err(fail(format!("Unknown hash type '{other}'"))),
    })
}

/// Modes that exclude each other, in mosquitto_passwd's words.
fn exclusive(a: &PasswdArgs) -> anyhow::Result<()> {
    for (on, a_flag, b_on, b_flag) in [
        (a.create, "-c", a.delete, "-D"),
        (a.create, "-c", a.upgrade, "-U"),
        (a.delete, "-D", a.upgrade, "-U"),
        (a.batch, "-b", a.delete, "-D"),
        (a.verify, "--verify", a.create || a.delete || a.upgrade, "-c, -D and -U"),
        (
            a.print,
            "--print",
            a.create || a.delete || a.upgrade || a.verify,
            "-c, -D, -U and --verify",
        ),
    ] {
        if on && b_on {
            return Err(fail(format!("{a_flag} and {b_flag} cannot be used together.")));
        }
    }
    Ok(())
}

/// Where the password comes from; with `-b`, the argument after USER.
fn password(a: &PasswdArgs, rest: &[String]) -> anyhow::Result<PasswordFrom> {
    Ok(if a.batch {
        let pw = rest.first().expect("counted");
        if pw.len() >= 65536 {
            return Err(fail("Password must be less than 65536 characters long."));
        }
        PasswordFrom::Argv(pw.as_bytes().to_vec())
    } else if a.stdin {
        PasswordFrom::Stdin
    } else {
        PasswordFrom::Prompt
    })
}

/// The mode and its file, user and password, from the arguments left.
fn mode(a: &PasswdArgs, mosquitto_wording: bool) -> anyhow::Result<PasswdMode> {
    let n = a.args.len();
    let want_password = usize::from(a.batch);
    // mosquitto_passwd prints its usage, and nothing else.
    let usage = || {
        if mosquitto_wording {
            exit::usage_text("")
        } else {
            fail("wrong number of arguments; see 'mqtt-passwd --help'.")
        }
    };
    Ok(if a.upgrade {
        let [file] = a.args.as_slice() else {
            return Err(fail("-U argument given but password file missing."));
        };
        if file == STDOUT {
            return Err(fail("'-' (standard output) can only be the file of -c."));
        }
        PasswdMode::Upgrade {
            file: PathBuf::from(file),
        }
    } else if a.print {
        if n != 1 + want_password {
            return Err(usage());
        }
        check_user(&a.args[0])?;
        PasswdMode::Print {
            user: a.args[0].clone(),
            password: password(a, &a.args[1..])?,
        }
    } else {
        if n != 2 + want_password {
            return Err(match (a.create, a.delete, a.batch) {
                (true, _, true) => fail("-c argument given but password file, username, or password missing."),
                (true, _, false) => fail("-c argument given but password file or username missing."),
                (_, true, _) => fail("-D argument given but password file or username missing."),
                _ => usage(),
            });
        }
        let (file, user) = (PathBuf::from(&a.args[0]), a.args[1].clone());
        check_user(&user)?;
        if a.args[0] == STDOUT {
            // `-c -`: the new file is written to stdout (mosquitto 2.1); a
            // file named `-` is never written, nor read for an update.
            if !a.create || a.verify {
                return Err(fail("'-' (standard output) can only be the file of -c."));
            }
            return Ok(PasswdMode::Print {
                user,
                password: password(a, &a.args[2..])?,
            });
        }
        if a.delete {
            PasswdMode::Delete { file, user }
        } else if a.verify {
            PasswdMode::Verify {
                file,
                user,
                password: password(a, &a.args[2..])?,
            }
        } else {
            PasswdMode::Set {
                file,
                user,
                password: password(a, &a.args[2..])?,
                create: a.create,
            }
        }
    })
}
