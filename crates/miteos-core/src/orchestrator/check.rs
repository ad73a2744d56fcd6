//! The result check, before a task says `completed`. Miteos's own checks come first and cost
//! nothing: every deliverable is there and not empty, every file the instructions name was
//! written, spreadsheets open, and a spreadsheet of "5 competitors" has at least 5 rows. Then,
//! unless the model is too small to judge or the task runs from a validated skill (whose recipe
//! was judged when it was validated), one short model call (a forced `submit_check`) compares the
//! outputs and files with the prompt. What is unmet becomes a revision while
//! revisions are left, and is reported on the task otherwise. A judgement that cannot be had
//! (the call fails, the answer does not parse) leaves Miteos's own checks to decide.

use std::path::Path;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::planner::tool_arguments;
use super::{RunCtx, Stop};
use crate::domain::{Deliverable, Subtask, SubtaskStatus, Task};
use crate::events::EventKind;
use crate::preview::{Preview, preview};
use crate::providers::{ChatRequest, Message, ToolSpec};

pub const SUBMIT_CHECK: &str = "submit_check";
const OUTPUT_EXCERPT: usize = 600;
/// File kinds the instructions may name as something to produce.
const PRODUCED: &[&str] = &[
    "xlsx", "csv", "md", "html", "json", "svg", "png", "txt", "pdf", "docx", "pptx", "zip",
];
/// Plural words after a number that do not count rows ("in 3 sentences", "5 minutes").
const NOT_ROWS: &[&str] = &[
    "minutes",
    "hours",
    "days",
    "weeks",
    "months",
    "years",
    "seconds",
    "words",
    "pages",
    "sentences",
    "paragraphs",
    "slides",
    "percent",
    "dollars",
    "cents",
    "points",
    "bullets",
    "steps",
    "lines",
    "characters",
    "columns",
    "sections",
    "tabs",
    "sheets",
    "charts",
    "files",
];

/// What Miteos's own checks looked at, and what they found unmet.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Findings {
    pub checked: Vec<String>,
    pub unmet: Vec<String>,
}

/// How many rows the prompt asks for ("top 5 competitors", "ten cities"), when it names one
/// such count.
pub(crate) fn expected_rows(prompt: &str) -> Option<usize> {
    let words: Vec<String> = prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut counts: Vec<usize> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let n = match w.parse::<usize>() {
            Ok(n) => n,
            Err(_) => match crate::domain::words::number_word(w) {
                Some(n) => n,
                None => continue,
            },
        };
        // The counted thing: a plural among the next two words ("5 SaaS competitors").
        let counted = words[i + 1..]
            .iter()
            .take(2)
            .find(|x| x.len() > 3 && x.ends_with('s'));
        if let Some(thing) = counted
            && !NOT_ROWS.contains(&thing.as_str())
            && (2..=100).contains(&n)
            && !counts.contains(&n)
        {
            counts.push(n);
        }
    }
    match counts.as_slice() {
        [n] => Some(*n),
        _ => None,
    }
}

/// File names an instruction mentions (`comparison.xlsx`), outside the attachments' folder.
fn named_files(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "\"'`(),;:<>[]{}*".contains(c))
        .map(|w| w.trim_end_matches(['.', '!', '?']))
        .filter(|w| {
            let ext = w.rsplit_once('.').map(|(stem, e)| (stem, e.to_lowercase()));
            matches!(ext, Some((stem, e)) if !stem.is_empty() && PRODUCED.contains(&e.as_str()))
                && !w.starts_with(super::INPUTS_DIR)
                && !w.contains("//")
        })
        .map(str::to_owned)
        .collect()
}

