//! Wide research: a fan-out subtask does the same work for each item of a list. The list comes
//! from the plan (items the prompt names), from a dependency's result (a list a researcher
//! produced) or from a file in the task folder (an attached table). When the fan-out is ready
//! and its list is known, it is expanded into one child per item — a plan revision by
//! `fan_out`, journaled like any other — each child with the item in its brief, the fan-out's
//! agent type and tools. Children run with as many in flight as the provider allows; a failed
//! item is tried again ([`ITEM_ATTEMPTS`] in all) and then reported missing; the fan-out ends by
//! merging its children's results into one deliverable ([`merge`]).

pub(crate) mod merge;

use std::collections::HashMap;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::for_each::{MAX_ITEMS, clean_item, dedup, parse_list, texts};
use super::planner::tool_arguments;
use super::revision::{record, taken_ids};
use super::{RunCtx, Stop};
use crate::domain::plan::{PlanDiff, RevisedBy};
use crate::events::EventKind;
use crate::ids::subtask_id;
use crate::providers::{ChatRequest, Message, ToolSpec};
use crate::store::{NewSubtask, RevisionWrite};

/// Runs an item gets (the first and its retries) before it is reported missing.
pub(crate) const ITEM_ATTEMPTS: u32 = 3;

/// The fan-out's items: its own, or the list in the dependency's result or the file it names
/// (a text that names them in prose — "the leaders are Coda, Confluence and ClickUp" — has them
/// read out by one short model call); the inner `Err` says why there are none.
async fn items_of(
    ctx: &RunCtx,
    fan_out: &NewSubtask,
    outputs: &HashMap<String, String>,
    cancel: &CancellationToken,
) -> Result<Result<Vec<String>, String>, Stop> {
    let for_each = fan_out.for_each.clone().unwrap_or_default();
    if !for_each.items.is_empty() {
        return Ok(Ok(for_each.items));
    }
    let Some(from) = for_each.from else {
        return Ok(Err("it names no items".into()));
    };
    let (mut items, text) = if let Some(output) = outputs.get(&from) {
        (parse_list(output), Some(output.clone()))
    } else {
        let path = match crate::tools::confined_path(&ctx.task_dir, &from) {
            Ok(path) => path,
            Err(e) => return Ok(Err(format!("its list, {from}, cannot be read: {e}"))),
        };
        let name = from.clone();
        match tokio::task::spawn_blocking(move || list_in_file(&path, &name))
            .await
            .map_err(|e| Stop::Failed(e.to_string()))?
        {
            Ok(found) => found,
            Err(why) => return Ok(Err(why)),
        }
    };
    if let Some(text) = text.filter(|_| items.is_empty()) {
        items = items_by_model(ctx, &text, cancel).await?;
    }
    if items.is_empty() {
        return Ok(Err(format!("{from} has no list of items to work through")));
    }
    Ok(Ok(items))
}

const SUBMIT_ITEMS: &str = "submit_items";

/// The items a text lists, as the model reads them (none on a small model).
async fn items_by_model(
    ctx: &RunCtx,
    text: &str,
    cancel: &CancellationToken,
) -> Result<Vec<String>, Stop> {
    if ctx.provider.profile().small {
        return Ok(Vec::new());
    }
    let request = ChatRequest {
        system: format!(
            "You read the list of items out of a text. Call {SUBMIT_ITEMS} once with every item the text lists \
             (companies, products, papers, places, …), each by its name alone, in the text's order; an empty list \
             when it lists none."
        ),
        messages: vec![Message::User(text.chars().take(12_000).collect())],
        tools: vec![ToolSpec {
            name: SUBMIT_ITEMS.to_owned(),
            description: "Submit the items the text lists.".to_owned(),
            parameters: json!({"type": "object", "properties": {
                "items": {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "string"}}},
                "required": ["items"]}),
        }],
        force_tool: Some(SUBMIT_ITEMS.to_owned()),
        max_tokens: Some(4096),
    };
    let answer = ctx
        .model_turn(ctx.provider.as_ref(), &request, None, cancel)
        .await?;
    Ok(tool_arguments(&answer, SUBMIT_ITEMS)
        .map(|v| dedup(texts(v.get("items"))))
        .unwrap_or_default())
}

/// The items in a file: a table's first column (below its header), or a text's list (and the
/// text, to read it otherwise when it has no list).
fn list_in_file(
    path: &std::path::Path,
    name: &str,
) -> Result<(Vec<String>, Option<String>), String> {
    use crate::preview::{Preview, preview};
    match preview(path, name)
        .map_err(|e| format!("{name} cannot be read: {}", e.public_message()))?
    {
        Preview::Table { sheets, .. } => Ok((
            dedup(
                sheets
                    .first()
                    .map(|s| {
                        s.rows
                            .iter()
                            .skip(1)
                            .filter_map(|r| r.first().map(|c| clean_item(c)))
                    })
                    .into_iter()
                    .flatten()
                    .filter(|c| !c.is_empty())
                    .collect(),
            ),
            None,
        )),
        Preview::Markdown { text, .. } | Preview::Text { text, .. } => {
            Ok((parse_list(&text), Some(text)))
        }
        _ => Err(format!("{name} is neither a table nor a text with a list")),
    }
}

