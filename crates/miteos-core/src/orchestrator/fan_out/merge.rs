//! Merging a fan-out: each child's result becomes a row — the values of the fan-out's columns
//! from the JSON object its answer ends with (the answer itself when there is none), and its
//! sources (those it names, the URLs in its answer, the pages it fetched). Rows are journaled as
//! items end (`item_merged`), so the War Room's table fills in live and a resumed run has them;
//! when every item has ended, the rows become one deliverable — a table with one row per item
//! or a document with one section per item — in which a missing item says why it is missing.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::super::RunCtx;
use super::super::agent::AgentOutcome;
use crate::domain::{Subtask, SubtaskStatus};
use crate::events::EventKind;
use crate::publish::provenance::sources_read;
use crate::store::NewSubtask;
use crate::tools::{Tool, ToolCtx, WriteFile, WriteSpreadsheet, ellipsized};

const MAX_SOURCES: usize = 20;
/// Longest value kept in a cell, and in the summary handed to dependants.
const MAX_CELL_CHARS: usize = 4000;
const SUMMARY_CELL_CHARS: usize = 300;
/// The summary handed to dependants stops adding rows past this size (the file has them all).
const MAX_SUMMARY_CHARS: usize = 24_000;

/// The merged table's columns besides the item and its sources (`Summary` when none are named).
pub(crate) fn columns_of(fan_out: &NewSubtask) -> Vec<String> {
    match fan_out.for_each.as_ref().map(|f| f.columns.clone()) {
        Some(columns) if !columns.is_empty() => columns,
        _ => vec!["Summary".to_owned()],
    }
}

/// One item's row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub child_id: String,
    pub item: String,
    pub values: Vec<String>,
    pub sources: Vec<String>,
    pub missing: Option<String>,
}

/// The values of `columns` and the sources a child's answer gives: from the last JSON object
/// in it that has any of them, else the answer's text as the first column.
pub(crate) fn values_of(columns: &[String], answer: &str) -> (Vec<String>, Vec<String>) {
    let key = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted: Vec<String> = columns.iter().map(|c| key(c)).collect();
    let object = answer
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == '{')
        .find_map(|(at, _)| {
            let value = serde_json::Deserializer::from_str(&answer[at..])
                .into_iter::<Value>()
                .next()?
                .ok()?;
            let Value::Object(o) = value else { return None };
            o.keys()
                .any(|k| wanted.contains(&key(k)) || key(k) == "sources")
                .then_some((at, o))
        });
    let mut sources = Vec::new();
    let values = match &object {
        Some((_, o)) => {
            let by_key: HashMap<String, &Value> = o.iter().map(|(k, v)| (key(k), v)).collect();
            if let Some(Value::Array(listed)) = by_key.get("sources") {
                sources.extend(listed.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            wanted
                .iter()
                .map(|k| by_key.get(k).map(|v| cell(v)).unwrap_or_default())
                .collect()
        }
        None => {
            let mut values = vec![String::new(); columns.len()];
            if let Some(first) = values.first_mut() {
                *first = ellipsized(answer.trim(), MAX_CELL_CHARS);
            }
            values
        }
    };
    sources.extend(urls_in(answer));
    (values, distinct(sources))
}

fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_owned(),
        Value::Array(values) => values.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    };
    ellipsized(&text, MAX_CELL_CHARS)
}

/// The http(s) URLs written in a text.
fn urls_in(text: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("http") {
        let candidate = &rest[at..];
        if candidate.starts_with("http://") || candidate.starts_with("https://") {
            let end = candidate
                .find(|c: char| c.is_whitespace() || "\"'<>()[]{}`,|".contains(c))
                .unwrap_or(candidate.len());
            let url = candidate[..end].trim_end_matches(['.', ';', ':']);
            if url.len() > "https://".len() {
                urls.push(url.to_owned());
            }
            rest = &candidate[end..];
        } else {
            rest = &candidate[4..];
        }
    }
    urls
}

/// Each source once, in order, at most [`MAX_SOURCES`].
fn distinct(sources: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in sources {
        if !out.contains(&s) && out.len() < MAX_SOURCES {
            out.push(s);
        }
    }
    out
}

/// The row of a child that ended: its values and sources when it completed, else why it is
/// missing.
pub(crate) async fn row_of(
    ctx: &RunCtx,
    fan_out: &NewSubtask,
    child: &NewSubtask,
    ended: Result<&str, &str>,
) -> crate::error::Result<Row> {
    let columns = columns_of(fan_out);
    let item = child.item.clone().unwrap_or_else(|| child.title.clone());
    let (values, sources, missing) = match ended {
        Ok(answer) => {
            let (values, named) = values_of(&columns, answer);
            let calls = ctx
                .shared
                .journal
                .events_of_kinds(
                    &ctx.task_id,
                    &["tool_call_started", "tool_call_finished"],
                    Some(&child.id),
                )
                .await?;
            let read = sources_read(&calls, |_| true)
                .into_iter()
                .filter(|s| s.starts_with("http"));
            (values, distinct(named.into_iter().chain(read)), None)
        }
        Err(why) => (
            vec![String::new(); columns.len()],
            Vec::new(),
            Some(why.to_owned()),
        ),
    };
    Ok(Row {
        child_id: child.id.clone(),
        item,
        values,
        sources,
        missing,
    })
}

