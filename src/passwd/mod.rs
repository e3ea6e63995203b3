//! mqtt-passwd: create and maintain mosquitto password files without ever
//! losing a line of them.

mod file;
pub mod hash;

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::exit::{Exit, Program, error, warning};
use crate::settings::{PasswdMode, PasswdSettings, PasswordFrom};
use file::Locked;
pub(crate) use file::PwFile;
use hash::HashKind;

/// Entry point of `mqtt-passwd`.
pub fn run(s: PasswdSettings, _program: &Program) -> anyhow::Result<()> {
    match s.mode {
        PasswdMode::Print { user, password } => {
            let pw = password_for(&password, true)?;
            let line = format!("{user}:{}\n", hash::hash(&pw, s.kind));
            std::io::stdout().lock().write_all(line.as_bytes())?;
        }
        PasswdMode::Set {
            file,
            user,
            password,
            create,
        } => set(&file, &user, &password, create, s.kind)?,
        PasswdMode::Delete { file, user } => {
            let locked = Locked::open(&file, false)?;
            let mut pwfile = existing(&locked, &file)?;
            if !pwfile.delete(&user) {
                return Err(warning(Exit::Error, format!("User {user} not found in password file.")));
            }
            locked.write(&pwfile.to_bytes())?;
        }
        PasswdMode::Upgrade { file } => upgrade(&file, s.kind)?,
        PasswdMode::Verify { file, user, password } => verify(&file, &user, &password)?,
    }
    Ok(())
}

/// Add or update `user` (`create`: in a new file, `-c`).
fn set(file: &Path, user: &str, password: &PasswordFrom, create: bool, kind: HashKind) -> anyhow::Result<()> {
    // Ask before locking: a person may take their time typing.
    let pw = password_for(password, true)?;
    let locked = Locked::open(file, create)?;
    let mut pwfile = match (locked.read()?, create) {
        (Some(_), true) => {
            return Err(error(
                Exit::Error,
                format!(
                    "Unable to open file {} for writing. File exists.",
                    // As mosquitto_passwd says it: the full path.
                    std::fs::canonicalize(file)
                        .unwrap_or_else(|_| file.to_path_buf())
                        .display()
                ),
            ));
        }
        (None, false) => {
            return Err(error(
                Exit::Error,
                format!(
                    "Unable to open password file {}. No such file or directory.",
                    file.display()
                ),
            ));
        }
        (Some(bytes), false) => PwFile::parse(&bytes, file)?,
        (None, true) => PwFile::default(),
    };
    let added = pwfile.set(user, hash::hash(&pw, kind));
    locked.write(&pwfile.to_bytes())?;
    // mosquitto 2.1 says which it did, on stdout (once the file is written, here).
    let did = if added { "Adding" } else { "Updating" };
    writeln!(std::io::stdout().lock(), "{did} password for user {user}")?;
    Ok(())
}

/// `-U`: hash every plaintext password (hashed entries are kept).
fn upgrade(file: &Path, kind: HashKind) -> anyhow::Result<()> {
    let locked = Locked::open(file, false)?;
    let mut pwfile = existing(&locked, file)?;
    let plain: Vec<(usize, String)> = pwfile
        .secrets()
        .into_iter()
        .filter(|(_, secret)| !hash::is_hash(secret))
        .collect();
    for (index, hashed) in hash_all(plain, kind) {
        pwfile.replace_secret(index, hashed);
    }
    locked.write(&pwfile.to_bytes())
}

/// `--verify`: Ok when `user`'s password matches.
fn verify(file: &Path, user: &str, password: &PasswordFrom) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|e| {
        error(
            Exit::Error,
            format!("Unable to open password file {}. {e}.", file.display()),
        )
    })?;
    let pwfile = PwFile::parse(&bytes, file)?;
    let pw = password_for(password, false)?;
    let Some(stored) = pwfile.get(user) else {
        return Err(warning(Exit::Error, format!("User {user} not found in password file.")));
    };
    match hash::verify(&pw, stored) {
        Some(true) => Ok(()),
        Some(false) => Err(error(Exit::Error, format!("The password for {user} does not match."))),
        None => Err(error(
            Exit::Error,
            format!("The entry for {user} is not a $6$, $7$ or $argon2id$ hash (mosquitto cannot use it)."),
        )),
    }
}

fn existing(locked: &Locked, file: &std::path::Path) -> anyhow::Result<PwFile> {
    match locked.read()? {
        Some(bytes) => PwFile::parse(&bytes, file),
        None => Err(error(
            Exit::Error,
            format!(
                "Unable to open password file {}. No such file or directory.",
                file.display()
            ),
        )),
    }
}

/// Hash the plaintext passwords on every core (210,000 iterations each).
fn hash_all(plain: Vec<(usize, String)>, kind: HashKind) -> Vec<(usize, String)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(plain.len().max(1));
    let chunk = plain.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = plain
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(i, pw)| (*i, hash::hash(pw.as_bytes(), kind)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("hashing thread"))
            .collect()
    })
}

/// The password, from argv, stdin, or typed (twice when `confirm`).
fn password_for(from: &PasswordFrom, confirm: bool) -> anyhow::Result<Vec<u8>> {
    let pw = match from {
        PasswordFrom::Argv(pw) => return Ok(pw.clone()),
        PasswordFrom::Stdin => read_line(&mut std::io::stdin().lock())?,
        PasswordFrom::Prompt => {
            let first = prompt("Password: ")?;
            if first.is_empty() {
                return Err(error(Exit::Error, "Empty password."));
            }
            if confirm && prompt("Reenter password: ")? != first {
                return Err(error(Exit::PasswordsDiffer, "Passwords do not match."));
            }
            first
        }
    };
    if pw.is_empty() {
        return Err(error(Exit::Error, "Empty password."));
    }
    if pw.len() >= 65536 {
        return Err(error(Exit::Error, "Password must be less than 65536 characters long."));
    }
    Ok(pw)
}

/// One line without its `\r\n`/`\n`; empty at end of input.
fn read_line(r: &mut impl BufRead) -> anyhow::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(line)
}

/// Ask on the terminal without echo; on a pipe, read a line as mosquitto_passwd does.
fn prompt(text: &str) -> anyhow::Result<Vec<u8>> {
    if std::io::stdin().is_terminal() {
        let pw = rpassword::prompt_password(text)?;
        return Ok(pw.into_bytes());
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    let line = read_line(&mut std::io::stdin().lock())?;
    out.write_all(b"\n")?;
    Ok(line)
}
