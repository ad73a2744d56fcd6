//! `miteos`: the headless CLI. `serve` runs the API, `run` runs one task with a live tree,
//! `tasks` lists history.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use miteos_api::token;
use miteos_core::domain::TaskStatus;
use miteos_core::providers::ModelConfig;
use miteos_core::service::Options;
use miteos_core::store::TaskFilter;
use miteos_core::tools::SearchConfig;
use miteos_core::{Error, Miteos};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "miteos", version, about = "Hand knowledge work to AI agents.")]
struct Cli {
    /// Where Miteos keeps its database, task folders and API token.
    #[arg(long, global = true, env = "MITEOS_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database (postgres://user:password@host/db) holding tasks, history, skills
    /// and settings instead of DATA_DIR/miteos.db: a team's server.
    #[arg(
        long,
        global = true,
        env = "MITEOS_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// A team's file store holding every task's folder (file:///shared/dir, or
    /// s3://bucket/prefix with AWS_* settings): what workers on other machines write, every
    /// server hands over.
    #[arg(long, global = true, env = "MITEOS_FILES_URL")]
    files_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST + SSE API (prints its address and bearer token).
    Serve {
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// 0 picks a free port.
        #[arg(long, default_value_t = 7411)]
        port: u16,
        /// The built War Room to serve at `/` (default: ui/dist of this source tree, if built).
        #[arg(long, env = "MITEOS_UI_DIR")]
        ui_dir: Option<PathBuf>,
        /// A host name people reach this server by (repeatable; MITEOS_ALLOWED_HOSTS takes a
        /// comma-separated list), e.g. `miteos.internal`: requests for other names are refused,
        /// so that a web page cannot reach the API by pointing its own name at this address.
        #[arg(
            long = "allow-host",
            value_name = "NAME",
            env = "MITEOS_ALLOWED_HOSTS",
            value_delimiter = ','
        )]
        allow_hosts: Vec<String>,
        #[command(flatten)]
        work: cli::worker::WorkArgs,
    },
    /// Take tasks from a team's PostgreSQL database and run them (with --database-url): any
    /// number of workers, on any machines; a dead worker's tasks are taken over by the others.
    Worker {
        #[command(flatten)]
        work: cli::worker::WorkArgs,
    },
    /// Run one task and watch it live; prints the deliverables at the end.
    Run {
        /// PROVIDER::MODEL, e.g. openai::gpt-4.1-mini (default: MITEOS_MODEL or the configured provider's).
        #[arg(long)]
        model: Option<String>,
        /// Risky tool calls (shell commands off the allow-list, calls that send data out):
        /// `ask` on the terminal (the default when stdin is one), approve `all`, or deny them
        /// (`none`, the default otherwise).
        #[arg(long, value_enum)]
        approve: Option<cli::run::ApprovalMode>,
        /// A document the agents work from (repeatable): PDF, text, Markdown, CSV, JSON, HTML…
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
        #[command(flatten)]
        budget: cli::run::BudgetArgs,
        /// Plan the task afresh even when it matches a skill.
        #[arg(long)]
        no_skill: bool,
        /// Show the plan and wait for approval before it runs (`--approve all` approves it).
        #[arg(long)]
        review: bool,
        /// What to do, in plain language.
        prompt: Vec<String>,
    },
    /// Run a failed or cancelled subtask of a task again, or rerun a completed one (with
    /// edited instructions); what depends on it runs again, the rest is kept.
    Retry {
        task: String,
        /// st-N
        subtask: String,
        /// New instructions for it.
        #[arg(long)]
        description: Option<String>,
        /// Another agent type for it.
        #[arg(long)]
        agent_type: Option<String>,
        #[arg(long, value_enum)]
        approve: Option<cli::run::ApprovalMode>,
    },
    /// Follow up on a finished task ("add a pricing column"): it runs again on top of what it
    /// did, in the same folder and history.
    FollowUp {
        task: String,
        #[arg(long, value_enum)]
        approve: Option<cli::run::ApprovalMode>,
        /// What to do next, in plain language.
        message: Vec<String>,
    },
    /// People on a team's server: their accounts and API tokens.
    Accounts {
        #[command(subcommand)]
        command: cli::accounts::AccountsCommand,
    },
    /// Agent types and the model each one uses.
    Agents {
        #[command(subcommand)]
        command: cli::agents::AgentsCommand,
    },
    /// Skills compiled from completed tasks.
    Skills {
        #[command(subcommand)]
        command: cli::skills::SkillsCommand,
    },
    /// MCP servers whose tools agents can be given.
    Mcp {
        #[command(subcommand)]
        command: cli::mcp::McpCommand,
    },
    /// How Miteos thinks: first-run setup, the catalog of local models and their downloads,
    /// installed GGUF files, the model new tasks use, prices.
    Models {
        #[command(subcommand)]
        command: cli::models::ModelsCommand,
    },
    /// List tasks, newest first.
    Tasks {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// Only tasks in this state: pending, running, completed, failed, cancelled.
        #[arg(long, value_parser = parse_status)]
        status: Option<TaskStatus>,
        /// Only tasks whose prompt, title or subtask outputs contain this text.
        #[arg(long)]
        search: Option<String>,
        /// Only tasks older than this task id (the last one of the previous page).
        #[arg(long)]
        before: Option<String>,
    },
}

