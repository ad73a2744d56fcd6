//! Budgets: what a task, and each of its subtasks, may spend in tokens, cost, model calls (steps)
//! and wall time. Defaults live in the settings; a task may override them when it is created and
//! the user may raise them while it runs.
//!
//! The rule the orchestrator applies ([`Budget::check`]): at [`ASK_AT`] of any limit the task
//! pauses and asks the user to raise the limit or stop; at the limit it stops, keeping what it
//! made. This module is pure: the orchestrator measures, this decides.

use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// The share of a limit at which the task pauses and asks.
pub const ASK_AT: f64 = 0.8;

/// Limits of one scope (the task, or each subtask). `null` means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetLimits {
    /// Input plus output tokens.
    pub tokens: Option<i64>,
    /// US cents.
    pub cost_cents: Option<i64>,
    /// Model calls.
    pub steps: Option<i64>,
    /// Wall time in seconds, time spent paused not counted.
    pub seconds: Option<i64>,
}

/// A task's budget: limits on the whole task and on each of its subtasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Budget {
    pub task: BudgetLimits,
    pub subtask: BudgetLimits,
}

impl Default for Budget {
    /// Generous enough for real work, tight enough that a runaway task is caught within minutes
    /// and a few dollars.
    fn default() -> Self {
        Budget {
            task: BudgetLimits {
                tokens: Some(2_000_000),
                cost_cents: Some(500),
                steps: Some(100),
                seconds: Some(60 * 60),
            },
            subtask: BudgetLimits {
                tokens: Some(500_000),
                cost_cents: None,
                steps: Some(12),
                seconds: Some(20 * 60),
            },
        }
    }
}

/// Changes to some limits; a field left out stays as it is, `null` removes the limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LimitsChange {
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    pub tokens: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    pub cost_cents: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    pub steps: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    pub seconds: Option<Option<i64>>,
}

/// Changes to a budget (a task's at creation, or a raise while it runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub task: Option<LimitsChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subtask: Option<LimitsChange>,
}

/// A field that is present (even as `null`) becomes `Some`, so "left out" and "null" differ.
fn present<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// The largest value each limit accepts: far above real use, low enough that sums never overflow.
const MAX: [(Measure, i64); 4] = [
    (Measure::Tokens, 10_000_000_000),
    (Measure::Cost, 10_000_000),
    (Measure::Steps, 100_000),
    (Measure::Time, 30 * 24 * 60 * 60),
];

impl BudgetLimits {
    pub fn get(&self, measure: Measure) -> Option<i64> {
        match measure {
            Measure::Tokens => self.tokens,
            Measure::Cost => self.cost_cents,
            Measure::Steps => self.steps,
            Measure::Time => self.seconds,
        }
    }

    fn slot(&mut self, measure: Measure) -> &mut Option<i64> {
        match measure {
            Measure::Tokens => &mut self.tokens,
            Measure::Cost => &mut self.cost_cents,
            Measure::Steps => &mut self.steps,
            Measure::Time => &mut self.seconds,
        }
    }

    fn validate(&self, scope: &str) -> Result<()> {
        for (measure, max) in MAX {
            if let Some(v) = self.get(measure)
                && !(1..=max).contains(&v)
            {
                return Err(Error::InvalidInput(format!(
                    "the {scope} {} limit must be between 1 and {max}, or null for no limit",
                    measure.unit()
                )));
            }
        }
        Ok(())
    }

    fn apply(mut self, change: &LimitsChange) -> Self {
        let changes = [
            (Measure::Tokens, change.tokens),
            (Measure::Cost, change.cost_cents),
            (Measure::Steps, change.steps),
            (Measure::Time, change.seconds),
        ];
        for (measure, value) in changes {
            if let Some(value) = value {
                *self.slot(measure) = value;
            }
        }
        self
    }
}

impl Budget {
    /// Every limit positive and within range.
    pub fn validate(&self) -> Result<()> {
        self.task.validate("task")?;
        self.subtask.validate("subtask")
    }

