//! `miteos agents`: the agent types — list, add, edit, remove — and which model each one uses.

use miteos_core::service::AgentTypeInput;
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
    /// Add an agent type of your own (the planner offers it from the next task on).
    Add {
        name: String,
        /// What it is good at: the planner chooses by this.
        #[arg(long)]
        description: String,
        /// Its system prompt.
        #[arg(long)]
        prompt: String,
        /// Tools it may call, comma-separated (see `miteos agents tools`).
        #[arg(long, value_delimiter = ',')]
        tools: Vec<String>,
        /// PROVIDER::MODEL instead of the task's model.
        #[arg(long)]
        model: Option<String>,
        /// PROVIDER::MODEL to switch to when the model keeps failing.
        #[arg(long)]
        fallback_model: Option<String>,
    },
    /// Change an agent type's description, prompt or tools (what is not given stays).
    Edit {
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        prompt: Option<String>,
        #[arg(long, value_delimiter = ',')]
        tools: Option<Vec<String>>,
        /// PROVIDER::MODEL to switch to when the model keeps failing ("" for none).
        #[arg(long)]
        fallback_model: Option<String>,
    },
    /// Delete an agent type of your own (built-ins can be edited, not deleted).
    Remove { name: String },
    /// The tools agent types can be given.
    Tools,
}

pub async fn run(miteos: &Miteos, command: AgentsCommand) -> Result<(), Error> {
    match command {
        AgentsCommand::List => {
            for a in miteos.agent_types().await? {
                let fallback = a
                    .fallback_model
                    .as_deref()
                    .map(|f| format!(" (fallback {f})"))
                    .unwrap_or_default();
                println!(
                    "{:<12} model: {:<36} tools: {}\n             {}",
                    a.name,
                    format!("{}{fallback}", a.model.as_deref().unwrap_or("(the task's)")),
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
        AgentsCommand::Add {
            name,
            description,
            prompt,
            tools,
            model,
            fallback_model,
        } => {
            let a = miteos
                .create_agent_type(AgentTypeInput {
                    name,
                    description,
                    system_prompt: prompt,
                    tools,
                    model,
                    fallback_model,
                })
                .await?;
            println!("added {} (tools: {})", a.name, a.tools.join(", "));
        }
        AgentsCommand::Edit {
            name,
            description,
            prompt,
            tools,
            fallback_model,
        } => {
            let current = miteos
                .agent_types()
                .await?
                .into_iter()
                .find(|a| a.name == name)
                .ok_or_else(|| Error::NotFound(format!("agent type {name} does not exist")))?;
            let a = miteos
                .update_agent_type(
                    &name,
                    AgentTypeInput {
                        name: name.clone(),
                        description: description.unwrap_or(current.description),
                        system_prompt: prompt.unwrap_or(current.system_prompt),
                        tools: tools.unwrap_or(current.tools),
                        model: current.model,
                        fallback_model: fallback_model.or(current.fallback_model),
                    },
                )
                .await?;
            println!("updated {} (tools: {})", a.name, a.tools.join(", "));
        }
        AgentsCommand::Remove { name } => {
            miteos.delete_agent_type(&name).await?;
            println!("removed {name}");
        }
        AgentsCommand::Tools => {
            for tool in miteos.tool_names().await {
                println!("{tool}");
            }
        }
    }
    Ok(())
}
