//! Completions (bash, zsh, fish, powershell, elvish) in `completions/` and
//! man pages in `man/` are generated from `src/cli`. This test fails when
//! they are stale, and rewrites them when run with `UPDATE_GENERATED=1`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use clap_complete::{Generator, Shell};

fn check(path: PathBuf, rendered: &[u8], stale: &mut Vec<PathBuf>) {
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, rendered).unwrap();
    } else if std::fs::read(&path).ok().as_deref() != Some(rendered) {
        stale.push(path);
    }
}

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (name, command) in mqttkit::cli::BINARIES {
        command().debug_assert();
        for &shell in Shell::value_variants() {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command(), *name, &mut buf);
            check(root.join("completions").join(shell.file_name(name)), &buf, &mut stale);
        }
        let mut buf = Vec::new();
        clap_mangen::Man::new(command()).render(&mut buf).unwrap();
        check(root.join("man").join(format!("{name}.1")), &buf, &mut stale);
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}; run `UPDATE_GENERATED=1 cargo test --test integration generated`"
    );
}