/// Miteos's own checks of a task's result (blocking: reads the task folder).
pub(crate) fn file_checks(
    prompt: &str,
    subtasks: &[Subtask],
    deliverables: &[Deliverable],
    task_dir: &Path,
) -> Findings {
    let mut f = Findings::default();
    let rows_wanted = expected_rows(prompt);
    for d in deliverables {
        let path = task_dir.join(&d.name);
        f.checked.push(d.name.clone());
        match std::fs::metadata(&path) {
            Err(_) => {
                f.unmet
                    .push(format!("{} is missing from the task folder", d.name));
                continue;
            }
            Ok(m) if m.len() == 0 => {
                f.unmet.push(format!("{} is empty", d.name));
                continue;
            }
            Ok(_) => {}
        }
        let ext = d
            .name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        if !["csv", "xlsx", "xls", "tsv"].contains(&ext.as_str()) {
            continue;
        }
        match preview(&path, &d.name) {
            Ok(Preview::Table { sheets, .. }) => {
                let rows = sheets.first().map_or(0, |s| {
                    s.rows
                        .iter()
                        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
                        .count()
                });
                let data_rows = rows.saturating_sub(1);
                if let Some(n) = rows_wanted
                    && data_rows < n
                {
                    f.unmet.push(format!(
                        "{} has {data_rows} rows; the task asks for {n}",
                        d.name
                    ));
                }
            }
            Ok(_) => {}
            Err(e) => f.unmet.push(format!(
                "{} does not open as a spreadsheet: {}",
                d.name,
                e.public_message()
            )),
        }
    }
    let written: Vec<String> = deliverables.iter().map(|d| d.name.clone()).collect();
    // A fan-out's items write nothing of their own: the fan-out writes the merged file.
    for s in subtasks
        .iter()
        .filter(|s| !s.dropped && s.status == SubtaskStatus::Complete && s.parent.is_none())
    {
        for name in named_files(&s.description) {
            let there = written
                .iter()
                .any(|w| w == &name || w.rsplit('/').next() == Some(name.as_str()))
                || task_dir.join(&name).is_file();
            if !there && !f.unmet.iter().any(|u| u.starts_with(&name)) {
                f.unmet.push(format!(
                    "{name} (named in {}'s instructions) was not written",
                    s.id
                ));
            }
        }
    }
    f
}

impl RunCtx {
    /// Checks the result against the prompt, journals what was found, and answers what is unmet.
    pub(crate) async fn check_result(
        &self,
        cancel: &CancellationToken,
    ) -> Result<Vec<String>, Stop> {
        let task = self.shared.store.get_task(&self.task_id).await?;
        let deliverables = self.shared.store.deliverables_of(&self.task_id).await?;
        let (prompt, subtasks, files, dir) = (
            task.prompt.clone(),
            task.subtasks.clone(),
            deliverables.clone(),
            self.task_dir.clone(),
        );
        let mut findings =
            tokio::task::spawn_blocking(move || file_checks(&prompt, &subtasks, &files, &dir))
                .await
                .map_err(|e| Stop::Failed(format!("the result check crashed: {e}")))?;
        // A run from a validated skill repeats a recipe whose result was judged when it was
        // validated: Miteos's own checks suffice.
        let proven = self
            .skill
            .as_ref()
            .is_some_and(|r| r.skill.status == crate::skills::SkillStatus::Active);
        if proven {
            findings
                .checked
                .push("the skill's validated recipe".to_owned());
        } else if !self.provider.profile().small {
            match self.judge(&task, &deliverables, cancel).await {
                Ok(Some(unmet)) => {
                    findings
                        .checked
                        .push("the request, by the model".to_owned());
                    for u in unmet {
                        if !findings.unmet.contains(&u) {
                            findings.unmet.push(u);
                        }
                    }
                }
                Ok(None) => {}
                Err(Stop::Failed(reason)) => {
                    tracing::warn!(%reason, "the result could not be judged; Miteos's own checks decide");
                }
                Err(stop) => return Err(stop),
            }
        }
        self.shared
            .journal
            .append(
                &self.task_id,
                EventKind::ResultChecked {
                    checked: findings.checked,
                    unmet: findings.unmet.clone(),
                },
            )
            .await?;
        Ok(findings.unmet)
    }

