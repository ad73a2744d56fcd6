//! `miteos agents`: the agent types, and which model each one uses.

use miteos_core::{Error, Miteos};

#[derive(clap::Subcommand)]
pub enum AgentsCommand {
    /// List agent types with their tools and model.
    List,
    /// Make an agent type use a model (PROVIDER::MODEL or local::NAME), or the task's model again
    /// with --default.
    SetModel {
        agent_type: String,
        model: Option<String>,
        #[arg(long, conflicts_with = "model")]
        default: bool,
    },
}

pub async fn run(miteos: &Miteos, command: AgentsCommand) -> Result<(), Error> {
    match command {
        AgentsCommand::List => {
            for a in miteos.agent_types().await? {
                println!(
                    "{:<12} model: {:<36} tools: {}\n             {}",
                    a.name,
                    a.model.as_deref().unwrap_or("(the task's)"),
                    a.tools.join(", "),
                    a.description
                );
            }
        }
        AgentsCommand::SetModel {
            agent_type,
            model,
            default,
        } => {
            if model.is_none() && !default {
                return Err(Error::InvalidInput(
                    "give a model, or --default for the task's model".into(),
                ));
            }
            let a = miteos
                .set_agent_model(&agent_type, model.as_deref())
                .await?;
            println!(
                "{} now uses {}",
                a.name,
                a.model.as_deref().unwrap_or("the task's model")
            );
        }
    }
    Ok(())
}
