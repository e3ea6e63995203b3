//! clap definitions only: one struct per binary, shared option groups
//! flattened into each, and the [`BINARIES`] registry that the completion and
//! man-page generator test walks.
//!
//! House rules for this module:
//! - Flags are mosquitto's, letter for letter. `-h` is the host and `-V` the
//!   protocol version, so `--help` and `--version` are long only.
//! - A value is always the next argv element, even when it starts with `-`
//!   (`-t -m` publishes to the topic `-m`), as in mosquitto: value options set
//!   `allow_hyphen_values`.
//! - Numbers stay strings here; `settings` parses them strictly and words the
//!   errors as mosquitto does. Nothing in this module reads the environment
//!   except through `env = ...`, so generated files are reproducible.
//! - The first line of a field's doc comment is its short help; further
//!   paragraphs are the long help and the man page.

mod bench_args;
mod conn;
pub mod mosquitto;
mod output;
mod passwd_args;
mod payload;
mod pub_args;
mod rr_args;
mod sub_args;

pub use bench_args::{
    BenchArgs, CheckRun, Common, ConnRun, MergeArgs, PubRun, PublishArgs, PubsubRun, ReportArgs, RunArgs, Scenario,
    SubRun,
};
pub use conn::{ConnArgs, TlsArgs};
pub use output::OutputArgs;
pub use passwd_args::PasswdArgs;
pub use payload::PayloadArgs;
pub use pub_args::PubArgs;
pub use rr_args::RrArgs;
pub use sub_args::SubArgs;

/// Builds a binary's clap command.
pub type CommandFn = fn() -> clap::Command;

/// Every binary with its clap command, for the completion/man generator.
pub const BINARIES: &[(&str, CommandFn)] = &[
    ("mqtt-pub", <PubArgs as clap::CommandFactory>::command),
    ("mqtt-sub", <SubArgs as clap::CommandFactory>::command),
    ("mqtt-rr", <RrArgs as clap::CommandFactory>::command),
    ("mqtt-passwd", <PasswdArgs as clap::CommandFactory>::command),
    ("mqtt-bench", <BenchArgs as clap::CommandFactory>::command),
];
