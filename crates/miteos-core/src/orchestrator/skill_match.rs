//! Binding a prompt worded otherwise than any skill's template: when the word screen finds a
//! skill close enough ([`crate::skills::closest`]), one short call to the task's model says
//! whether it is the same kind of task and binds the parameters; the answer is checked
//! ([`crate::skills::check_binding`]) before the task runs from the skill. The call counts as
//! planning in the task's usage. A decline is journaled and the task is planned as usual.

use std::sync::Arc;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::planner::tool_arguments;
use super::{RunCtx, Stop};
use crate::events::EventKind;
use crate::providers::{ChatRequest, Message, ToolSpec};
use crate::skills::{
    Binding, BoundBy, ParameterKind, SUBMIT_BINDING, Skill, SkillMatch, SkillRun, check_binding,
    closest,
};

/// The skill the prompt binds to by a model call, recorded as the task's; `None` when no skill
/// is close enough or the model declined.
pub(crate) async fn bind_by_model(
    ctx: &RunCtx,
    cancel: &CancellationToken,
) -> Result<Option<Arc<SkillRun>>, Stop> {
    let skills = ctx
        .shared
        .store
        .active_skills_of(ctx.owner.as_deref())
        .await?;
    let Some((skill, resemblance)) = closest(&skills, &ctx.prompt) else {
        return Ok(None);
    };
    tracing::info!(skill = %skill.id, resemblance, "the prompt is close to a skill; asking the model");
    ctx.checkpoint(None, cancel).await?;
    let request = binding_request(skill, &ctx.prompt);
    let verdict = match ctx
        .model_turn(ctx.provider.as_ref(), &request, None, cancel)
        .await
    {
        Ok(answer) => check_binding(
            skill,
            &ctx.prompt,
            tool_arguments(&answer, SUBMIT_BINDING).as_ref(),
        ),
        // Not binding is no reason to fail the task: the planner gets its turn.
        Err(Stop::Failed(reason)) => Binding::Declined {
            reason: format!("the model call failed: {reason}"),
            confidence: 0.0,
        },
        Err(stop) => return Err(stop),
    };
    match verdict {
        Binding::Bound {
            bindings,
            confidence,
        } => {
            let matched = SkillMatch {
                skill_id: skill.id.clone(),
                name: skill.name.clone(),
                parameters: bindings,
                confidence,
                bound_by: BoundBy::Model,
            };
            ctx.shared
                .store
                .set_task_skill(&ctx.task_id, &matched)
                .await?;
            Ok(Some(Arc::new(SkillRun {
                skill: skill.clone(),
                matched,
            })))
        }
        Binding::Declined { reason, confidence } => {
            tracing::info!(skill = %skill.id, %reason, "the prompt does not run from the skill");
            ctx.shared
                .journal
                .append(
                    &ctx.task_id,
                    EventKind::SkillDeclined {
                        skill_id: skill.id.clone(),
                        name: skill.name.clone(),
                        confidence,
                        reason,
                    },
                )
                .await?;
            Ok(None)
        }
    }
}

/// The short model call that decides whether `prompt` is the skill's kind of task and binds
/// its parameters.
fn binding_request(skill: &Skill, prompt: &str) -> ChatRequest {
    let mut properties = serde_json::Map::new();
    let mut described = Vec::new();
    for p in &skill.parameters {
        let kind = match p.kind {
            ParameterKind::Number => "a number, in digits",
            ParameterKind::Text => "text copied from the request",
        };
        properties.insert(
            p.name.clone(),
            json!({"type": "string", "maxLength": 200, "description": kind}),
        );
        described.push(format!(
            "- {} ({kind}; earlier values: {})",
            p.name,
            p.examples.join(", ")
        ));
    }
    let names: Vec<&str> = skill.parameters.iter().map(|p| p.name.as_str()).collect();
    ChatRequest {
        system: format!(
            "You decide whether a request asks for the same kind of task as a saved skill, and fill in the \
             skill's parameters from it. Answer same_kind true only when running the skill with your values \
             would do everything the request asks: the same steps and the same kind of result, nothing asked \
             for left out. Copy each value exactly as the request says it. Call {SUBMIT_BINDING}."
        ),
        messages: vec![Message::User(format!(
            "The skill: {}\nIts prompt: {}\nIts parameters:\n{}\n\nThe request: {prompt}",
            skill.description,
            skill.prompt_template,
            described.join("\n")
        ))],
        tools: vec![ToolSpec {
            name: SUBMIT_BINDING.into(),
            description:
                "Submit whether the request is the skill's kind of task, and its parameters.".into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "same_kind": {"type": "boolean"},
                    "parameters": {"type": "object", "properties": properties, "required": names},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1,
                                   "description": "how sure you are, 0 to 1"}
                },
                "required": ["same_kind", "parameters", "confidence"]
            }),
        }],
        force_tool: Some(SUBMIT_BINDING.into()),
        max_tokens: Some(300),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "Research the top {{count}} SaaS competitors to {{subject}} and create a feature comparison spreadsheet";

    fn saas() -> Skill {
        serde_json::from_value(json!({
            "id": "sk-1", "name": "saas", "description": "Compare SaaS competitors", "version": 1,
            "parameters": [
                {"name": "count", "kind": "number", "examples": ["5"]},
                {"name": "subject", "kind": "text", "examples": ["Notion"]}
            ],
            "prompt_template": TEMPLATE, "title_template": "", "subtasks": [], "source_tasks": [],
            "status": "active", "validation": null,
            "stats": {"uses": 0, "successes": 0, "mean_tokens": 0.0, "mean_cost_usd": 0.0, "mean_seconds": 0.0,
                      "source_mean_tokens": 0.0, "source_mean_seconds": 0.0},
            "created_at": "2026-11-29T00:00:00Z"
        }))
        .expect("a skill")
    }

    #[test]
    fn the_binding_request_forces_its_tool_with_the_parameters() {
        let r = binding_request(&saas(), "Compare Coda's 3 top rivals");
        assert_eq!(r.force_tool.as_deref(), Some(SUBMIT_BINDING));
        let params = &r.tools[0].parameters["properties"]["parameters"];
        assert_eq!(params["required"], json!(["count", "subject"]));
        let Message::User(text) = &r.messages[0] else {
            panic!()
        };
        assert!(
            text.contains(TEMPLATE) && text.contains("The request: Compare Coda's 3 top rivals")
        );
    }
}
