//! The agent loop: the model streams, calls tools (independent calls at once), gets their results,
//! and goes on until it answers without a tool call, hits the step cap, fails, or is cancelled.
//! It checks its cancel token before every model turn, every streamed item and every tool call.

use std::sync::Arc;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::budget::SubtaskClock;
use super::loops::{LoopGuard, Verdict};
use super::recipe::{Replay, light_provider, replay_skill_steps};
use super::tool_call::run_tool;
use super::{RunCtx, Stop};
use super::{skill_load, small};
use crate::domain::{AgentType, SubtaskStatus};
use crate::events::EventKind;
use crate::providers::{ChatRequest, Message, Provider, ToolCall};
use crate::store::NewSubtask;
use crate::tools::list_under;
use crate::tools::{Tool, ToolCtx};

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) enum AgentOutcome {
    Complete(String),
    Failed(String),
    Cancelled,
}

impl From<Stop> for AgentOutcome {
    /// A subtask's agent stopped: it failed (as told), or it was cancelled.
    fn from(stop: Stop) -> Self {
        match stop.failure() {
            Some(reason) => AgentOutcome::Failed(reason),
            None => AgentOutcome::Cancelled,
        }
    }
}

/// A finished dependency's result, handed to the subtasks that need it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct DependencyResult {
    pub id: String,
    pub title: String,
    pub output: String,
}

pub(crate) async fn run_agent(
    ctx: &RunCtx,
    subtask: &NewSubtask,
    deps: Vec<DependencyResult>,
    cancel: &CancellationToken,
) -> AgentOutcome {
    let span = tracing::info_span!("subtask", id = %subtask.id, agent = %subtask.agent_type);
    let clock = SubtaskClock::start(ctx, &subtask.id).await;
    let outcome = tokio::select! {
        outcome = agent_loop(ctx, subtask, deps, &clock, cancel).instrument(span) => outcome,
        reason = ctx.subtask_deadline(&clock) => Err(Stop::Failed(reason)),
    };
    match outcome {
        Ok(output) => AgentOutcome::Complete(output),
        Err(stop) => stop.into(),
    }
}

/// One agent at work on a subtask: what it runs on, the conversation so far, and its tools.
struct Agent<'a> {
    ctx: &'a RunCtx,
    subtask: &'a NewSubtask,
    provider: Arc<dyn Provider>,
    /// The model to go on with when `provider` fails for good (used once).
    fallback: Option<String>,
    /// The tools the agent type may use, as resolved (unavailable ones left out).
    available: Vec<Arc<dyn Tool>>,
    request: ChatRequest,
    tool_ctx: ToolCtx,
    loops: LoopGuard,
}

/// What the loop guard says of one turn's tool calls.
enum Guarded {
    /// Run them; a refused call gets the reason instead of running.
    Run(Vec<Option<String>>),
    /// Stop here with this output: the agent repeats work that already succeeded.
    Done(String),
}

