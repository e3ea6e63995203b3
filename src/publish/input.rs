//! Reading payloads: whole files (`-f`), all of stdin (`-s`), and stdin line
//! by line (`-l`, `--jsonl`) on a reader thread that hands batches of
//! messages to the async producer, so a slow pipe never stalls the
//! connection and a fast file is not read one syscall per line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::AsFd;
use std::path::Path;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::jsonl::{self, Defaults};
use crate::codec::Codec;
use crate::exit;
use crate::mqtt::OutMessage;
use crate::progress;
use crate::settings::MAX_PAYLOAD;

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

/// Batches of messages from stdin, one per line (or per JSON line).
pub type Batches = mpsc::Receiver<anyhow::Result<Vec<OutMessage>>>;

/// Start the reader thread.
pub fn spawn_reader(json: bool, defaults: Defaults) -> Batches {
    let (tx, rx) = mpsc::channel(8);
    std::thread::spawn(move || {
        let bar = progress::bytes(stdin_file_size().unwrap_or(0), "publishing");
        let mut reader = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
        let mut batch = Vec::with_capacity(256);
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let n = match reader.read_until(b'\n', &mut line) {
                Ok(n) => n,
                Err(e) => {
                    let _ = tx.blocking_send(Err(anyhow::anyhow!("cannot read stdin: {e}")));
                    return;
                }
            };
            if n == 0 {
                break;
            }
            number += 1;
            bar.inc(n as u64);
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            let msg = if json {
                jsonl::parse(&line, &defaults).map_err(|e| e.context(format!("--jsonl line {number}")))
            } else if line.len() > MAX_PAYLOAD {
                Err(anyhow::anyhow!("line {number} is longer than {MAX_PAYLOAD} bytes"))
            } else {
                line_payload(&line, defaults.encode.as_ref(), number).map(|payload| OutMessage {
                    topic: defaults.topic.clone().unwrap_or_default(),
                    payload,
                    qos: defaults.qos,
                    retain: defaults.retain,
                    props: defaults.props.clone(),
                })
            };
            match msg {
                Ok(m) => batch.push(m),
                Err(e) => {
                    if !batch.is_empty() {
                        let _ = tx.blocking_send(Ok(std::mem::take(&mut batch)));
                    }
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
            // Hand over when the batch is full or the input has paused.
            if batch.len() >= 256 || reader.buffer().is_empty() {
                if tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err() {
                    return;
                }
                batch.reserve(256);
            }
        }
        bar.finish_and_clear();
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
    });
    rx
}
