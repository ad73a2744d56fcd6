//! `run_command`: one program run in the task's folder — no shell in between (so no pipes,
//! redirects or `;`), in its own process group, with a time limit, capped output, a file-size
//! limit and an environment without the user's variables (no API keys).
//!
//! Programs on the allow-list run at once when their table (`options`) knows every option given
//! and every file they read is inside the task folder; options that start other programs never
//! run; anything else (another program, `sh -c …`, an unknown option, a path outside the folder)
//! waits for the user's approval. On Linux every command runs under Landlock and seccomp
//! (`sandbox`): it reads the system's programs and its task folder, writes only the folder, and
//! gets no socket unless approved; where there is no sandbox, every command asks first. Files
//! the command creates or changes become deliverables. Cancelling the task kills the whole
//! process group.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt};

mod options;
#[cfg(unix)]
mod users;

#[cfg(unix)]
pub use users::CommandUsers;

/// Commands as users of their own need a Unix server.
#[cfg(not(unix))]
#[derive(Debug)]
pub struct CommandUsers;

#[cfg(not(unix))]
impl CommandUsers {
    pub fn parse(_range: &str) -> Result<CommandUsers, String> {
        Err("commands run as users of their own only on a Unix server".into())
    }

    pub fn open(range: &str, _data_dir: &std::path::Path) -> Result<CommandUsers, String> {
        Self::parse(range)
    }

    pub fn running_as_root() -> bool {
        false
    }
}

use super::files::walk_files;
use super::truncate_chars;
use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};
use options::Verdict;

/// Programs that run without asking: they read and transform files, and cannot start other
/// programs (no awk, sed, find, xargs, tar, interpreters).
pub const DEFAULT_ALLOW_LIST: &[&str] = &[
    "base64",
    "basename",
    "cat",
    "column",
    "comm",
    "cp",
    "cut",
    "date",
    "diff",
    "dirname",
    "du",
    "echo",
    "expand",
    "file",
    "fold",
    "grep",
    "gunzip",
    "gzip",
    "head",
    "jq",
    "join",
    "ls",
    "md5sum",
    "mkdir",
    "mv",
    "nl",
    "od",
    "paste",
    "printf",
    "pwd",
    "rm",
    "rmdir",
    "seq",
    "sha256sum",
    "sort",
    "stat",
    "tail",
    "touch",
    "tr",
    "true",
    "uniq",
    "unzip",
    "wc",
    "zip",
];

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_TIMEOUT_SECS: u64 = 600;
/// Output kept per stream; the rest is read and dropped.
const MAX_OUTPUT_BYTES: usize = 64 * 1024;
/// Largest file a command may write (RLIMIT_FSIZE).
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Files compared before and after a run to find what it wrote.
const MAX_TRACKED_FILES: usize = 5000;
/// Tokens a shell would treat as operators; without a shell they would be plain arguments, which
/// is never what the agent meant.
const SHELL_OPERATORS: &[&str] = &[
    "|", "||", "&", "&&", ";", ">", ">>", "<", "<<", "2>", "2>&1",
];

/// The programs that run without asking (settings may replace the list).
pub fn default_allow_list() -> Vec<String> {
    DEFAULT_ALLOW_LIST.iter().map(|p| (*p).to_owned()).collect()
}

#[derive(Default)]
pub struct RunCommand;

#[derive(Deserialize)]
struct Args {
    command: String,
    #[serde(default)]
    timeout_seconds: Option<u64>,
}

#[async_trait]
impl Tool for RunCommand {
    fn name(&self) -> &'static str {
        "run_command"
    }
    fn description(&self) -> &'static str {
        "Run one program in the task folder, e.g. `wc -l data.csv` or `zip -r site.zip site`. No shell: no pipes, redirects, `;` or `$VAR`; quote arguments with spaces. Common file tools run at once; other programs wait for the user's approval. Files it writes become deliverables."
    }
    fn parameters(&self) -> serde_json::Value {
        json!({"type":"object","properties":{
            "command":{"type":"string","description":"the program and its arguments"},
            "timeout_seconds":{"type":"integer","minimum":1,"maximum":MAX_TIMEOUT_SECS,"description":"time limit (default 60)"}},
            "required":["command"],"additionalProperties":false})
    }
    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let argv = split(&args.command)?;
        let timeout = args.timeout_seconds.map_or(DEFAULT_TIMEOUT, |s| {
            Duration::from_secs(s.clamp(1, MAX_TIMEOUT_SECS))
        });
        let approved = match needs_approval(&argv, &ctx.task_dir, &ctx.shell_allow) {
            Verdict::Run => false,
            Verdict::Ask(reason) => {
                ctx.require_approval(&reason).await?;
                true
            }
            Verdict::Refuse(reason) => return Err(ToolError::Refused(reason)),
        };
        run(ctx, &argv, timeout, approved).await
    }
}