/// What a child is asked to do: the fan-out's instructions for its one item, and how to end.
fn child_brief(fan_out: &NewSubtask, item: &str, total: usize) -> String {
    let columns = merge::columns_of(fan_out);
    let fields: Vec<String> = columns
        .iter()
        .map(|c| format!("{}: \"…\"", serde_json::Value::String(c.clone())))
        .collect();
    format!(
        "{}\n\nDo this for one item only: {item}. (The list has {total} items; other agents do the others at \
         the same time, so do not work on them.) Be brief and factual.\nWhen you are done, answer with a short \
         summary for {item}, and end the answer with one JSON object for the merged table:\n\
         {{\"item\": {}, {}, \"sources\": [\"the URLs or files you used\"]}}",
        fan_out.description,
        serde_json::Value::String(item.to_owned()),
        fields.join(", ")
    )
}

/// Expands the fan-out into one child per item: a revision by `fan_out`. `Ok(Err(why))` when its
/// list cannot be had (the fan-out fails, and is recovered like any failed subtask).
pub(crate) async fn expand(
    ctx: &RunCtx,
    fan_out: &NewSubtask,
    outputs: &HashMap<String, String>,
    cancel: &CancellationToken,
) -> Result<Result<usize, String>, Stop> {
    let mut items = match items_of(ctx, fan_out, outputs, cancel).await? {
        Ok(items) => items,
        Err(why) => {
            return Ok(Err(format!(
                "{} has nothing to fan out over: {why}",
                fan_out.id
            )));
        }
    };
    let all = items.len();
    items.truncate(MAX_ITEMS);
    let _one_at_a_time = ctx.shared.revisions.lock().await;
    let task = ctx.shared.store.get_task(&ctx.task_id).await?;
    if task
        .subtasks
        .iter()
        .any(|s| s.parent.as_deref() == Some(&fan_out.id))
    {
        return Ok(Ok(0));
    }
    let next = taken_ids(&task.subtasks);
    let children: Vec<NewSubtask> = items
        .iter()
        .enumerate()
        .map(|(i, item)| NewSubtask {
            id: subtask_id(next + i),
            title: item.chars().take(80).collect(),
            description: child_brief(fan_out, item, items.len()),
            agent_type: fan_out.agent_type.clone(),
            depends_on: Vec::new(),
            needs: fan_out.needs.clone(),
            for_each: None,
            parent: Some(fan_out.id.clone()),
            item: Some(item.clone()),
        })
        .collect();
    let source = match fan_out.for_each.as_ref().and_then(|f| f.from.as_deref()) {
        Some(from) if outputs.contains_key(from) => format!(" from {from}'s result"),
        Some(from) => format!(" from {from}"),
        None => String::new(),
    };
    let cut = if all > items.len() {
        format!(" (the first {} of {all}: {MAX_ITEMS} at most)", items.len())
    } else {
        String::new()
    };
    let reason = format!(
        "{} fans out over {} items{source}{cut}",
        fan_out.id,
        items.len()
    );
    record_fan_out(ctx, reason, children, Vec::new()).await?;
    Ok(Ok(items.len()))
}

/// Stores and journals a revision by `fan_out` that adds `added` and runs `rerun` again. The
/// caller holds `shared.revisions`.
async fn record_fan_out(
    ctx: &RunCtx,
    reason: String,
    added: Vec<NewSubtask>,
    rerun: Vec<String>,
) -> Result<(), Stop> {
    let write = RevisionWrite {
        by: RevisedBy::FanOut,
        reason,
        diff: PlanDiff {
            added: added.iter().map(NewSubtask::announced).collect(),
            rerun: rerun.clone(),
            ..PlanDiff::default()
        },
        added,
        changed: Vec::new(),
        dropped: Vec::new(),
        rerun,
        follow_up: None,
        // Only the task's own run expands its fan-outs, under the revisions lock.
        expected: None,
    };
    record(&ctx.shared, &ctx.task_id, write).await?;
    Ok(())
}

/// Puts a failed item back to run (a revision by `fan_out`: its next attempt).
pub(crate) async fn retry_item(
    ctx: &RunCtx,
    child: &NewSubtask,
    error: &str,
    next_attempt: u32,
) -> Result<(), Stop> {
    let _one_at_a_time = ctx.shared.revisions.lock().await;
    let reason = format!(
        "{} ({}) failed: {error}; trying it again (attempt {next_attempt} of {ITEM_ATTEMPTS})",
        child.item.as_deref().unwrap_or(&child.title),
        child.id
    );
    record_fan_out(ctx, reason, Vec::new(), vec![child.id.clone()]).await
}

/// Marks the fan-out running (its children do the work) and announces it.
pub(crate) async fn start(ctx: &RunCtx, fan_out: &NewSubtask) -> Result<(), Stop> {
    ctx.shared
        .journal
        .append_with(
            &ctx.task_id,
            EventKind::SubtaskStarted {
                subtask_id: fan_out.id.clone(),
                agent_type: fan_out.agent_type.clone(),
                model: ctx.provider.model().to_owned(),
            },
            crate::store::Change::Subtask {
                id: fan_out.id.clone(),
                status: crate::domain::SubtaskStatus::Running,
                output: None,
                error: None,
            },
        )
        .await?;
    Ok(())
}
