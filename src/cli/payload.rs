//! The single-payload option group shared by mqtt-pub and mqtt-rr.

use clap::{ArgAction, Args};

/// Where one payload comes from: exactly one of these (mqtt-pub adds -l and --jsonl).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Message (exactly one of these)")]
pub struct PayloadArgs {
    /// Send MESSAGE as the payload
    #[arg(short = 'm', long = "message", value_name = "MESSAGE", action = ArgAction::Append, allow_hyphen_values = true)]
    pub message: Vec<String>,

    /// Send the whole of FILE as the payload (binary-safe)
    #[arg(short = 'f', long = "file", value_name = "FILE", action = ArgAction::Append, allow_hyphen_values = true)]
    pub file: Vec<String>,

    /// Send all of stdin as one payload (binary-safe)
    #[arg(short = 's', long = "stdin-file", action = ArgAction::Count)]
    pub stdin_file: u8,

    /// Send an empty (zero-length) payload
    #[arg(short = 'n', long = "null-message", action = ArgAction::Count)]
    pub null_message: u8,
}
