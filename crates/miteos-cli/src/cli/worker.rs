//! `miteos worker`, and what `miteos serve` shares with it on a team's database: how many
//! queued tasks the process runs at once, and how long its leases on them last.

use std::process::ExitCode;
use std::time::Duration;

use miteos_core::{Error, Miteos};

/// Taking tasks from a team's PostgreSQL database.
#[derive(clap::Args, Clone, Debug)]
pub struct WorkArgs {
    /// On a team's database (--database-url): how many queued tasks this process runs at once;
    /// 0 runs none (a server that only answers, with workers elsewhere).
    #[arg(long, default_value_t = 4, env = "MITEOS_WORKER_TASKS")]
    pub tasks: usize,
    /// On a team's database with a file store (--files-url): how many subtasks of the team's
    /// tasks (any worker's) this process runs the agents of at once; the workers holding tasks
    /// hand their subtasks out. Default 8, or 0 with --tasks 0 (a server that only answers).
    #[arg(long, env = "MITEOS_WORKER_AGENTS")]
    pub agents: Option<usize>,
    /// How long a lease on a task lasts unless renewed: how soon the other workers take over
    /// the tasks of one that died.
    #[arg(long, default_value = "15", env = "MITEOS_LEASE_SECONDS", value_parser = lease_seconds)]
    pub lease_seconds: Duration,
    /// Run each task's commands as a uid of its own from this range (FIRST-LAST, e.g.
    /// 200000-265535, uids no account uses), which owns that task's folder and nothing else:
    /// a command reads neither Miteos's data nor another task's folder. The process must start
    /// as root.
    #[arg(long, env = "MITEOS_COMMAND_UIDS", value_name = "FIRST-LAST")]
    pub command_uids: Option<String>,
}

impl WorkArgs {
    pub fn lease(&self) -> Duration {
        self.lease_seconds
    }
}

fn lease_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.3..=3600.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err("expected seconds between 0.3 and 3600".into()),
    }
}

/// Runs queued tasks until `stop` (SIGTERM, Ctrl+C); the tasks running then go back to the
/// queue, where another worker takes them at once.
pub async fn work(
    miteos: &Miteos,
    args: &WorkArgs,
    stop: impl Future<Output = ()>,
) -> Result<ExitCode, Error> {
    if !miteos.shares_database() {
        return Err(Error::InvalidInput(
            "a worker takes tasks from a team's PostgreSQL database: give --database-url \
             (or MITEOS_DATABASE_URL)"
                .into(),
        ));
    }
    if args.tasks == 0 && miteos.worker_agents() == 0 {
        return Err(Error::InvalidInput(
            "a worker with --tasks 0 would take no task (with a file store, --files-url, it \
             may run the team's subtasks alone: --agents N)"
                .into(),
        ));
    }
    let (tasks, agents) = (args.tasks, miteos.worker_agents());
    let takes = match (miteos.hands_out_subtasks(), tasks, agents) {
        (true, 0, n) => format!("runs up to {n} of the team's subtasks at once"),
        (true, t, 0) => {
            format!("holds up to {t} tasks at once (their subtasks run on workers with --agents)")
        }
        (true, t, n) => {
            format!("holds up to {t} tasks at once and runs up to {n} of the team's subtasks")
        }
        (false, t, _) => format!("runs up to {t} tasks at once"),
    };
    println!(
        "Miteos worker {}: {takes}, from {} (leases of {:.1} s)",
        miteos.worker_name(),
        miteos.database(),
        args.lease_seconds.as_secs_f64()
    );
    stop.await;
    println!("Stopping: the work running here goes back to the queue.");
    Ok(ExitCode::SUCCESS)
}
