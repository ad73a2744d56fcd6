//! Matching prompts worded differently from a skill's template ("Compare the 4 biggest SaaS
//! rivals of Airtable in a spreadsheet" for "Research the top {{count}} SaaS competitors to
//! {{subject}} and create a feature comparison spreadsheet"). A free word-overlap screen picks
//! the one candidate worth asking about; a short model call (see the orchestrator) says whether
//! it is the same kind of task and binds the parameters; its answer is checked here — values
//! copied from the prompt, numbers where numbers are expected, confident enough — before a task
//! runs from the skill.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Bindings, ParameterKind, Skill};

/// The share of a template's own words a prompt must contain to be worth a model call.
pub const CLOSE_ENOUGH: f64 = 0.5;
/// The model's confidence a task needs to run from the skill.
pub const SURE_ENOUGH: f64 = 0.7;
/// A model-bound match is never as certain as one bound by the template itself (1.0).
const MODEL_CONFIDENCE_CAP: f64 = 0.95;
/// The tool the binding call must answer with.
pub const SUBMIT_BINDING: &str = "submit_binding";

/// Words that say nothing about the kind of task.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "to", "of", "for", "in", "on", "at", "by", "with", "from",
    "into", "about", "as", "is", "are", "be", "it", "its", "their", "them", "they", "this", "that",
    "these", "those", "me", "my", "i", "you", "your", "we", "our", "us", "please", "can", "could",
    "would", "some", "each", "all", "then", "also",
];

/// The content words of `text`, lowercased, a plural `s` dropped.
fn content_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_owned(),
            _ => w,
        })
        .collect()
}

/// The share (0 to 1) of the template's fixed content words that `prompt` contains.
pub fn resemblance(template: &str, prompt: &str) -> f64 {
    let mut fixed = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        fixed.push_str(&rest[..start]);
        fixed.push(' ');
        rest = rest[start..]
            .find("}}")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    fixed.push_str(rest);
    let wanted = content_words(&fixed);
    if wanted.is_empty() {
        return 0.0;
    }
    let have = content_words(prompt);
    wanted.intersection(&have).count() as f64 / wanted.len() as f64
}

/// The active skill `prompt` resembles most, when it resembles one closely enough to ask the
/// model and no skill binds it exactly (that needs no model).
pub fn closest<'a>(skills: &'a [Skill], prompt: &str) -> Option<(&'a Skill, f64)> {
    let active = skills.iter().filter(|s| s.is_matchable());
    if active.clone().any(|s| s.bind(prompt).is_some()) {
        return None;
    }
    active
        .map(|s| (s, resemblance(&s.prompt_template, prompt)))
        .filter(|(_, r)| *r >= CLOSE_ENOUGH)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// What the binding call's answer amounts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Binding {
    /// The task runs from the skill with these values.
    Bound { bindings: Bindings, confidence: f64 },
    /// It does not, for this reason.
    Declined { reason: String, confidence: f64 },
}