fn main() -> ExitCode {
    // Quiet by default: the live tree is the CLI's output; RUST_LOG=info shows the log.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            // 2 like clap's usage errors: the user can fix what was typed or configured.
            ExitCode::from(
                if matches!(e, Error::NotConfigured(_) | Error::InvalidInput(_)) {
                    2
                } else {
                    1
                },
            )
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    let data_dir = cli.data_dir.unwrap_or_else(default_data_dir);
    // Only a server stays up long enough to finish the tasks a previous process left running;
    // other commands leave them for it (or for the app).
    let resume_interrupted = matches!(cli.command, Command::Serve { .. } | Command::Worker { .. });
    // On a shared database a server queues the tasks it is given; workers (itself too, unless
    // `--tasks 0`) take them.
    let work = match &cli.command {
        Command::Serve { work, .. } | Command::Worker { work } => Some(work.clone()),
        _ => None,
    };
    let miteos = Miteos::open(Options {
        search: SearchConfig::from_env(),
        resume_interrupted,
        // The same: `miteos run` compiles in the foreground, where it can say so.
        compile_in_background: resume_interrupted,
        queue_tasks: work.is_some(),
        worker_tasks: work.as_ref().map_or(0, |w| w.tasks),
        worker_agents: work.as_ref().and_then(|w| w.agents),
        lease: work
            .as_ref()
            .map_or(std::time::Duration::from_secs(15), |w| w.lease()),
        command_uids: work.as_ref().and_then(|w| w.command_uids.clone()),
        database_url: cli.database_url.filter(|url| !url.trim().is_empty()),
        files_url: cli.files_url.filter(|url| !url.trim().is_empty()),
        ..Options::new(&data_dir, ModelConfig::from_env())
    })
    .await?;
    let result = command(cli.command, &miteos, &data_dir).await;
    // Whatever the command was, nothing it started (MCP servers) outlives it.
    miteos.shutdown().await;
    result
}

