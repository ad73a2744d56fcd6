//! A fan-out's list, as plans write it and as results hold it: the `for_each` of a plan checked
//! (items, where they come from, the merged table's columns and file), and the items of a list
//! written in text (a researcher's numbered list, a table, a JSON array) read back. Pure code;
//! [`super::fan_out`] runs fan-outs.

use serde_json::Value;

use crate::domain::plan::ForEach;

/// Items one fan-out may have.
pub const MAX_ITEMS: usize = 200;
/// Columns of a merged table, besides the item and its sources.
const MAX_COLUMNS: usize = 20;
const MAX_ITEM_CHARS: usize = 200;
/// Model turns a fan-out item's agent may take: an item is a small piece of work.
pub(crate) const CHILD_MAX_STEPS: usize = 12;
/// The merged deliverable's kinds, by extension.
const DELIVERABLE_KINDS: &[&str] = &["xlsx", "csv", "md"];

/// A plan's `for_each` for subtask `id`, checked: an object `{items, from, columns,
/// deliverable}`, or just the items (an array) or where they come from (a string). `from`
/// naming a subtask (as `dependency` maps it) makes that subtask a dependency; otherwise it is
/// a file in the task folder. What is wrong goes to `problems`.
pub(crate) fn checked_for_each(
    id: &str,
    raw: &Value,
    dependency: impl Fn(&str) -> Option<String>,
    depends_on: &mut Vec<String>,
    problems: &mut Vec<String>,
) -> Option<ForEach> {
    let mut for_each = ForEach::default();
    let (items, from, columns, deliverable) = match raw {
        Value::Null => return None,
        Value::Array(_) => (Some(raw), None, None, None),
        Value::String(_) => (None, Some(raw), None, None),
        Value::Object(o) => (
            o.get("items"),
            o.get("from"),
            o.get("columns"),
            o.get("deliverable"),
        ),
        _ => {
            problems.push(format!(
                "{id}'s for_each must be an object with items or from"
            ));
            return None;
        }
    };
    for_each.items = dedup(texts(items));
    if for_each.items.len() > MAX_ITEMS {
        problems.push(format!(
            "{id}'s for_each has {} items; at most {MAX_ITEMS} are allowed",
            for_each.items.len()
        ));
    }
    if let Some(from) = from.and_then(Value::as_str).map(str::trim) {
        match dependency(from) {
            Some(dep) if dep == id => problems.push(format!("{id}'s list cannot come from itself")),
            Some(dep) => {
                if !depends_on.contains(&dep) {
                    depends_on.push(dep.clone());
                }
                for_each.from = Some(dep);
            }
            None if is_relative_file(from) => for_each.from = Some(from.to_owned()),
            None => problems.push(format!(
                "{id}'s list comes from {from:?}, which is neither a subtask of the plan nor a file in the task folder"
            )),
        }
    }
    if for_each.items.is_empty() && for_each.from.is_none() {
        problems.push(format!(
            "{id}'s for_each names neither its items nor where they come from (from)"
        ));
    }
    for_each.columns = dedup(texts(columns))
        .into_iter()
        .map(|c| c.chars().take(60).collect::<String>())
        .filter(|c| !matches!(c.to_lowercase().as_str(), "item" | "sources" | "status"))
        .take(MAX_COLUMNS)
        .collect();
    if let Some(name) = deliverable.and_then(Value::as_str).map(str::trim) {
        let kind = std::path::Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !is_relative_file(name) || !kind.is_some_and(|k| DELIVERABLE_KINDS.contains(&k.as_str()))
        {
            problems.push(format!(
                "{id}'s deliverable {name:?} must be a file name ending in .xlsx, .csv or .md"
            ));
        } else {
            for_each.deliverable = Some(name.to_owned());
        }
    }
    Some(for_each)
}

/// Strings (numbers written out) of a JSON array, trimmed, empty ones left out.
pub(crate) fn texts(value: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(values)) = value else {
        return Vec::new();
    };
    values
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Each text once (the first spelling kept), clipped.
pub(crate) fn dedup(texts: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    texts
        .into_iter()
        .map(|t| t.chars().take(MAX_ITEM_CHARS).collect::<String>())
        .filter(|t| seen.insert(t.to_lowercase()))
        .collect()
}