    /// This budget with `change` applied, validated.
    pub fn with(mut self, change: &BudgetChange) -> Result<Budget> {
        if let Some(c) = &change.task {
            self.task = self.task.apply(c);
        }
        if let Some(c) = &change.subtask {
            self.subtask = self.subtask.apply(c);
        }
        self.validate()?;
        Ok(self)
    }

    /// What of this budget goes past a limit `ceiling` sets, in words; `None` when every limit
    /// the ceiling has is kept (none lifted, none above it). On a team's server the budget an
    /// admin set bounds every member's task.
    pub fn beyond(&self, ceiling: &Budget) -> Option<String> {
        for (scope, mine, max) in [
            ("task", &self.task, &ceiling.task),
            ("subtask", &self.subtask, &ceiling.subtask),
        ] {
            for measure in Measure::ALL {
                let Some(limit) = max.get(measure) else {
                    continue;
                };
                match mine.get(measure) {
                    Some(value) if value <= limit => {}
                    Some(value) => {
                        return Some(format!(
                            "a {scope}'s {} of {} is above the team's limit of {}",
                            measure.unit(),
                            measure.show(value),
                            measure.show(limit)
                        ));
                    }
                    None => {
                        return Some(format!(
                            "a {scope} without a limit on {} goes past the team's limit of {}",
                            measure.unit(),
                            measure.show(limit)
                        ));
                    }
                }
            }
        }
        None
    }

    /// This budget with the limit a pause asked about doubled (at least above what is used).
    pub fn raised(mut self, pause: &BudgetPause) -> Budget {
        let limits = match pause.scope {
            BudgetScope::Task => &mut self.task,
            BudgetScope::Subtask => &mut self.subtask,
        };
        let max = MAX
            .iter()
            .find(|(m, _)| *m == pause.measure)
            .map_or(i64::MAX, |(_, max)| *max);
        let slot = limits.slot(pause.measure);
        if let Some(limit) = *slot {
            // Above the use that triggered the pause, so the raise does not ask again at once.
            let floor = (pause.used as f64 / ASK_AT).ceil() as i64 + 1;
            *slot = Some(limit.saturating_mul(2).max(floor).min(max));
        }
        self
    }

    /// What the limits say about `usage` of `scope`: go on, ask, or stop. Stops win over asks;
    /// among asks, the measure closest to its limit is asked about.
    pub fn check(&self, scope: BudgetScope, usage: &Usage) -> Check {
        let limits = match scope {
            BudgetScope::Task => &self.task,
            BudgetScope::Subtask => &self.subtask,
        };
        let mut ask: Option<(f64, Measure, i64, i64)> = None;
        for measure in Measure::ALL {
            let Some(limit) = limits.get(measure) else {
                continue;
            };
            let used = usage.get(measure);
            let share = used as f64 / limit as f64;
            if used >= limit {
                return Check::Stop(Overrun {
                    scope,
                    measure,
                    used,
                    limit,
                });
            }
            if share >= ASK_AT && ask.is_none_or(|(s, ..)| share > s) {
                ask = Some((share, measure, used, limit));
            }
        }
        match ask {
            Some((_, measure, used, limit)) => Check::Ask(Overrun {
                scope,
                measure,
                used,
                limit,
            }),
            None => Check::Go,
        }
    }
}

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    Tokens,
    Cost,
    Steps,
    Time,
}

impl Measure {
    pub const ALL: [Measure; 4] = [
        Measure::Tokens,
        Measure::Cost,
        Measure::Steps,
        Measure::Time,
    ];