async fn command(command: Command, miteos: &Miteos, data_dir: &Path) -> Result<ExitCode, Error> {
    let miteos = miteos.clone();
    match command {
        Command::Worker { work } => cli::worker::work(&miteos, &work, shutdown_signal()).await,
        Command::Serve {
            host,
            port,
            ui_dir,
            allow_hosts,
            work,
        } => {
            // With no model at all it still serves history, deliverables and settings, and says
            // how to configure one.
            let model = match miteos.default_model() {
                Ok(model) => model,
                Err(e) => {
                    eprintln!(
                        "No model is configured yet, so tasks cannot run; everything else works. \
                         Choose one in the War Room (Settings → Models), or with `miteos models setup`.\n{e}"
                    );
                    "none".to_owned()
                }
            };
            let token = token::load_or_create(data_dir).map_err(|e| {
                Error::io(
                    format!("creating the API token in {}", data_dir.display()),
                    e,
                )
            })?;
            let listener = TcpListener::bind((host.as_str(), port))
                .await
                .map_err(|e| Error::io(format!("listening on {host}:{port}"), e))?;
            let addr = listener
                .local_addr()
                .map_err(|e| Error::io("reading the bound address", e))?;
            println!(
                "Miteos API on http://{addr}  (model {model}, data {}, database {})",
                data_dir.display(),
                miteos.database()
            );
            // The admin token reaches the person at the terminal only, never a log or the
            // journal: a service's output names the file it is in.
            let at_terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
            let token_file = data_dir.join(token::TOKEN_FILE);
            if at_terminal {
                println!("Token: {token}  (also in {})", token_file.display());
            } else {
                println!(
                    "Token: in {} (the server's admin token)",
                    token_file.display()
                );
            }
            if miteos.shares_database() {
                println!(
                    "Team database: tasks wait in its queue; this server runs up to {} at once \
                     (worker {}), `miteos worker` on other machines runs more",
                    work.tasks,
                    miteos.worker_name()
                );
            }
            // SIGTERM or Ctrl+C begins the shutdown sequence: live streams end, so the server
            // stops without waiting for its watchers; `run` then stops the tasks and exits.
            let closing = miteos.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                closing.begin_shutdown();
            });
            let closed = miteos.closed();
            if let Some(base) = miteos_api::staging::start(miteos.clone()).await {
                println!("Deployments and share links: {base}");
            }
            let mut state =
                miteos_api::ApiState::new(miteos, &token, &host).with_hosts(&allow_hosts);
            let ui_dir = ui_dir.unwrap_or_else(|| {
                PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist"))
            });
            if ui_dir.join("index.html").is_file() {
                if at_terminal {
                    println!("War Room: http://{addr}/#token={token}");
                } else {
                    println!(
                        "War Room: http://{addr}/ (sign in with the token in {})",
                        token_file.display()
                    );
                }
                state = state.with_ui(ui_dir);
            }
            miteos_api::serve(listener, state, closed)
                .await
                .map_err(|e| Error::io("serving the API", e))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            model,
            approve,
            attach,
            budget,
            no_skill,
            review,
            prompt,
        } => {
            let attachments = attach
                .iter()
                .map(|p| miteos_core::service::Attachment::read(p))
                .collect::<Result<Vec<_>, _>>()?;
            // The first run on a terminal asks how Miteos should think when nothing was chosen
            // and there is no model or only the demo (once; `miteos models setup` asks again).
            if model.is_none() && cli::models::interactive() {
                let setup = miteos.model_setup().await?;
                if !setup.chosen && (setup.current.is_none() || setup.current_is_demo) {
                    cli::models::setup(&miteos, true).await?;
                }
            }
            let new = miteos_core::service::NewTask {
                prompt: prompt.join(" "),
                attachments,
                budget: budget.change()?,
                use_skills: no_skill.then_some(false),
                model,
                plan_review: review.then_some(miteos_core::domain::plan::PlanReview::Always),
                ..Default::default()
            };
            cli::run::run(&miteos, new, approve, budget.over_budget).await
        }
        Command::Retry {
            task,
            subtask,
            description,
            agent_type,
            approve,
        } => {
            let changes = miteos_core::service::SubtaskEdit {
                title: None,
                description,
                agent_type,
            };
            let change = miteos.retry_subtask(&task, &subtask, changes);
            cli::run::steer(&miteos, &task, approve, None, change).await
        }
        Command::FollowUp {
            task,
            approve,
            message,
        } => {
            let message = message.join(" ");
            let change = miteos.follow_up(&task, &message);
            cli::run::steer(&miteos, &task, approve, None, change).await
        }
        Command::Accounts { command } => {
            cli::accounts::run(&miteos, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Agents { command } => {
            cli::agents::run(&miteos, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Skills { command } => {
            cli::skills::run(&miteos, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Mcp { command } => {
            cli::mcp::run(&miteos, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Models { command } => {
            cli::models::run(&miteos, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tasks {
            limit,
            offset,
            status,
            search,
            before,
        } => {
            let filter = TaskFilter {
                status,
                text: search,
                before,
                ..TaskFilter::default()
            };
            cli::tasks::print(&miteos, filter, limit, offset).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_status(s: &str) -> Result<TaskStatus, String> {
    TaskStatus::parse(s)
        .ok_or_else(|| "expected pending, running, completed, failed or cancelled".to_owned())
}

/// The platform's data directory (`~/.local/share/miteos` on Linux).
fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("miteos")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