async fn agent_loop(
    ctx: &RunCtx,
    subtask: &NewSubtask,
    deps: Vec<DependencyResult>,
    clock: &SubtaskClock,
    cancel: &CancellationToken,
) -> Result<String, Stop> {
    let mut agent = Agent::start(ctx, subtask, &deps, cancel).await?;
    if let Replay::Answer(output) = replay_skill_steps(
        ctx,
        subtask,
        &agent.available,
        &agent.tool_ctx,
        &mut agent.request,
        &mut agent.loops,
    )
    .await?
    {
        return Ok(output);
    }
    if let Some(output) = agent.deliver_first(clock, cancel).await? {
        return Ok(output);
    }
    // The budget's step limit asks at 80%; a small model's own cap stops without asking.
    // A fan-out's item is a small piece of work: its agent gets fewer steps.
    let step_cap = match agent.provider.profile().max_agent_steps {
        cap if subtask.parent.is_some() => {
            Some(cap.map_or(super::for_each::CHILD_MAX_STEPS, |c| {
                c.min(super::for_each::CHILD_MAX_STEPS)
            }))
        }
        cap => cap,
    };
    for step in 0.. {
        if cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        if let Some(cap) = step_cap.filter(|cap| step >= *cap) {
            return Err(Stop::Failed(format!(
                "the agent took {cap} steps without finishing; the model's step limit stopped it"
            )));
        }
        ctx.checkpoint(Some(clock), cancel).await?;
        let answer = match ctx
            .model_turn(
                agent.provider.as_ref(),
                &agent.request,
                Some(&subtask.id),
                cancel,
            )
            .await
        {
            Ok(answer) => answer,
            // The model failed for good (its retries are spent): the rest of the subtask runs on
            // the agent type's fallback model, if it has one.
            Err(Stop::Failed(reason)) if agent.fallback.is_some() => {
                agent.switch_to_fallback(reason).await?;
                continue;
            }
            Err(stop) => return Err(stop),
        };
        // With no tools offered (a recipe's write-up), calls a model makes up are not run.
        if answer.tool_calls.is_empty() || agent.request.tools.is_empty() {
            let output = answer.text.trim().to_owned();
            return Ok(if output.is_empty() {
                "(the agent finished without a summary)".into()
            } else {
                output
            });
        }
        agent.request.messages.push(Message::Assistant {
            text: answer.text.clone(),
            tool_calls: answer.tool_calls.clone(),
        });
        match agent.guard(&answer.text, &answer.tool_calls)? {
            Guarded::Done(output) => return Ok(output),
            Guarded::Run(refusals) => agent.run_calls(&answer.tool_calls, refusals).await?,
        }
        if let Some(why) = agent.loops.no_progress() {
            return Err(Stop::Failed(why));
        }
    }
    unreachable!("the step loop only ends by returning")
}