fn is_relative_file(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(':')
        && path.contains('.')
        && path.split('/').all(|part| part != ".." && !part.is_empty())
}

/// The items of a list written in text: a JSON array, a Markdown table's first column, or a
/// numbered or bulleted list (nested lines left out); failing those, short lines one an item.
/// Each item once, emphasis and links taken off, a trailing " — description" cut.
pub fn parse_list(text: &str) -> Vec<String> {
    if let Some(items) = json_list(text).filter(|i| !i.is_empty()) {
        return dedup(items);
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let table: Vec<String> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| l.trim_matches('|').split('|').next().map(str::trim))
        .filter(|cell| !cell.chars().all(|c| matches!(c, '-' | ':' | ' ')))
        .map(clean_item)
        .collect();
    if table.len() >= 2 {
        // The first row is the header.
        return dedup(
            table
                .into_iter()
                .skip(1)
                .filter(|i| !i.is_empty())
                .collect(),
        );
    }
    let listed: Vec<(usize, &str)> = lines.iter().filter_map(|l| list_line(l)).collect();
    if let Some(top) = listed.iter().map(|(indent, _)| *indent).min() {
        return dedup(
            listed
                .iter()
                .filter(|(indent, _)| *indent == top)
                .map(|(_, item)| clean_item(item))
                .filter(|i| !i.is_empty())
                .collect(),
        );
    }
    let short: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.ends_with(':'))
        .collect();
    if short.len() >= 2 && short.iter().all(|l| l.chars().count() <= 80) {
        return dedup(short.into_iter().map(clean_item).collect());
    }
    Vec::new()
}

/// A JSON array in the text: of strings, or of objects whose name, title or item is one.
fn json_list(text: &str) -> Option<Vec<String>> {
    let start = text.find('[')?;
    let value: Value = serde_json::Deserializer::from_str(&text[start..])
        .into_iter::<Value>()
        .next()?
        .ok()?;
    let Value::Array(values) = value else {
        return None;
    };
    Some(
        values
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(clean_item(s)),
                Value::Object(o) => ["name", "title", "item"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str))
                    .map(clean_item),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// A list line's indentation and its text: `1. x`, `2) x`, `- x`, `* x`, `• x`.
fn list_line(line: &str) -> Option<(usize, &str)> {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    let after_marker = if let Some(r) = rest
        .strip_prefix("- ")
        .or_else(|| rest.strip_prefix("* "))
        .or_else(|| rest.strip_prefix("• "))
    {
        r
    } else {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let r = &rest[digits..];
        r.strip_prefix(". ").or_else(|| r.strip_prefix(") "))?
    };
    let item = after_marker.trim();
    (!item.is_empty()).then_some((indent, item))
}

/// An item as written in a list, without emphasis, link targets, quotes or a description after
/// a dash (or after a colon, when the name before it was bold).
pub(crate) fn clean_item(raw: &str) -> String {
    let raw = raw.trim();
    let bold_head = raw.starts_with("**") || raw.starts_with("__");
    let mut text = raw.replace("**", "").replace("__", "").replace('`', "");
    // [name](url) → name
    if let (Some(open), Some(close)) = (text.find('['), text.find("]("))
        && open < close
    {
        let end = text[close..]
            .find(')')
            .map_or(text.len(), |e| close + e + 1);
        text = format!(
            "{}{}{}",
            &text[..open],
            &text[open + 1..close],
            &text[end..]
        );
    }
    for dash in [" — ", " – ", " - "] {
        if let Some((head, _)) = text.split_once(dash)
            && !head.trim().is_empty()
        {
            text = head.to_owned();
        }
    }
    if bold_head
        && let Some((head, _)) = text.split_once(": ")
        && !head.trim().is_empty()
    {
        text = head.to_owned();
    }
    text.trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '“' | '”'))
        .trim_end_matches([',', ';', '.'])
        .trim()
        .chars()
        .take(MAX_ITEM_CHARS)
        .collect()
}

#[cfg(test)]
mod tests;