/// Checks the model's answer (`None`: it gave none) against the skill and the prompt.
pub fn check_binding(skill: &Skill, prompt: &str, answer: Option<&Value>) -> Binding {
    let declined = |reason: String, confidence: f64| Binding::Declined { reason, confidence };
    let Some(answer) = answer else {
        return declined(format!("the model did not call {SUBMIT_BINDING}"), 0.0);
    };
    let confidence = answer
        .get("confidence")
        .and_then(Value::as_f64)
        .unwrap_or(0.0)
        .clamp(0.0, MODEL_CONFIDENCE_CAP);
    if answer.get("same_kind").and_then(Value::as_bool) != Some(true) {
        return declined(
            "the model judged it a different kind of task".into(),
            confidence,
        );
    }
    if confidence < SURE_ENOUGH {
        return declined(
            format!(
                "the model was only {:.0}% sure (a skill runs from {:.0}%)",
                confidence * 100.0,
                SURE_ENOUGH * 100.0
            ),
            confidence,
        );
    }
    let said = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let said = said.to_lowercase();
    let said_words = content_words_all(&said);
    let mut bindings = Bindings::new();
    for p in &skill.parameters {
        let value = match answer.get("parameters").and_then(|v| v.get(&p.name)) {
            Some(Value::String(s)) => s.split_whitespace().collect::<Vec<_>>().join(" "),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        if value.is_empty() {
            return declined(format!("the model gave no {}", p.name), confidence);
        }
        let value = match p.kind {
            ParameterKind::Number => match number_in(&value, &said_words) {
                Some(n) => n,
                None => {
                    return declined(
                        format!("{} = {value:?} is not a number the request names", p.name),
                        confidence,
                    );
                }
            },
            ParameterKind::Text if said.contains(&value.to_lowercase()) => value,
            ParameterKind::Text => {
                return declined(
                    format!("{} = {value:?} is not in the request", p.name),
                    confidence,
                );
            }
        };
        bindings.insert(p.name.clone(), value);
    }
    Binding::Bound {
        bindings,
        confidence,
    }
}

/// Every word of `text` (numbers included), lowercased.
fn content_words_all(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '.' && c != ',')
        .map(|w| w.trim_matches(|c| c == '.' || c == ',').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// `value` as digits, when it is a number (in digits or a word up to twenty) that the request
/// itself names.
fn number_in(value: &str, said: &[String]) -> Option<String> {
    let value = value.trim().to_lowercase();
    let digits = match miteos_domain::words::number_word(&value) {
        Some(n) => n.to_string(),
        None if value.parse::<f64>().is_ok() => value,
        None => return None,
    };
    let word = digits
        .parse::<usize>()
        .ok()
        .and_then(miteos_domain::words::word_for);
    said.iter()
        .any(|w| *w == digits || Some(w.as_str()) == word)
        .then_some(digits)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::tests::skill;

    const TEMPLATE: &str = "Research the top {{count}} SaaS competitors to {{subject}} and create a feature comparison spreadsheet";

    fn saas() -> Skill {
        skill(
            TEMPLATE,
            &[
                ("count", ParameterKind::Number),
                ("subject", ParameterKind::Text),
            ],
        )
    }

    #[test]
    fn resemblance_counts_the_templates_own_words() {
        // research, top, saas, competitor, create, feature, comparison, spreadsheet
        let close = "Find the top 4 SaaS competitors of Airtable and make a spreadsheet comparing their features";
        assert_eq!(resemblance(TEMPLATE, close), 5.0 / 8.0);
        assert_eq!(resemblance(TEMPLATE, "Write a haiku about autumn"), 0.0);
        let s = saas();
        let skills = [s.clone()];
        assert_eq!(closest(&skills, close).map(|(_, r)| r), Some(0.625));
        assert!(
            closest(&skills, "Research the top 4 SaaS competitors to Coda and create a feature comparison spreadsheet").is_none(),
            "an exact match needs no model"
        );
        assert!(closest(&skills, "Plan a team offsite in Lisbon").is_none());
    }

    #[test]
    fn a_binding_is_checked_against_the_prompt() {
        let s = saas();
        let prompt =
            "Find the four biggest SaaS rivals of Airtable and put their features in a spreadsheet";
        let answer = |subject: &str, count: &str, confidence: f64, same: bool| {
            json!({"same_kind": same, "confidence": confidence,
                   "parameters": {"subject": subject, "count": count}})
        };
        assert_eq!(
            check_binding(&s, prompt, Some(&answer("Airtable", "4", 0.9, true))),
            Binding::Bound {
                bindings: Bindings::from([
                    ("count".into(), "4".into()),
                    ("subject".into(), "Airtable".into())
                ]),
                confidence: 0.9
            }
        );
        let Binding::Bound { confidence, .. } =
            check_binding(&s, prompt, Some(&answer("airtable", "four", 1.0, true)))
        else {
            panic!("a number word binds as digits");
        };
        assert_eq!(confidence, MODEL_CONFIDENCE_CAP);
        let declined = |a: Value| match check_binding(&s, prompt, Some(&a)) {
            Binding::Declined { reason, .. } => reason,
            b => panic!("{b:?}"),
        };
        assert!(declined(answer("Notion", "4", 0.9, true)).contains("not in the request"));
        assert!(declined(answer("Airtable", "7", 0.9, true)).contains("not a number"));
        assert!(declined(answer("Airtable", "4", 0.5, true)).contains("only 50% sure"));
        assert!(declined(answer("Airtable", "4", 0.9, false)).contains("different kind"));
        assert!(declined(json!({"same_kind": true, "confidence": 0.9})).contains("no count"));
        assert!(matches!(
            check_binding(&s, prompt, None),
            Binding::Declined { .. }
        ));
    }
}