impl<'a> Agent<'a> {
    /// Marks the subtask running, picks its model (a lighter one where a skill's recipe allows,
    /// with the usual one to fall back on), journals the start, and sets up its conversation and
    /// tools.
    async fn start(
        ctx: &'a RunCtx,
        subtask: &'a NewSubtask,
        deps: &[DependencyResult],
        cancel: &CancellationToken,
    ) -> Result<Agent<'a>, Stop> {
        let agent = ctx
            .agent_types
            .iter()
            .find(|a| a.name == subtask.agent_type)
            .cloned()
            .ok_or_else(|| {
                Stop::Failed(format!(
                    "agent type {} no longer exists",
                    subtask.agent_type
                ))
            })?;
        let base = agent_provider(ctx, &agent)?;
        let (provider, fallback) = match light_provider(ctx, &subtask.id, &agent, &base) {
            Some(light) => (light, Some(base.model().to_owned())),
            None => (base, agent.fallback_model.clone()),
        };
        let started = EventKind::SubtaskStarted {
            subtask_id: subtask.id.clone(),
            agent_type: agent.name.clone(),
            model: provider.model().to_owned(),
        };
        // A claimed subtask's status is the task's worker's to record (it did, when it queued
        // it); else it is written with the event that tells of it.
        let journal = &ctx.shared.journal;
        match ctx.claimed {
            Some(_) => journal.append(&ctx.task_id, started).await?,
            None => {
                let running = crate::store::Change::Subtask {
                    id: subtask.id.clone(),
                    status: SubtaskStatus::Running,
                    output: None,
                    error: None,
                };
                journal.append_with(&ctx.task_id, started, running).await?
            }
        };
        let (mut available, problems) = ctx.shared.tools.resolve(&agent.tools).await;
        for problem in &problems {
            tracing::warn!(agent = %agent.name, %problem, "a tool of the agent type is not available");
        }
        let mut system = agent.system_prompt.clone();
        // A small model's context has no room for a skills list; its pipeline is fixed anyway.
        if !provider.profile().small {
            let skills = skill_load::offered(ctx, &agent.name).await?;
            if !skills.is_empty() {
                system.push_str(&skill_load::system_section(&skills));
                available.push(skill_load::LoadSkill::tool(ctx, &subtask.id, skills));
            }
        }
        let request = ChatRequest {
            system,
            messages: vec![Message::User(brief(ctx, subtask, deps).await)],
            tools: available.iter().map(|t| t.spec()).collect(),
            force_tool: None,
            max_tokens: None,
        };
        let tool_ctx = ToolCtx {
            task_dir: ctx.task_dir.clone(),
            cancel: cancel.clone(),
            http: ctx.shared.http.clone(),
            web: ctx.web.clone(),
            search: ctx.search.clone(),
            approver: None,
            shell_allow: ctx.shell_allow.clone(),
            command_users: ctx.shared.command_users.clone(),
        };
        Ok(Agent {
            ctx,
            subtask,
            provider,
            fallback,
            available,
            request,
            tool_ctx,
            loops: LoopGuard::default(),
        })
    }

    /// A small model's subtask that names its file: one turn that writes it, through the tool
    /// forced and constrained (see `small`), asked once more with the error when the call
    /// fails. `None` when the model is not small or the subtask names no file it can write.
    async fn deliver_first(
        &mut self,
        clock: &SubtaskClock,
        cancel: &CancellationToken,
    ) -> Result<Option<String>, Stop> {
        if !self.provider.profile().small || self.request.tools.is_empty() {
            return Ok(None);
        }
        let found = small::named_deliverables(&self.subtask.description)
            .into_iter()
            .rev()
            .find_map(|d| {
                let spec = self
                    .request
                    .tools
                    .iter()
                    .find(|t| t.name == d.tool)?
                    .clone();
                Some((d, spec))
            });
        let Some((deliverable, spec)) = found else {
            return Ok(None);
        };
        let ctx = self.ctx;
        let spec = small::constrained(
            &spec,
            &deliverable,
            super::check::expected_rows(&ctx.prompt),
        );
        let dir = ctx.task_dir.clone();
        let (chars, answer) = small::budget(self.provider.profile().context);
        let attached = tokio::task::spawn_blocking(move || small::attached_text(&dir, chars))
            .await
            .unwrap_or_default();
        let mut request = small::request(
            &self.request.system,
            &self.subtask.description,
            &attached,
            spec,
            &deliverable,
            answer,
        );
        let mut last_error = String::from("it answered without writing it");
        for _ in 0..2 {
            ctx.checkpoint(Some(clock), cancel).await?;
            let answer = ctx
                .model_turn(
                    self.provider.as_ref(),
                    &request,
                    Some(&self.subtask.id),
                    cancel,
                )
                .await?;
            let Some(call) = answer.tool_calls.first().cloned() else {
                request.messages.push(Message::Assistant {
                    text: answer.text.clone(),
                    tool_calls: Vec::new(),
                });
                request.messages.push(Message::User(format!(
                    "Call {} to write {} now.",
                    deliverable.tool, deliverable.file
                )));
                continue;
            };
            let result = run_tool(
                ctx,
                &self.available,
                &self.subtask.id,
                &call,
                &self.tool_ctx,
                None,
            )
            .await?;
            if result.ok {
                return Ok(Some(format!("Wrote {}.", deliverable.file)));
            }
            last_error = result.for_model.clone();
            request.messages.push(Message::Assistant {
                text: answer.text,
                tool_calls: vec![call.clone()],
            });
            request.messages.push(Message::ToolResult {
                call_id: call.id.clone(),
                name: call.name.clone(),
                content: result.for_model,
            });
        }
        Err(Stop::Failed(format!(
            "the model could not write {}: {}",
            deliverable.file,
            crate::tools::truncate_chars(&last_error, 300)
        )))
    }

    /// Goes on with the fallback model, from the same conversation (journaled).
    async fn switch_to_fallback(&mut self, reason: String) -> Result<(), Stop> {
        let ctx = self.ctx;
        let to = self.fallback.take().unwrap_or_default();
        let next = ctx
            .providers
            .resolve_model(Some(&to))
            .and_then(|m| ctx.providers.provider(&m))
            .map_err(|e| Stop::Failed(format!("{reason}; its fallback {to}: {e}")))?;
        tracing::warn!(from = self.provider.model(), to = next.model(), %reason, "switching to the fallback model");
        ctx.shared
            .journal
            .append(
                &ctx.task_id,
                EventKind::ModelFallback {
                    subtask_id: self.subtask.id.clone(),
                    from: self.provider.model().to_owned(),
                    to: next.model().to_owned(),
                    reason,
                },
            )
            .await?;
        self.provider = next;
        Ok(())
    }

    /// The loop guard's word on a turn's calls. Repeating a call that already succeeded
    /// changes nothing: its work is done, so the subtask ends with what it has (and what the
    /// model `said`). Repeating a failing call is being stuck: the subtask fails.
    fn guard(&mut self, said: &str, calls: &[ToolCall]) -> Result<Guarded, Stop> {
        let mut refusals = Vec::with_capacity(calls.len());
        for call in calls {
            match self.loops.check(call) {
                Verdict::Run => refusals.push(None),
                Verdict::Refuse(why) => refusals.push(Some(why)),
                Verdict::Stop(why) if self.loops.already_done(call) => {
                    let said = said.trim();
                    return Ok(Guarded::Done(format!(
                        "{}(Miteos {why}; the results of its earlier calls are kept.)",
                        if said.is_empty() {
                            String::new()
                        } else {
                            format!("{said}\n\n")
                        }
                    )));
                }
                Verdict::Stop(why) => return Err(Stop::Failed(why)),
            }
        }
        Ok(Guarded::Run(refusals))
    }

    /// Runs one turn's calls at once and hands their results to the conversation.
    async fn run_calls(
        &mut self,
        calls: &[ToolCall],
        refusals: Vec<Option<String>>,
    ) -> Result<(), Stop> {
        let results = join_all(calls.iter().zip(refusals).map(|(call, refusal)| {
            run_tool(
                self.ctx,
                &self.available,
                &self.subtask.id,
                call,
                &self.tool_ctx,
                refusal,
            )
        }))
        .await;
        for (call, result) in calls.iter().zip(results) {
            let result = result?;
            if result.ran {
                self.loops.record(call, result.ok);
            }
            self.request.messages.push(Message::ToolResult {
                call_id: call.id.clone(),
                name: call.name.clone(),
                content: result.for_model,
            });
        }
        Ok(())
    }
}