/// The command's words, as a POSIX shell would split them, without running a shell.
fn split(command: &str) -> Result<Vec<String>, ToolError> {
    let argv = shlex::split(command.trim())
        .ok_or_else(|| ToolError::InvalidArguments("the command has an unclosed quote".into()))?;
    if argv.is_empty() {
        return Err(ToolError::InvalidArguments("the command is empty".into()));
    }
    if let Some(op) = argv.iter().find(|w| SHELL_OPERATORS.contains(&w.as_str())) {
        return Err(ToolError::InvalidArguments(format!(
            "{op:?} needs a shell, and commands run without one: run one program at a time \
             (use its own options to write files, e.g. `sort -o sorted.csv data.csv`)"
        )));
    }
    if argv[0].contains([';', '|', '&', '<', '>', '$', '`']) {
        return Err(ToolError::InvalidArguments(format!(
            "{:?} is not a program: commands run without a shell, one program at a time",
            argv[0]
        )));
    }
    if argv.iter().any(|w| w.contains('\0')) {
        return Err(ToolError::InvalidArguments(
            "the command contains a NUL byte".into(),
        ));
    }
    Ok(argv)
}

/// Whether this command runs at once, waits for the user's approval, or never runs.
fn needs_approval(argv: &[String], task_dir: &Path, allow: &[String]) -> Verdict {
    let program = &argv[0];
    if program.contains('/') || !allow.iter().any(|a| a == program) {
        return Verdict::Ask(format!("{program} is not on the shell allow-list"));
    }
    if !sandbox::available() {
        return Verdict::Ask(format!(
            "this computer has no sandbox for commands, so {program} would run with all your rights"
        ));
    }
    if let Some(verdict) = options::verdict(argv, task_dir) {
        return verdict;
    }
    // A program the user added has no table: its words must stay inside the folder.
    for arg in &argv[1..] {
        let value = match arg.split_once('=') {
            Some((flag, v)) if flag.starts_with('-') => v,
            _ => arg.as_str(),
        };
        if value.starts_with('-') {
            continue;
        }
        if let Some(why) = options::outside_word(value, task_dir) {
            return Verdict::Ask(why);
        }
    }
    Verdict::Run
}

/// Runs `argv` in the task folder and reports its exit status and output.
async fn run(
    ctx: &ToolCtx,
    argv: &[String],
    timeout: Duration,
    approved: bool,
) -> Result<ToolOutput, ToolError> {
    let dir = ctx.task_dir.clone();
    let before = snapshot(&dir).await;
    let tmp = dir.join(".miteos-tmp");
    tokio::fs::create_dir_all(&tmp)
        .await
        .map_err(|e| ToolError::Failed(format!("cannot prepare the task folder: {e}")))?;

    let mut command = tokio::process::Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(&dir)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", &dir)
        .env("TMPDIR", &tmp)
        .env("LANG", "C.UTF-8")
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    limit_file_size(&mut command);
    #[cfg(unix)]
    if let Some(users) = &ctx.command_users {
        let uid = users
            .prepare(&dir)
            .map_err(|e| ToolError::Failed(format!("cannot hand the task folder over: {e}")))?;
        command.uid(uid).gid(uid);
    }
    let (mut child, sandboxed) = sandbox::spawn(command, &dir, !approved)
        .map_err(|e| ToolError::Failed(format!("cannot run {}: {e}", argv[0])))?;
    let group = ProcessGroup(child.id());

    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let output = async {
        let (out, err, status) = tokio::join!(capped(stdout), capped(stderr), child.wait());
        (out, err, status)
    };
    let result = tokio::select! {
        _ = ctx.cancel.cancelled() => None,
        r = tokio::time::timeout(timeout, output) => Some(r),
    };
    // Whatever happened, nothing the command started outlives it.
    drop(group);
    let _ = tokio::fs::remove_dir_all(&tmp).await;
    let (out, err, status) = match result {
        None => return Err(ToolError::Cancelled),
        Some(Err(_)) => {
            return Err(ToolError::Failed(format!(
                "{} did not finish within {} s and was stopped",
                argv[0],
                timeout.as_secs()
            )));
        }
        Some(Ok(r)) => r,
    };
    let status = status.map_err(|e| ToolError::Failed(format!("waiting for {}: {e}", argv[0])))?;
    let files_written = changed_files(&before, &snapshot(&dir).await);

    let mut report = match status.code() {
        Some(code) => format!("exit status {code}\n"),
        None => format!("{} was killed by a signal ({status})\n", argv[0]),
    };
    for (name, (bytes, dropped)) in [("stdout", out), ("stderr", err)] {
        if bytes.is_empty() {
            continue;
        }
        report.push_str(&format!(
            "--- {name} ---\n{}\n",
            truncate_chars(&String::from_utf8_lossy(&bytes), MAX_OUTPUT_BYTES)
        ));
        if dropped > 0 {
            report.push_str(&format!("[{dropped} more bytes of {name} were dropped]\n"));
        }
    }
    if !files_written.is_empty() {
        report.push_str(&format!("files written: {}\n", files_written.join(", ")));
    }
    if !sandboxed {
        report.push_str("(this computer has no sandbox: the command ran with the user's rights)\n");
    }
    if status.success() {
        Ok(ToolOutput {
            content: report,
            files_written,
            ..ToolOutput::default()
        })
    } else {
        Err(ToolError::Failed(report))
    }
}

