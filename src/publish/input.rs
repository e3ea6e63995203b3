//! Reading payloads: whole files (`-f`), all of stdin (`-s`), and stdin or a
//! capture line by line (`-l`, `--jsonl`, `--replay`) on a reader thread that hands batches of
//! messages to the async producer, so a slow pipe never stalls the
//! connection and a fast file is not read one syscall per line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::jsonl::{self, Defaults, Tst};
use crate::codec::Codec;
use crate::exit;
use crate::mqtt::OutMessage;
use crate::progress;
use crate::settings::{MAX_PAYLOAD, Speed};

fn failure(message: String) -> anyhow::Error {
    exit::error(exit::Exit::Error, message)
}

/// `-f`: the whole file, binary-safe. Errors in mosquitto 2.1's words
/// (`Unable to read file "F": <reason>.`), under every name.
pub fn read_file(path: &Path) -> anyhow::Result<Bytes> {
    let shown = path.display();
    let unreadable = |why: String| {
        failure(format!(
            "Unable to read file \"{shown}\": {why}.\nError loading input file \"{shown}\"."
        ))
    };
    let too_big = || {
        failure(format!(
            "File must be less than {MAX_PAYLOAD} bytes.\n\nError loading input file \"{shown}\"."
        ))
    };
    let mut file = File::open(path).map_err(|e| unreadable(exit::strerror(&e)))?;
    let meta = file.metadata().map_err(|e| unreadable(exit::strerror(&e)))?;
    if meta.is_dir() {
        return Err(unreadable("Is a directory".into()));
    }
    if meta.len() > MAX_PAYLOAD as u64 {
        return Err(too_big());
    }
    let bar = progress::bytes(meta.len(), "reading");
    let mut buf = Vec::with_capacity(meta.len() as usize);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk).map_err(|e| unreadable(exit::strerror(&e)))?;
        if n == 0 {
            break;
        }
        if buf.len() + n > MAX_PAYLOAD {
            return Err(too_big());
        }
        buf.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(Bytes::from(buf))
}

/// `-s`: all of stdin as one payload.
pub fn read_stdin() -> anyhow::Result<Bytes> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_PAYLOAD as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| failure(format!("cannot read stdin: {e}.\nError loading input from stdin.")))?;
    if buf.is_empty() {
        return Err(failure("Zero length input.\nError loading input from stdin.".into()));
    }
    if buf.len() > MAX_PAYLOAD {
        return Err(failure(format!(
            "Message length must be less than {MAX_PAYLOAD} bytes.\n\nError loading input from stdin."
        )));
    }
    Ok(Bytes::from(buf))
}

/// Size of stdin when it is a regular file (for the progress bar).
fn stdin_file_size() -> Option<u64> {
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = File::from(fd).metadata().ok()?;
    meta.is_file().then_some(meta.len())
}

/// `--encode`: the payload read as JSON text and encoded (as it is without
/// `--encode`); `what` names where it came from in an error.
pub fn encoded(codec: Option<&Codec>, payload: Bytes, what: &str) -> anyhow::Result<Bytes> {
    let Some(codec) = codec else {
        return Ok(payload);
    };
    let value: serde_json::Value = serde_json::from_slice(&payload).map_err(|e| {
        exit::error(
            exit::Exit::Error,
            format!("{what}: not JSON ({e}), so nothing to --encode."),
        )
    })?;
    let bytes = codec.encode(&value).map_err(|e| {
        exit::error(
            exit::Exit::Error,
            format!("{what}: cannot encode as {}: {e}.", codec.name()),
        )
    })?;
    if bytes.len() > MAX_PAYLOAD {
        return Err(exit::error(
            exit::Exit::Error,
            format!("{what}: encoded, the message is longer than {MAX_PAYLOAD} bytes."),
        ));
    }
    Ok(Bytes::from(bytes))
}

/// One `-l` line as a payload: as it is, or `--encode`d from its JSON.
fn line_payload(line: &[u8], codec: Option<&Codec>, number: u64) -> anyhow::Result<Bytes> {
    let Some(codec) = codec else {
        return Ok(Bytes::copy_from_slice(line));
    };
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| anyhow::anyhow!("line {number} is not JSON ({e})"))?;
    let bytes = codec
        .encode(&value)
        .map_err(|e| anyhow::anyhow!("line {number}: cannot encode as {}: {e}", codec.name()))?;
    Ok(Bytes::from(bytes))
}

/// Where line input comes from.
#[derive(Debug, Clone)]
pub enum LineInput {
    Stdin,
    /// `--replay FILE`.
    File(PathBuf),
}

/// How a line becomes a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LineKind {
    /// `-l`: the line is the payload.
    Raw,
    /// `--jsonl`.
    Json,
    /// `--replay`: a `--jsonl` line paced by its `tst`.
    Replay(Speed),
}

/// A message of line input; in a paced replay, when it is due after the first.
pub struct Line {
    pub message: OutMessage,
    pub due: Option<Duration>,
}

/// Batches of messages from the input, one per line.
pub type Batches = mpsc::Receiver<anyhow::Result<Vec<Line>>>;

/// Start the reader thread.
pub fn spawn_reader(input: LineInput, kind: LineKind, defaults: Defaults) -> Batches {
    let (tx, rx) = mpsc::channel(8);
    std::thread::spawn(move || {
        let hand = |batch| tx.blocking_send(batch).is_ok();
        let lines = Lines::new(&input, kind, defaults);
        match &input {
            LineInput::Stdin => {
                let bar = progress::bytes(stdin_file_size().unwrap_or(0), "publishing");
                lines.pump(std::io::stdin().lock(), &bar, hand);
            }
            LineInput::File(path) => match File::open(path) {
                Ok(file) => {
                    let size = file.metadata().map_or(0, |m| m.len());
                    lines.pump(file, &progress::bytes(size, "publishing"), hand);
                }
                Err(e) => {
                    hand(Err(unreadable(path, &e)));
                }
            },
        }
    });
    rx
}

