//! `miteos mcp`: the MCP servers whose tools agents can be given (kept in DATA_DIR/mcp.json).

use std::collections::BTreeMap;

use miteos_core::tools::McpServer;
use miteos_core::{Error, Miteos};

#[derive(clap::Subcommand)]
pub enum McpCommand {
    /// List the servers, starting each, with the tools it offers (or why it did not start).
    List,
    /// Add (or replace) a server: a program spoken to over stdio, or a streamable HTTP URL.
    ///
    /// e.g. `miteos mcp add files -- npx -y @modelcontextprotocol/server-filesystem ~/notes`
    Add {
        name: String,
        /// A streamable HTTP endpoint instead of a program.
        #[arg(long, conflicts_with = "command")]
        url: Option<String>,
        /// KEY=VALUE for the program's environment (repeatable).
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
        /// Run its tools without asking, even those that do not say they only read.
        #[arg(long)]
        trusted: bool,
        /// The program and its arguments.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Remove a server.
    Remove { name: String },
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

pub async fn run(miteos: &Miteos, command: McpCommand) -> Result<(), Error> {
    let states = match command {
        McpCommand::List => miteos.mcp_servers().await?,
        McpCommand::Add {
            name,
            url,
            env,
            trusted,
            command,
        } => {
            let mut argv = command.into_iter();
            let server = McpServer {
                name: name.clone(),
                command: argv.next(),
                args: argv.collect(),
                env: env.into_iter().collect::<BTreeMap<_, _>>(),
                url,
                trusted,
            };
            let mut servers = miteos.mcp_server_configs();
            servers.retain(|s| s.name != name);
            servers.push(server);
            miteos.save_mcp_servers(servers).await?
        }
        McpCommand::Remove { name } => {
            let mut servers = miteos.mcp_server_configs();
            let before = servers.len();
            servers.retain(|s| s.name != name);
            if servers.len() == before {
                return Err(Error::NotFound(format!("no MCP server is called {name}")));
            }
            miteos.save_mcp_servers(servers).await?
        }
    };
    if states.is_empty() {
        println!(
            "No MCP servers. Add one with `miteos mcp add NAME -- COMMAND ARGS…` or `--url URL`."
        );
    }
    for state in states {
        let s = &state.server;
        let how = match (&s.command, &s.url) {
            (Some(c), _) => format!("{c} {}", s.args.join(" ")),
            (None, Some(u)) => u.clone(),
            (None, None) => String::new(),
        };
        println!(
            "{}{}  {}",
            s.name,
            if s.trusted { " (trusted)" } else { "" },
            how.trim()
        );
        match &state.error {
            Some(e) => println!("  ✗ {e}"),
            None => {
                for t in &state.tools {
                    println!(
                        "  {}{}  {}",
                        t.name,
                        if t.read_only { " (read-only)" } else { "" },
                        super::format::short(&t.description, 80)
                    );
                }
            }
        }
    }
    Ok(())
}