/// Journals an item's row (`item_merged`).
pub(crate) async fn journal_row(
    ctx: &RunCtx,
    fan_out_id: &str,
    row: Row,
) -> crate::error::Result<()> {
    ctx.shared
        .journal
        .append(
            &ctx.task_id,
            EventKind::ItemMerged {
                subtask_id: fan_out_id.to_owned(),
                child_id: row.child_id,
                item: row.item,
                values: row.values,
                sources: row.sources,
                missing: row.missing,
            },
        )
        .await?;
    Ok(())
}

/// Why an item that failed for good has no result.
pub(crate) fn failed_after(attempts: u32, error: &str) -> String {
    format!("failed after {attempts} attempts: {error}")
}

/// Why an item that ended without a result has none.
pub(crate) fn missing_reason(child: &Subtask) -> String {
    match (child.status, child.error.as_deref()) {
        (SubtaskStatus::Failed, Some(e)) => failed_after(child.attempt, e),
        (SubtaskStatus::Cancelled, Some(e)) => e.to_owned(),
        (SubtaskStatus::Cancelled, None) => "cancelled".to_owned(),
        (_, Some(e)) => e.to_owned(),
        _ => "no result".to_owned(),
    }
}

/// Merges the fan-out's children, all ended, into its deliverable; the fan-out's result is a
/// summary of the merged table for the subtasks that build on it.
pub(crate) async fn merge(ctx: &RunCtx, fan_out: &NewSubtask) -> AgentOutcome {
    match merged(ctx, fan_out).await {
        Ok(summary) => AgentOutcome::Complete(summary),
        Err(e) => AgentOutcome::Failed(format!("merging the items failed: {}", e.public_message())),
    }
}

async fn merged(ctx: &RunCtx, fan_out: &NewSubtask) -> crate::error::Result<String> {
    let task = ctx.shared.store.get_task(&ctx.task_id).await?;
    let children: Vec<&Subtask> = task
        .subtasks
        .iter()
        .filter(|s| s.parent.as_deref() == Some(&fan_out.id) && !s.dropped)
        .collect();
    // The rows journaled as items ended; a child that ended without one (a restart in between)
    // gets it now.
    let mut journaled: HashMap<String, Row> = HashMap::new();
    for event in ctx
        .shared
        .journal
        .events_of_kinds(&ctx.task_id, &["item_merged"], None)
        .await?
    {
        if let EventKind::ItemMerged {
            subtask_id,
            child_id,
            item,
            values,
            sources,
            missing,
        } = event.kind
            && subtask_id == fan_out.id
        {
            journaled.insert(
                child_id.clone(),
                Row {
                    child_id,
                    item,
                    values,
                    sources,
                    missing,
                },
            );
        }
    }
    let mut rows = Vec::with_capacity(children.len());
    for child in &children {
        let current = journaled
            .remove(&child.id)
            .filter(|r| r.missing.is_none() == (child.status == SubtaskStatus::Complete));
        let row = match current {
            Some(row) => row,
            None => {
                let why = missing_reason(child);
                let ended = match (&child.status, &child.output) {
                    (SubtaskStatus::Complete, Some(output)) => Ok(output.as_str()),
                    _ => Err(why.as_str()),
                };
                let row = row_of(ctx, fan_out, &NewSubtask::from(*child), ended).await?;
                journal_row(ctx, &fan_out.id, row.clone()).await?;
                row
            }
        };
        rows.push(row);
    }
    let columns = columns_of(fan_out);
    let name = deliverable_name(fan_out);
    write(ctx, &name, &columns, &rows).await?;
    crate::deliverables::register(
        &ctx.shared.store,
        &ctx.shared.journal,
        &ctx.task_id,
        &ctx.task_dir,
        &name,
        Some(&fan_out.id),
    )
    .await?;
    Ok(summary(&name, &columns, &rows))
}

/// The merged deliverable's file: as the fan-out names it, else after its title, a workbook.
pub(crate) fn deliverable_name(fan_out: &NewSubtask) -> String {
    if let Some(name) = fan_out
        .for_each
        .as_ref()
        .and_then(|f| f.deliverable.clone())
    {
        return name;
    }
    let stem: String = fan_out
        .title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    format!("{}.xlsx", if stem.is_empty() { "items" } else { &stem })
}

