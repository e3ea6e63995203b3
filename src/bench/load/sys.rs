//! What the generator costs and may use: its CPU time, its memory, and the
//! open-file limit (raised to what a run needs when the hard limit allows).

use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};

/// Raise the soft open-file limit to fit `connections` sockets, `timers`
/// pacing timers and a few descriptors of the process's own. Returns the limit in force and, when it
/// is too low, what to do about it.
pub fn raise_open_files(connections: u64, timers: u64) -> (u64, Option<String>) {
    let needed = connections + timers + 64;
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return (0, None);
    };
    if soft >= needed {
        return (soft, None);
    }
    let target = needed.min(hard);
    let now = if setrlimit(Resource::RLIMIT_NOFILE, target, hard).is_ok() {
        target
    } else {
        soft
    };
    if now >= needed {
        return (now, None);
    }
    (
        now,
        Some(format!(
            "the open-file limit is {now} (hard limit {hard}) but {connections} connections need about {needed} descriptors; raise it with `ulimit -n {needed}` (as root, or in limits.conf)"
        )),
    )
}

/// CPU seconds (user + system) this process used so far.
pub fn cpu_seconds() -> f64 {
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| {
        let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
        t(u.user_time()) + t(u.system_time())
    })
}

/// Peak resident memory, bytes.
pub fn max_rss() -> u64 {
    getrusage(UsageWho::RUSAGE_SELF).map_or(0, |u| u.max_rss() as u64 * 1024)
}

/// Resident memory now, bytes (from /proc; 0 where there is none).
pub fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Logical CPUs of this machine.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