/// Reads a stream to its end, keeping the first [`MAX_OUTPUT_BYTES`]; answers them and how many
/// bytes were dropped.
async fn capped(stream: Option<impl AsyncRead + Unpin>) -> (Vec<u8>, usize) {
    let Some(mut stream) = stream else {
        return (Vec::new(), 0);
    };
    let mut kept = Vec::new();
    let mut dropped = 0;
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = MAX_OUTPUT_BYTES.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&buf[..room]);
                dropped += n - room;
            }
        }
    }
    (kept, dropped)
}

type Snapshot = HashMap<String, (u64, Option<SystemTime>)>;

async fn snapshot(dir: &Path) -> Snapshot {
    let dir: PathBuf = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        walk_files(&dir, &dir, MAX_TRACKED_FILES)
            .unwrap_or_default()
            .into_iter()
            .filter(|(name, _)| !name.starts_with(".miteos-tmp/"))
            .map(|(name, meta)| (name, (meta.len(), meta.modified().ok())))
            .collect()
    })
    .await
    .unwrap_or_default()
}

/// Files that are new or changed, sorted.
fn changed_files(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(name, state)| before.get(*name) != Some(*state))
        .map(|(name, _)| name.clone())
        .collect();
    changed.sort();
    changed
}

/// Kills a process group when dropped: the command and everything it started.
struct ProcessGroup(Option<u32>);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Caps the size of any file the command writes (it gets SIGXFSZ past it).
fn limit_file_size(command: &mut tokio::process::Command) {
    #[cfg(unix)]
    // SAFETY: the closure only calls setrlimit(2), which is async-signal-safe, between fork
    // and exec; it allocates nothing and touches no lock.
    unsafe {
        command.pre_exec(|| {
            nix::sys::resource::setrlimit(
                nix::sys::resource::Resource::RLIMIT_FSIZE,
                MAX_FILE_BYTES,
                MAX_FILE_BYTES,
            )
            .map_err(std::io::Error::from)
        });
    }
}

#[cfg(target_os = "linux")]
mod sandbox;

#[cfg(not(target_os = "linux"))]
#[path = "no_sandbox.rs"]
mod sandbox;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_split_like_a_shell_would_but_never_run_one() {
        assert_eq!(
            split("grep -c 'Coda Pro' notes.md").unwrap(),
            ["grep", "-c", "Coda Pro", "notes.md"]
        );
        assert!(split("cat a | wc -l").is_err());
        assert!(
            split("ls; rm -rf x").is_err(),
            "`;` glued to the program too"
        );
        assert!(split("echo 'open").is_err());
        assert!(split("   ").is_err());
    }

    #[test]
    fn what_needs_approval() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data.csv"), "a\n").unwrap();
        let allow = default_allow_list();
        let ask = |cmd: &str| match needs_approval(&split(cmd).unwrap(), dir.path(), &allow) {
            Verdict::Run => None,
            Verdict::Ask(why) | Verdict::Refuse(why) => Some(why),
        };
        if !sandbox::available() {
            assert!(ask("wc -l data.csv").unwrap().contains("no sandbox"));
            return;
        }
        assert_eq!(ask("wc -l data.csv"), None);
        assert_eq!(ask("sort -o sorted.csv data.csv"), None);
        assert!(
            ask("curl https://example.com")
                .unwrap()
                .contains("allow-list")
        );
        assert!(
            ask("/bin/cat data.csv").is_some(),
            "a path to a program is not its name"
        );
        assert!(ask("cat /etc/passwd").unwrap().contains("outside"));
        assert!(ask("cp data.csv ../x").is_some());
        assert!(ask("cp data.csv ~/x").is_some());
        assert!(ask("sort --output=/tmp/x data.csv").is_some());
        let with_git = [allow.clone(), vec!["git".into()]].concat();
        assert_eq!(
            needs_approval(&split("git status").unwrap(), dir.path(), &with_git),
            Verdict::Run
        );
        assert!(matches!(
            needs_approval(&split("git -C /etc status").unwrap(), dir.path(), &with_git),
            Verdict::Ask(_)
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", dir.path().join("out")).unwrap();
            assert!(ask("cat out/passwd").is_some(), "a symlink out is outside");
        }
    }
}