/// The agent type's preferred model when it has one that is configured, else the task's.
fn agent_provider(ctx: &RunCtx, agent: &AgentType) -> Result<Arc<dyn Provider>, Stop> {
    match &agent.model {
        Some(model) => {
            let model = ctx.providers.resolve_model(Some(model))?;
            Ok(ctx.providers.provider(&model)?)
        }
        None => Ok(ctx.provider.clone()),
    }
}

/// The user message that starts an agent: the task, its subtask, and what its dependencies found.
async fn brief(ctx: &RunCtx, subtask: &NewSubtask, deps: &[DependencyResult]) -> String {
    let mut out = format!(
        "The user's task: {}\n\nYour part of it ({}): {}\n{}\n",
        ctx.prompt, subtask.id, subtask.title, subtask.description
    );
    if !deps.is_empty() {
        out.push_str("\nResults of the subtasks yours builds on:\n");
        for d in deps {
            out.push_str(&format!("\n## {} — {}\n{}\n", d.id, d.title, d.output));
        }
    }
    let root = ctx.task_dir.clone();
    if let Ok(Ok(files)) = tokio::task::spawn_blocking(move || list_under(&root, &root)).await
        && !files.is_empty()
    {
        out.push_str("\nFiles already in the task folder:\n");
        for (name, size) in files {
            out.push_str(&format!("- {name} ({size} bytes)\n"));
        }
    }
    out.push_str(
        "\nDo your part with your tools. When you are done, answer without calling a tool: a concise summary of \
         what you found or produced, with sources and the names of the files you wrote. That answer is passed on \
         to the subtasks that build on yours.",
    );
    out
}