    fn unit(self) -> &'static str {
        match self {
            Measure::Tokens => "tokens",
            Measure::Cost => "cost (cents)",
            Measure::Steps => "steps",
            Measure::Time => "time (seconds)",
        }
    }

    /// `amount` in words: "1,234 tokens", "$1.20", "12 steps" (model calls), "4 min 05 s".
    pub fn show(self, amount: i64) -> String {
        match self {
            Measure::Tokens => format!("{} tokens", thousands(amount)),
            Measure::Cost => format!("${}.{:02}", amount / 100, amount % 100),
            Measure::Steps if amount == 1 => "1 step".to_owned(),
            Measure::Steps => format!("{amount} steps"),
            Measure::Time if amount >= 60 && amount % 60 == 0 => format!("{} min", amount / 60),
            Measure::Time if amount >= 60 => format!("{} min {:02} s", amount / 60, amount % 60),
            Measure::Time => format!("{amount} s"),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Whose limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BudgetScope {
    Task,
    Subtask,
}

/// What a task or subtask has used, in the limits' units (cost in cents, rounded up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub tokens: i64,
    pub cost_cents: i64,
    pub steps: i64,
    pub seconds: i64,
}

impl Usage {
    fn get(&self, measure: Measure) -> i64 {
        match measure {
            Measure::Tokens => self.tokens,
            Measure::Cost => self.cost_cents,
            Measure::Steps => self.steps,
            Measure::Time => self.seconds,
        }
    }
}

/// A limit reached (or nearly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overrun {
    pub scope: BudgetScope,
    pub measure: Measure,
    pub used: i64,
    pub limit: i64,
}

impl Overrun {
    /// "the task used $4.10 of its limit of $5.00".
    pub fn describe(&self, subtask_id: Option<&str>) -> String {
        let whose = match (self.scope, subtask_id) {
            (BudgetScope::Subtask, Some(id)) => format!("subtask {id}"),
            (BudgetScope::Subtask, None) => "the subtask".to_owned(),
            (BudgetScope::Task, _) => "the task".to_owned(),
        };
        format!(
            "{whose} used {} of its limit of {}",
            self.measure.show(self.used),
            self.measure.show(self.limit)
        )
    }
}

/// The verdict of [`Budget::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Go,
    Ask(Overrun),
    Stop(Overrun),
}

/// Why a task waits for the user: a limit is nearly reached, or the plan's estimate is above one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetPause {
    pub scope: BudgetScope,
    /// The subtask whose limit it is (subtask scope).
    pub subtask_id: Option<String>,
    pub measure: Measure,
    /// In the measure's unit (tokens, cents, model calls, seconds); for an estimate, the estimate.
    pub used: i64,
    pub limit: i64,
    /// True when the estimate, not the use so far, is over the limit.
    pub estimated: bool,
    /// What happened, in words ("the task used $4.10 of its limit of $5.00 (82%)"); the
    /// question is always: raise the limit, or stop?
    pub message: String,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub since: chrono::DateTime<chrono::Utc>,
}

/// What a task is expected to spend, made from its plan before any subtask runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub tokens: i64,
    pub cost_cents: i64,
    /// How many of the plan's subtasks were estimated from earlier runs of the same agent type on
    /// the same model (the rest from a typical subtask).
    pub from_history: u32,
    pub subtasks: u32,
    /// A model of the plan has no known price: `cost_cents` leaves it out.
    #[serde(default)]
    pub cost_unknown: bool,
}