/// Read a `--replay` file through as the replay will, before connecting:
/// the first line that would stop it is the error, and nothing is sent.
pub fn check_replay(path: &Path, kind: LineKind, defaults: Defaults) -> anyhow::Result<()> {
    let file = File::open(path).map_err(|e| failure(format!("{:#}.", unreadable(path, &e))))?;
    let size = file.metadata().map_or(0, |m| m.len());
    let mut first_error = None;
    let lines = Lines::new(&LineInput::File(path.to_owned()), kind, defaults);
    lines.pump(file, &progress::bytes(size, "checking"), |batch| match batch {
        Ok(_) => true,
        Err(e) => {
            first_error = Some(e);
            false
        }
    });
    first_error.map_or(Ok(()), |e| Err(failure(format!("{e:#}."))))
}

fn unreadable(path: &Path, e: &std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot read --replay {}: {}", path.display(), exit::strerror(e))
}

/// Turns lines into messages, counting them for errors' words.
struct Lines {
    kind: LineKind,
    defaults: Defaults,
    /// What an error names the input by (`stdin`), and a line (`--jsonl line`).
    source: String,
    place: String,
    number: u64,
    /// A paced replay's first and latest `tst`.
    first: Option<Tst>,
    latest: Option<Tst>,
}

impl Lines {
    fn new(input: &LineInput, kind: LineKind, defaults: Defaults) -> Lines {
        let place = match (input, kind) {
            (LineInput::File(path), _) => format!("--replay {} line", path.display()),
            (LineInput::Stdin, LineKind::Replay(_)) => "--replay - line".into(),
            (LineInput::Stdin, LineKind::Json) => "--jsonl line".into(),
            (LineInput::Stdin, LineKind::Raw) => "line".into(),
        };
        let source = match input {
            LineInput::File(path) => format!("--replay {}", path.display()),
            LineInput::Stdin => "stdin".into(),
        };
        Lines {
            kind,
            defaults,
            source,
            place,
            number: 0,
            first: None,
            latest: None,
        }
    }

    /// Read `input` to its end (or an error) and hand over batches of
    /// messages; `hand` says whether to go on.
    fn pump(
        mut self,
        input: impl Read,
        bar: &indicatif::ProgressBar,
        mut hand: impl FnMut(anyhow::Result<Vec<Line>>) -> bool,
    ) {
        let mut reader = BufReader::with_capacity(1 << 16, input);
        let mut batch = Vec::with_capacity(256);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = match reader.read_until(b'\n', &mut line) {
                Ok(n) => n,
                Err(e) => {
                    hand(Err(anyhow::anyhow!(
                        "cannot read {}: {}",
                        self.source,
                        exit::strerror(&e)
                    )));
                    return;
                }
            };
            if n == 0 {
                break;
            }
            self.number += 1;
            bar.inc(n as u64);
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            match self.message(&line) {
                Ok(m) => batch.push(m),
                Err(e) => {
                    if !batch.is_empty() && !hand(Ok(std::mem::take(&mut batch))) {
                        return;
                    }
                    hand(Err(e));
                    return;
                }
            }
            // Hand over when the batch is full or the input has paused.
            if batch.len() >= 256 || reader.buffer().is_empty() {
                if !hand(Ok(std::mem::take(&mut batch))) {
                    return;
                }
                batch.reserve(256);
            }
        }
        bar.finish_and_clear();
        if !batch.is_empty() {
            hand(Ok(batch));
        }
    }

    fn message(&mut self, line: &[u8]) -> anyhow::Result<Line> {
        let number = self.number;
        let d = &self.defaults;
        let (message, tst) = match self.kind {
            LineKind::Raw if line.len() > MAX_PAYLOAD => {
                anyhow::bail!("line {number} is longer than {MAX_PAYLOAD} bytes")
            }
            LineKind::Raw => {
                let payload = line_payload(line, d.encode.as_ref(), number)?;
                let m = OutMessage {
                    topic: d.topic.clone().unwrap_or_default(),
                    payload,
                    qos: d.qos,
                    retain: d.retain,
                    props: d.props.clone(),
                };
                Ok((m, None))
            }
            LineKind::Json | LineKind::Replay(Speed::Max) => jsonl::parse(line, d).map(|m| (m, None)),
            LineKind::Replay(Speed::Times(_)) => jsonl::parse_timed(line, d),
        }
        .map_err(|e| e.context(format!("{} {number}", self.place)))?;
        let due = match self.kind {
            LineKind::Replay(Speed::Times(speed)) => Some(self.due(tst, speed)?),
            _ => None,
        };
        Ok(Line { message, due })
    }

    /// When a paced replay's current line is due after its first.
    fn due(&mut self, tst: Option<Tst>, speed: f64) -> anyhow::Result<Duration> {
        let (number, place) = (self.number, &self.place);
        let Some(tst) = tst else {
            anyhow::bail!("{place} {number} has no \"tst\" to pace it by (--speed max sends without one)");
        };
        if let Some(latest) = self.latest
            && tst < latest
        {
            anyhow::bail!(
                "{place} {number}: its \"tst\" {} is earlier than line {}'s, {}: the capture is out of time \
                 order (--speed max sends it in the file's order)",
                tst.to_rfc3339(),
                number - 1,
                latest.to_rfc3339()
            );
        }
        self.latest = Some(tst);
        let first = *self.first.get_or_insert(tst);
        let gap = (tst - first).to_std().unwrap_or_default();
        Ok(gap.div_f64(speed))
    }
}