/// Writes the rows with the tools agents use: a table (`Item`, the columns, `Sources`, `Status`)
/// or a document with one section per item.
async fn write(
    ctx: &RunCtx,
    name: &str,
    columns: &[String],
    rows: &[Row],
) -> crate::error::Result<()> {
    let tool_ctx = ToolCtx {
        task_dir: ctx.task_dir.clone(),
        cancel: tokio_util::sync::CancellationToken::new(),
        http: ctx.shared.http.clone(),
        web: ctx.web.clone(),
        search: None,
        approver: None,
        shell_allow: std::sync::Arc::new(Vec::new()),
        command_users: None,
    };
    let written = if name.to_ascii_lowercase().ends_with(".md") {
        WriteFile
            .call(
                json!({"path": name, "content": document(columns, rows)}),
                &tool_ctx,
            )
            .await
    } else {
        let mut header = vec!["Item".to_owned()];
        header.extend(columns.iter().cloned());
        header.extend(["Sources".to_owned(), "Status".to_owned()]);
        let table: Vec<Vec<Value>> = rows
            .iter()
            .map(|r| {
                let mut cells = vec![Value::String(r.item.clone())];
                cells.extend(r.values.iter().cloned().map(Value::String));
                cells.push(Value::String(r.sources.join("\n")));
                cells.push(Value::String(match &r.missing {
                    Some(why) => format!("missing: {why}"),
                    None => "done".to_owned(),
                }));
                cells
            })
            .collect();
        WriteSpreadsheet
            .call(
                Value::Object(Map::from_iter([
                    ("path".to_owned(), json!(name)),
                    ("columns".to_owned(), json!(header)),
                    ("rows".to_owned(), json!(table)),
                ])),
                &tool_ctx,
            )
            .await
    };
    written
        .map(|_| ())
        .map_err(|e| crate::error::Error::Internal(format!("writing {name}: {e}")))
}

/// One section per item: its values under the columns' names, its sources, or why it is missing.
fn document(columns: &[String], rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&format!("## {}\n\n", r.item));
        match &r.missing {
            Some(why) => out.push_str(&format!("*Missing: {why}*\n\n")),
            None => {
                for (column, value) in columns.iter().zip(&r.values) {
                    if columns.len() == 1 {
                        out.push_str(&format!("{value}\n\n"));
                    } else {
                        out.push_str(&format!("**{column}:** {value}\n\n"));
                    }
                }
                if !r.sources.is_empty() {
                    out.push_str("Sources:\n");
                    for s in &r.sources {
                        out.push_str(&format!("- {s}\n"));
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// The fan-out's result: counts, the file, and the table with its cells shortened.
fn summary(name: &str, columns: &[String], rows: &[Row]) -> String {
    let missing: Vec<&Row> = rows.iter().filter(|r| r.missing.is_some()).collect();
    let mut out = format!(
        "Merged {} of {} items into {name}.",
        rows.len() - missing.len(),
        rows.len()
    );
    if !missing.is_empty() {
        let told: Vec<String> = missing
            .iter()
            .map(|r| format!("{} ({})", r.item, r.missing.as_deref().unwrap_or_default()))
            .collect();
        out.push_str(&format!(" Missing: {}.", told.join("; ")));
    }
    let escape = |s: &str| ellipsized(&s.replace('|', "/").replace('\n', " "), SUMMARY_CELL_CHARS);
    out.push_str(&format!(
        "\n\n| Item | {} | Sources |\n|",
        columns.join(" | ")
    ));
    out.push_str(&"---|".repeat(columns.len() + 2));
    for (shown, r) in rows.iter().enumerate() {
        if out.len() > MAX_SUMMARY_CHARS {
            out.push_str(&format!("\n\n({} more rows in {name})", rows.len() - shown));
            break;
        }
        let values: Vec<String> = match &r.missing {
            Some(_) => vec!["(missing)".to_owned(); columns.len()],
            None => r.values.iter().map(|v| escape(v)).collect(),
        };
        out.push_str(&format!(
            "\n| {} | {} | {} |",
            escape(&r.item),
            values.join(" | "),
            escape(&r.sources.join(" "))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::values_of;

    #[test]
    fn a_child_s_answer_becomes_its_row() {
        let columns = vec!["Pricing".to_owned(), "Key features".to_owned()];
        let answer = "Notion is a workspace. See https://notion.so/pricing.\n```json\n{\"item\": \"Notion\", \"pricing\": \"$10/user\", \"key_features\": [\"docs\", \"wikis\"], \"sources\": [\"https://notion.so\"]}\n```";
        let (values, sources) = values_of(&columns, answer);
        assert_eq!(values, ["$10/user", "docs, wikis"]);
        assert_eq!(sources, ["https://notion.so", "https://notion.so/pricing"]);
        let (values, sources) = values_of(&columns, "Just prose, no object {not json}.");
        assert_eq!(values, ["Just prose, no object {not json}.", ""]);
        assert!(sources.is_empty());
    }
}