/// The user's answer to a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BudgetDecision {
    /// Go on with a higher limit: the one asked about doubled, or as `budget` says.
    Raise,
    /// End the task now (`cancelled`), keeping its deliverables.
    Stop,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_budget_stays_within_its_ceiling() {
        let ceiling = Budget::default();
        assert_eq!(Budget::default().beyond(&ceiling), None);
        let mut lower = Budget::default();
        lower.task.cost_cents = Some(100);
        assert_eq!(lower.beyond(&ceiling), None);
        let mut higher = Budget::default();
        higher.task.cost_cents = Some(501);
        assert!(higher.beyond(&ceiling).unwrap().contains("$5.00"));
        let mut lifted = Budget::default();
        lifted.subtask.steps = None;
        assert!(lifted.beyond(&ceiling).unwrap().contains("without a limit"));
    }

    use super::*;

    fn usage(tokens: i64, cost_cents: i64, steps: i64, seconds: i64) -> Usage {
        Usage {
            tokens,
            cost_cents,
            steps,
            seconds,
        }
    }

    #[test]
    fn eighty_percent_asks_and_the_limit_stops() {
        let budget = Budget::default();
        assert_eq!(
            budget.check(BudgetScope::Subtask, &usage(1000, 0, 9, 10)),
            Check::Go
        );
        let Check::Ask(o) = budget.check(BudgetScope::Subtask, &usage(1000, 0, 10, 10)) else {
            panic!("10 of 12 steps is over 80%");
        };
        assert_eq!((o.measure, o.used, o.limit), (Measure::Steps, 10, 12));
        // A stop wins over an ask of another measure.
        let Check::Stop(o) = budget.check(BudgetScope::Task, &usage(1_700_000, 500, 1, 1)) else {
            panic!("the cost limit is reached");
        };
        assert_eq!(o.measure, Measure::Cost);
        assert_eq!(
            o.describe(None),
            "the task used $5.00 of its limit of $5.00"
        );
        // The measure closest to its limit is the one asked about.
        let Check::Ask(o) = budget.check(BudgetScope::Task, &usage(1_700_000, 410, 1, 1)) else {
            panic!()
        };
        assert_eq!(o.measure, Measure::Tokens);
    }

    #[test]
    fn no_limit_never_asks() {
        let budget = Budget {
            task: BudgetLimits::default(),
            subtask: BudgetLimits::default(),
        };
        assert_eq!(
            budget.check(
                BudgetScope::Task,
                &usage(i64::MAX, i64::MAX, 1 << 40, 1 << 40)
            ),
            Check::Go
        );
    }

    #[test]
    fn changes_tell_left_out_from_null_and_are_validated() {
        let change: BudgetChange =
            serde_json::from_str(r#"{"task": {"cost_cents": 150, "tokens": null}}"#).unwrap();
        let budget = Budget::default().with(&change).unwrap();
        assert_eq!(budget.task.cost_cents, Some(150));
        assert_eq!(budget.task.tokens, None);
        assert_eq!(budget.task.steps, Budget::default().task.steps);
        assert_eq!(budget.subtask, Budget::default().subtask);
        for bad in [
            r#"{"task": {"cost_cents": 0}}"#,
            r#"{"subtask": {"steps": -3}}"#,
            r#"{"task": {"tokens": 99999999999999}}"#,
        ] {
            let change: BudgetChange = serde_json::from_str(bad).unwrap();
            assert!(Budget::default().with(&change).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_raise_doubles_the_limit_asked_about_and_clears_the_ask() {
        let pause = BudgetPause {
            scope: BudgetScope::Subtask,
            subtask_id: Some("st-1".into()),
            measure: Measure::Steps,
            used: 10,
            limit: 12,
            estimated: false,
            message: String::new(),
            since: chrono::Utc::now(),
        };
        let raised = Budget::default().raised(&pause);
        assert_eq!(raised.subtask.steps, Some(24));
        assert_eq!(raised.task, Budget::default().task);
        assert_eq!(
            raised.check(BudgetScope::Subtask, &usage(0, 0, 10, 0)),
            Check::Go
        );
        // An estimate far above the limit raises to above the estimate.
        let pause = BudgetPause {
            scope: BudgetScope::Task,
            measure: Measure::Cost,
            used: 2_000,
            limit: 500,
            estimated: true,
            ..pause
        };
        let raised = Budget::default().raised(&pause);
        assert_eq!(raised.task.cost_cents, Some(2_501));
    }

    #[test]
    fn amounts_read_as_words() {
        assert_eq!(Measure::Tokens.show(1_234_567), "1,234,567 tokens");
        assert_eq!(Measure::Cost.show(205), "$2.05");
        assert_eq!(Measure::Time.show(245), "4 min 05 s");
        assert_eq!(Measure::Time.show(3600), "60 min");
        assert_eq!(Measure::Steps.show(3), "3 steps");
    }
}
