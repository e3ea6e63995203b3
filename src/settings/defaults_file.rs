//! mosquitto's defaults file: `$XDG_CONFIG_HOME/<program>`, else
//! `$HOME/.config/<program>`, or the file named by `-o`. One option per line;
//! `#` in column 0 starts a comment; the option is the first word and the
//! value is the rest of the line, verbatim (inner and trailing spaces kept).
//! The file's options come before argv, so the command line overrides them.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Context;

use crate::exit::Program;
use crate::usage;

/// The argv tokens the defaults file contributes (empty when there is none).
pub fn load(program: &Program, args: &[OsString]) -> anyhow::Result<Vec<OsString>> {
    let explicit = options_file_arg(args)?;
    let path = match &explicit {
        Some(p) => PathBuf::from(p),
        None => match default_path(&program.name) {
            Some(p) => p,
            None => return Ok(Vec::new()),
        },
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        // mosquitto 2.1 goes on without a `-o` file it cannot open; under
        // our names a file named on the command line must be there.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && (explicit.is_none() || program.mosquitto_wording()) => {
            return Ok(Vec::new());
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read options file {}", path.display()));
        }
    };
    Ok(without_what_a_url_sets(lines(&bytes), args)
        .into_iter()
        .flat_map(|(opt, value)| std::iter::once(opt).chain(value))
        .collect())
}

/// The file's options that a `-L URL` on the command line replaces: the
/// file is read first, so mosquitto's later `-L` sets host and port (and the
/// user and password when the URL has them) over the file's. (Between
/// options on the command line itself, an explicit `-h`/`-p` wins: clap does
/// not keep their order.)
fn without_what_a_url_sets(file: Vec<Entry>, args: &[OsString]) -> Vec<Entry> {
    let url = args
        .windows(2)
        .filter(|w| w[0] == "-L" || w[0] == "--url")
        .map(|w| w[1].to_string_lossy().into_owned())
        .next_back();
    let Some(url) = url else {
        return file;
    };
    let mut replaced = vec!["-h", "--host", "-p", "--port", "--unix"];
    // (A URL that does not parse is reported as such later.)
    if super::conn::parse_url(&url).is_ok_and(|u| u.has_credentials()) {
        replaced.extend(["-u", "--username", "-P", "--pw"]);
    }
    file.into_iter()
        .filter(|(opt, _)| !replaced.iter().any(|r| opt == *r))
        .collect()
}

/// One line of the file: the option and the rest of the line, if any.
type Entry = (OsString, Option<OsString>);

/// The value of `-o FILE` on the command line, which replaces the default file.
fn options_file_arg(args: &[OsString]) -> anyhow::Result<Option<OsString>> {
    let mut found = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-o" {
            let Some(value) = it.next() else {
                return Err(usage!("-o argument given but no options file specified.\n"));
            };
            if found.is_some() {
                return Err(usage!("Duplicate -o argument given.\n"));
            }
            found = Some(value.clone());
        }
    }
    Ok(found)
}

fn default_path(program: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join(program));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".config").join(program))
}

/// Split the file into lines of argv: the option and (if any) the rest of
/// the line as one value.
fn lines(bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    for raw in bytes.split(|&b| b == b'\n') {
        let mut line = raw;
        while let [rest @ .., b'\r' | b'\n'] = line {
            line = rest;
        }
        if line.first() == Some(&b'#') {
            continue;
        }
        let start = line.iter().position(|&b| b != b' ').unwrap_or(line.len());
        let line = &line[start..];
        if line.is_empty() {
            continue;
        }
        let (opt, value) = match line.iter().position(|&b| b == b' ') {
            Some(sp) => (&line[..sp], Some(&line[sp + 1..])),
            None => (line, None),
        };
        out.push((os(opt), value.filter(|v| !v.is_empty()).map(os)));
    }
    out
}

fn os(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_os_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_rest_of_line_verbatim() {
        let t = lines(b"# comment\n-t cfg/topic \n\n  -m hello world  with  spaces\r\n-d\n");
        let line = |o: &str, v: Option<&str>| (OsString::from(o), v.map(OsString::from));
        assert_eq!(
            t,
            vec![
                line("-t", Some("cfg/topic ")),
                line("-m", Some("hello world  with  spaces")),
                line("-d", None),
            ]
        );
    }

    #[test]
    fn a_url_on_the_command_line_replaces_the_files_host_and_port() {
        let file = lines(b"-h filehost\n-p 1884\n-q 1\n-u me\n");
        let opts = |l: Vec<Entry>| l.into_iter().map(|(o, _)| o).collect::<Vec<_>>();
        let args: Vec<OsString> = ["-L", "mqtt://h:1/t"].iter().map(OsString::from).collect();
        assert_eq!(opts(without_what_a_url_sets(file.clone(), &args)), ["-q", "-u"]);
        let args: Vec<OsString> = ["-L", "mqtt://u:p@h/t"].iter().map(OsString::from).collect();
        assert_eq!(opts(without_what_a_url_sets(file.clone(), &args)), ["-q"]);
        assert_eq!(without_what_a_url_sets(file.clone(), &[]), file);
    }

    #[test]
    fn dash_o_is_found_and_checked() {
        let args: Vec<OsString> = ["-t", "x", "-o", "f"].iter().map(OsString::from).collect();
        assert_eq!(options_file_arg(&args).unwrap(), Some(OsString::from("f")));
        let dup: Vec<OsString> = ["-o", "a", "-o", "b"].iter().map(OsString::from).collect();
        assert!(options_file_arg(&dup).is_err());
    }
}
