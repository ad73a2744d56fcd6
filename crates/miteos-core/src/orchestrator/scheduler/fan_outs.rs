//! The schedule's part in wide research (see [`crate::orchestrator::fan_out`]): starting a
//! fan-out (expanding it, unless a run before this one did), recording each item's end (its row,
//! or a retry, or why it is missing), cancelling a fan-out with its items, and merging a fan-out
//! whose items have all ended.

use std::collections::HashMap;

use tokio_util::sync::CancellationToken;

use super::super::agent::AgentOutcome;
use super::super::fan_out::{self, ITEM_ATTEMPTS, merge};
use super::super::{RunCtx, Stop};
use super::{Ended, Running, Schedule};
use crate::domain::SubtaskStatus;
use crate::domain::plan::CANCELLED_BY_USER;
use crate::store::NewSubtask;

impl Schedule {
    /// Starts fan-out `st` (already marked running here): announced, and expanded into its
    /// children when it has none yet.
    pub(super) fn start_fan_out(
        &self,
        ctx: &RunCtx,
        st: &NewSubtask,
        running: &mut Running,
        token: CancellationToken,
    ) {
        let expanded = self.children.contains_key(&st.id);
        let outputs: HashMap<String, String> = st
            .depends_on
            .iter()
            .filter_map(|d| Some((d.clone(), self.outputs.get(d)?.clone())))
            .collect();
        let (ctx, st) = (ctx.clone(), st.clone());
        running.spawn(async move {
            let started = async {
                fan_out::start(&ctx, &st).await?;
                if expanded {
                    return Ok::<_, Stop>(Ok(0));
                }
                let expanded = fan_out::expand(&ctx, &st, &outputs, &token).await?;
                if expanded.is_ok() {
                    // What is left now has the items in it: estimated again, and said.
                    let task = ctx.shared.store.get_task(&ctx.task_id).await?;
                    ctx.estimate(
                        &super::super::Plan::left_of(&task),
                        &CancellationToken::new(),
                    )
                    .await?;
                }
                Ok(expanded)
            };
            let outcome = match started.await {
                Ok(Ok(items)) => AgentOutcome::Complete(format!("{items} items")),
                Ok(Err(why)) => AgentOutcome::Failed(why),
                Err(stop) => match stop.failure() {
                    Some(reason) => AgentOutcome::Failed(reason),
                    None => AgentOutcome::Cancelled,
                },
            };
            (st.id, Ended::Started(outcome))
        });
    }

    /// Merges each running fan-out whose items have all ended.
    pub(super) fn merge_ended(&mut self, ctx: &RunCtx, running: &mut Running) {
        let ended: Vec<NewSubtask> = self
            .plan
            .iter()
            .filter(|st| {
                st.for_each.is_some()
                    && self.is(&st.id, SubtaskStatus::Running)
                    && !self.running.contains(&st.id)
                    && self.children.get(&st.id).is_some_and(|items| {
                        items.iter().all(|c| {
                            matches!(
                                self.status.get(c),
                                Some(
                                    SubtaskStatus::Complete
                                        | SubtaskStatus::Failed
                                        | SubtaskStatus::Cancelled
                                )
                            )
                        })
                    })
            })
            .cloned()
            .collect();
        for st in ended {
            self.running.insert(st.id.clone());
            let ctx = ctx.clone();
            running.spawn(async move {
                let outcome = merge::merge(&ctx, &st).await;
                (st.id, Ended::Done(outcome))
            });
        }
    }

    /// The subtasks a cancel asked for names, with the unfinished items of the fan-outs among
    /// them (items first, so a fan-out ends after them).
    pub(super) fn with_items(&self, asked: Vec<String>) -> Vec<String> {
        let mut out = Vec::new();
        for id in asked {
            if let Some(items) = self.children.get(&id) {
                out.extend(items.iter().filter(|c| !self.has_ended(c)).cloned());
            }
            out.push(id);
        }
        out
    }

    fn has_ended(&self, id: &str) -> bool {
        matches!(
            self.status.get(id),
            Some(SubtaskStatus::Complete | SubtaskStatus::Failed | SubtaskStatus::Cancelled)
        )
    }

    /// A running fan-out with no job of its own (its items do its work) ends at once when
    /// cancelled.
    pub(super) fn ends_fan_out_now(&self, id: &str) -> bool {
        self.children.contains_key(id)
            && self.is(id, SubtaskStatus::Running)
            && !self.running.contains(id)
    }

    /// Records how item `id` ended: its row when it completed; a failure is tried again while
    /// it has attempts left, then reported missing; a cancel by the user is missing too.
    pub(super) async fn finish_item(
        &mut self,
        ctx: &RunCtx,
        id: &str,
        outcome: AgentOutcome,
        by_user: bool,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let (Some(child), Some(fan_out)) = (
            self.plan.iter().find(|s| s.id == id).cloned(),
            self.parent_of
                .get(id)
                .and_then(|p| self.plan.iter().find(|s| &s.id == p))
                .cloned(),
        ) else {
            return Ok(());
        };
        let row = match outcome {
            AgentOutcome::Complete(output) => {
                self.end(ctx, id, SubtaskStatus::Complete, Some(output.clone()), None)
                    .await?;
                Some(merge::row_of(ctx, &fan_out, &child, Ok(&output)).await?)
            }
            AgentOutcome::Failed(reason) => {
                self.end(ctx, id, SubtaskStatus::Failed, None, Some(reason.clone()))
                    .await?;
                let attempt = self.attempts.get(id).copied().unwrap_or(1);
                if attempt < ITEM_ATTEMPTS && !cancel.is_cancelled() {
                    fan_out::retry_item(ctx, &child, &reason, attempt + 1).await?;
                    self.attempts.insert(id.to_owned(), attempt + 1);
                    self.status.insert(id.to_owned(), SubtaskStatus::Pending);
                    None
                } else {
                    let why = merge::failed_after(attempt, &reason);
                    Some(merge::row_of(ctx, &fan_out, &child, Err(&why)).await?)
                }
            }
            AgentOutcome::Cancelled if by_user => {
                self.end(
                    ctx,
                    id,
                    SubtaskStatus::Cancelled,
                    None,
                    Some(CANCELLED_BY_USER.to_owned()),
                )
                .await?;
                Some(merge::row_of(ctx, &fan_out, &child, Err(CANCELLED_BY_USER)).await?)
            }
            AgentOutcome::Cancelled => {
                self.end(ctx, id, SubtaskStatus::Cancelled, None, None)
                    .await?;
                None
            }
        };
        if let Some(row) = row {
            merge::journal_row(ctx, &fan_out.id, row).await?;
        }
        Ok(())
    }
}
