//! `mqtt-passwd`: the arguments of the mosquitto_passwd-compatible tool.

use clap::{ArgAction, Parser};

/// Create and maintain mosquitto password files.
///
/// The whole file is read first: comments, blank lines, CRLF line endings and
/// every other line are kept byte for byte; a line that is not `user:password`
/// stops the run with its number and the file untouched. Updates are atomic
/// (a temporary file renamed over the original, which keeps its mode and
/// owner; new files are 0600) and locked against concurrent runs. Exit codes:
/// 0 done, 1 error (the file untouched) or --verify mismatch, 2 the two
/// passwords typed differ.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "mqtt-passwd",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
    override_usage = "mqtt-passwd [-H HASH] [-I ITERATIONS] [-c | -D] FILE USER\n       \
                      mqtt-passwd [-H HASH] [-I ITERATIONS] [-c] -b FILE USER PASSWORD\n       \
                      mqtt-passwd -U FILE\n       \
                      mqtt-passwd --verify [-b | --stdin] FILE USER [PASSWORD]\n       \
                      mqtt-passwd --print [-b | --stdin] USER [PASSWORD]"
)]
pub struct PasswdArgs {
    /// Hash to write: sha512-pbkdf2 ($7$, default), sha512 ($6$), or argon2id
    ///
    /// The default $7$ has a 12-byte salt, which every mosquitto 2.0 and 2.1
    /// broker accepts (mosquitto 2.1's own tool writes 64-byte salts, which 2.0
    /// brokers refuse). argon2id is read by mosquitto 2.1 brokers only.
    #[arg(short = 'H', value_name = "HASH", allow_hyphen_values = true)]
    pub hash: Option<String>,

    /// PBKDF2 iterations for sha512-pbkdf2 [default: 210000; 1000 under the name mosquitto_passwd, as mosquitto 2.1]
    #[arg(short = 'I', value_name = "ITERATIONS", allow_hyphen_values = true)]
    pub iterations: Option<String>,

    /// Create a new password file (refused if it exists, as mosquitto 2.1); FILE `-` writes it to stdout
    #[arg(short = 'c')]
    pub create: bool,

    /// Delete USER from the file
    #[arg(short = 'D')]
    pub delete: bool,

    /// Take the password from the command line (visible in ps; prefer --stdin)
    #[arg(short = 'b')]
    pub batch: bool,

    /// Hash every plaintext password in FILE (entries already hashed are kept)
    #[arg(short = 'U')]
    pub upgrade: bool,

    /// Check USER's password: exit 0 when it matches, 1 when not or no such user
    #[arg(long = "verify")]
    pub verify: bool,

    /// Write the `user:hash` line to stdout instead of a file
    #[arg(long = "print")]
    pub print: bool,

    /// Read the password from stdin (one line), without prompts or echo
    #[arg(long = "stdin", conflicts_with = "batch")]
    pub stdin: bool,

    /// FILE, USER and PASSWORD, as the mode needs
    #[arg(value_name = "ARGS", num_args = 0.., allow_hyphen_values = true)]
    pub args: Vec<String>,

    /// Print help
    #[arg(long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,

    /// Print version
    #[arg(long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
}

impl crate::Binary for PasswdArgs {
    const NAME: &'static str = "mqtt-passwd";
    const DEFAULTS_FILE: bool = false;
}
