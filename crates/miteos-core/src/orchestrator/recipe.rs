//! A subtask of a task that runs from a skill, as its agent meets it: the recipe's replayable
//! steps run without the model, a known answer is reused, and a subtask left only its write-up
//! gets the steps' results, no tools, and a lighter model where one costs less.

use std::sync::Arc;

use super::loops::LoopGuard;
use super::tool_call::run_tool;
use super::{RunCtx, Stop};
use crate::domain::AgentType;
use crate::providers::{ChatRequest, Message, Provider, ToolCall};
use crate::store::NewSubtask;
use crate::tools::{Tool, ToolCtx};

/// How a subtask's recipe left it once replayed.
pub(super) enum Replay {
    /// No recipe, or it stopped at a step that needs the model (or that failed): the agent goes
    /// on from there, with its tools.
    Continue,
    /// Every step ran and the skill knows the answer.
    Answer(String),
    /// Every step ran and the recipe has no more: the model only writes up, without tools.
    WriteUp,
}

/// When the task runs from a skill: runs the subtask's leading replayable steps (those the
/// parameters alone decide) without asking the model. Stops at the first step that needs the
/// model, or that fails; the steps run go into the conversation as if the agent had made them, so
/// the model starts where they leave off. When every step ran, the subtask's result is the
/// skill's when it knows it (the subtask did the same in every source task); otherwise the steps'
/// results go into the brief and the tools are taken away: all that is left is the write-up,
/// which a small model finishes in one call, and no tool schemas are sent for it.
pub(super) async fn replay_skill_steps(
    ctx: &RunCtx,
    subtask: &NewSubtask,
    available: &[Arc<dyn Tool>],
    tool_ctx: &ToolCtx,
    request: &mut ChatRequest,
    loops: &mut LoopGuard,
) -> Result<Replay, Stop> {
    let Some(run) = &ctx.skill else {
        return Ok(Replay::Continue);
    };
    let Some(recipe) = run.subtask(&subtask.id) else {
        return Ok(Replay::Continue);
    };
    let mut all_ran = !recipe.steps.is_empty();
    let mut done = Vec::new();
    for (i, step) in recipe.steps.iter().enumerate() {
        if !step.replayable {
            all_ran = false;
            break;
        }
        let call = ToolCall {
            id: format!("replay_{}", i + 1),
            name: step.tool.clone(),
            arguments: crate::skills::render_json(&step.arguments, run.bindings()),
        };
        let _ = loops.check(&call);
        let result = run_tool(ctx, available, &subtask.id, &call, tool_ctx, None).await?;
        if result.ran {
            loops.record(&call, result.ok);
        }
        let ok = result.ok;
        done.push((call, result.for_model));
        if !ok {
            all_ran = false;
            break;
        }
    }
    if all_ran && let Some(output) = &recipe.output {
        return Ok(Replay::Answer(output.clone()));
    }
    if all_ran && let Some(Message::User(brief)) = request.messages.first_mut() {
        brief.push_str(
            "\nMiteos already made every step of your part, as a recipe from earlier runs of this kind of task:\n",
        );
        for (call, content) in &done {
            brief.push_str(&format!(
                "\n{}: {} {}\n{content}\n",
                call.id, call.name, call.arguments
            ));
        }
        brief.push_str(
            "\nWrite your final answer now from these results: what was found or made, with sources. \
             No tools are offered for this answer.",
        );
        request.tools.clear();
        return Ok(Replay::WriteUp);
    }
    for (call, content) in done {
        request.messages.push(Message::Assistant {
            text: String::new(),
            tool_calls: vec![call.clone()],
        });
        request.messages.push(Message::ToolResult {
            call_id: call.id,
            name: call.name,
            content,
        });
    }
    Ok(Replay::Continue)
}

/// The lighter model for a subtask of the task's skill whose recipe allows one (every step is
/// replayed; the model only writes up their results): when the agent type names no model of its
/// own and the lighter one costs less than `base`.
pub(super) fn light_provider(
    ctx: &RunCtx,
    subtask_id: &str,
    agent: &AgentType,
    base: &Arc<dyn Provider>,
) -> Option<Arc<dyn Provider>> {
    let recipe = ctx.skill.as_ref()?.subtask(subtask_id)?;
    if !recipe.light || agent.model.is_some() {
        return None;
    }
    let light = ctx.providers.light_model(base.model())?;
    let light = match ctx.providers.resolve_model(Some(&light)) {
        Ok(m) if m != base.model() && ctx.shared.prices.cheaper(&m, base.model()) => m,
        Ok(_) => return None,
        Err(e) => {
            tracing::warn!(model = %light, error = %e, "the lighter model cannot be used");
            return None;
        }
    };
    ctx.providers
        .provider(&light)
        .inspect_err(
            |e| tracing::warn!(model = %light, error = %e, "the lighter model cannot be used"),
        )
        .ok()
}
