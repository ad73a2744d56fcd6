//! Landlock and seccomp apply to a thread and the processes it starts. Each command is
//! spawned from a short-lived thread that restricts itself first, so the rest of Miteos stays
//! unrestricted and nothing unsafe runs between fork and exec.
//!
//! What a command may touch: read and run the system's programs and libraries (and /etc),
//! read and write its task folder, nothing else of the file system (not the user's home, not
//! Miteos's data). Sockets: none for a command that runs without asking (seccomp refuses
//! `socket(2)` whatever the kernel's Landlock version, so no UDP, DNS, D-Bus or
//! `systemd-run`); an approved command may use the network (TCP and UDP) but no Unix socket.

use std::path::Path;
use std::sync::OnceLock;

use landlock::{
    ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    path_beneath_rules,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

const ABI_USED: ABI = ABI::V5;

/// Folders a command may read and run programs from: the system's, never the user's.
const SYSTEM_DIRS: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc",
    "/opt",
    "/nix/store",
];
const DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"];

/// Whether commands run sandboxed on this system (probed once).
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(probe)
}

/// Whether this kernel enforces Landlock and seccomp for a thread: tried on a thread of
/// its own, which ends with its restrictions.
fn probe() -> bool {
    std::thread::spawn(|| {
        let dir = std::env::temp_dir();
        restrict_this_thread(&dir, true).unwrap_or(false)
    })
    .join()
    .unwrap_or(false)
}

/// Spawns `command` confined to its task folder `dir`, without any socket when
/// `no_network`. Answers the child and whether the sandbox is enforced on this system.
pub fn spawn(
    mut command: tokio::process::Command,
    dir: &Path,
    no_network: bool,
) -> std::io::Result<(tokio::process::Child, bool)> {
    let runtime = tokio::runtime::Handle::current();
    let dir = dir.to_path_buf();
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                let _entered = runtime.enter();
                let enforced = restrict_this_thread(&dir, no_network)?;
                command.spawn().map(|child| (child, enforced))
            })
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the sandbox thread panicked")))
    })
}

fn restrict_this_thread(dir: &Path, no_network: bool) -> std::io::Result<bool> {
    let failed = |e: landlock::RulesetError| std::io::Error::other(format!("sandbox: {e}"));
    let system: Vec<&str> = SYSTEM_DIRS
        .iter()
        .copied()
        .filter(|d| Path::new(d).exists())
        .collect();
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(ABI_USED))
        .map_err(failed)?
        .create()
        .map_err(failed)?
        .add_rules(path_beneath_rules(system, AccessFs::from_read(ABI_USED)))
        .map_err(failed)?
        .add_rules(path_beneath_rules(DEVICES, AccessFs::from_file(ABI_USED)))
        .map_err(failed)?
        .add_rules(path_beneath_rules([dir], AccessFs::from_all(ABI_USED)))
        .map_err(failed)?
        .restrict_self()
        .map_err(failed)?;
    let filtered = no_sockets(no_network)?;
    Ok(status.ruleset != RulesetStatus::NotEnforced && filtered)
}

/// Refuses `socket(2)` to this thread and what it starts: every family when `no_network`,
/// else Unix sockets (D-Bus, the user's session manager). Answers whether it is enforced.
fn no_sockets(no_network: bool) -> std::io::Result<bool> {
    let Ok(arch) = TargetArch::try_from(std::env::consts::ARCH) else {
        return Ok(false);
    };
    fn failed(e: impl std::fmt::Display) -> std::io::Error {
        std::io::Error::other(format!("sandbox: {e}"))
    }
    let rules = if no_network {
        // An empty rule list matches the call whatever its arguments.
        vec![(socket_call(), vec![])]
    } else {
        let unix = SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, 1)
            .map_err(failed)?;
        vec![(
            socket_call(),
            vec![SeccompRule::new(vec![unix]).map_err(failed)?],
        )]
    };
    let filter = SeccompFilter::new(
        rules.into_iter().collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(1), // EPERM
        arch,
    )
    .map_err(failed)?;
    let program: BpfProgram = filter.try_into().map_err(failed)?;
    seccompiler::apply_filter(&program).map_err(failed)?;
    Ok(true)
}

/// The number of `socket(2)` on this architecture.
fn socket_call() -> i64 {
    #[cfg(target_arch = "x86_64")]
    return 41;
    #[cfg(target_arch = "aarch64")]
    return 198;
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    return -1;
}
