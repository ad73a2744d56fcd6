//! Binding a prompt worded otherwise than any skill's template: when the word screen finds a
//! skill close enough ([`crate::skills::closest`]), one short call to the task's model says
//! whether it is the same kind of task and binds the parameters; the answer is checked
//! ([`crate::skills::check_binding`]) before the task runs from the skill. The call counts as
//! planning in the task's usage. A decline is journaled and the task is planned as usual.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::planner::tool_arguments;
use super::{RunCtx, Stop};
use crate::events::EventKind;
use crate::skills::{
    Binding, BoundBy, SUBMIT_BINDING, SkillMatch, SkillRun, binding_request, check_binding, closest,
};

/// The skill the prompt binds to by a model call, recorded as the task's; `None` when no skill
/// is close enough or the model declined.
pub(crate) async fn bind_by_model(
    ctx: &RunCtx,
    cancel: &CancellationToken,
) -> Result<Option<Arc<SkillRun>>, Stop> {
    let skills = ctx.store.active_skills().await?;
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
            ctx.store.set_task_skill(&ctx.task_id, &matched).await?;
            Ok(Some(Arc::new(SkillRun {
                skill: skill.clone(),
                matched,
            })))
        }
        Binding::Declined { reason, confidence } => {
            tracing::info!(skill = %skill.id, %reason, "the prompt does not run from the skill");
            ctx.journal
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