    /// The model's judgement: what of the request is unmet (`None`: no usable answer).
    async fn judge(
        &self,
        task: &Task,
        deliverables: &[Deliverable],
        cancel: &CancellationToken,
    ) -> Result<Option<Vec<String>>, Stop> {
        let mut work = String::new();
        for s in task
            .subtasks
            .iter()
            .filter(|s| !s.dropped && s.status == SubtaskStatus::Complete && s.parent.is_none())
        {
            let excerpt: String = s
                .output
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(OUTPUT_EXCERPT)
                .collect();
            work.push_str(&format!("- {} {}: {excerpt}\n", s.id, s.title));
        }
        let files: Vec<String> = deliverables
            .iter()
            .map(|d| format!("- {} ({} bytes)", d.name, d.size_bytes))
            .collect();
        let request = ChatRequest {
            system: format!(
                "You check the work of AI agents against what the user asked, before it is handed over. Call \
                 {SUBMIT_CHECK} once: unmet lists each part of the request that the results and files do not \
                 meet, in a short sentence each; an empty list when all is met. Judge only what was asked."
            ),
            messages: vec![Message::User(format!(
                "The request: {}\n\nWhat the agents reported:\n{work}\nFiles delivered:\n{}",
                task.prompt,
                if files.is_empty() {
                    "(none)".to_owned()
                } else {
                    files.join("\n")
                }
            ))],
            tools: vec![ToolSpec {
                name: SUBMIT_CHECK.to_owned(),
                description: "Submit what of the request is unmet.".to_owned(),
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "unmet": {"type": "array", "maxItems": 5, "items": {"type": "string", "maxLength": 200}}
                    },
                    "required": ["unmet"]
                }),
            }],
            force_tool: Some(SUBMIT_CHECK.to_owned()),
            max_tokens: Some(512),
        };
        let answer = self
            .model_turn(self.provider.as_ref(), &request, None, cancel)
            .await?;
        let unmet = tool_arguments(&answer, SUBMIT_CHECK).and_then(|v| match v.get("unmet") {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(|i| {
                        i.as_str()
                            .map(|s| s.trim().chars().take(200).collect::<String>())
                    })
                    .filter(|s| !s.is_empty())
                    .take(5)
                    .collect(),
            ),
            _ => None,
        });
        Ok(unmet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_names_the_rows_it_wants() {
        assert_eq!(
            expected_rows("Research the top 5 SaaS competitors to Notion"),
            Some(5)
        );
        assert_eq!(expected_rows("Compare ten cities by rent"), Some(10));
        assert_eq!(expected_rows("Summarise it in 3 sentences"), None);
        assert_eq!(
            expected_rows("3 competitors and 7 features"),
            None,
            "two counts: unclear"
        );
        assert_eq!(expected_rows("Write a memo"), None);
    }

    #[test]
    fn named_files_are_what_instructions_say_to_produce() {
        assert_eq!(
            named_files(
                "Write comparison.xlsx and comparison.csv (one row each). Read inputs/a.pdf, see https://x.io/a.html"
            ),
            vec!["comparison.xlsx", "comparison.csv"]
        );
    }

    #[test]
    fn missing_files_empty_files_and_short_spreadsheets_are_unmet() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("table.csv"), "name,price\nA,1\nB,2\n").unwrap();
        std::fs::write(dir.path().join("empty.md"), "").unwrap();
        let deliverable = |name: &str| Deliverable {
            id: format!("d-{name}"),
            task_id: "t".into(),
            name: name.into(),
            mime_type: "text/plain".into(),
            size_bytes: 1,
            sha256: String::new(),
            subtask_id: None,
            created_at: chrono::Utc::now(),
        };
        let subtask = Subtask {
            description: "Write table.csv and chart.svg".into(),
            ..crate::orchestrator::revision::tests::stored(
                "st-1",
                "analyst",
                SubtaskStatus::Complete,
                &[],
            )
        };
        let f = file_checks(
            "Compare the top 5 SaaS competitors",
            &[subtask],
            &[deliverable("table.csv"), deliverable("empty.md")],
            dir.path(),
        );
        assert_eq!(
            f.unmet,
            vec![
                "table.csv has 2 rows; the task asks for 5",
                "empty.md is empty",
                "chart.svg (named in st-1's instructions) was not written",
            ]
        );
    }
}
