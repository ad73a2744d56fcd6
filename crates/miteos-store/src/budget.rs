//! A task's budget, its estimate and the question it is paused on, and the measurements budgets
//! are checked against: what a task and a subtask have spent, and what earlier subtasks cost.

use std::collections::HashMap;

use super::Store;
use super::tasks::{from_json, to_json};
use crate::Row;
use crate::db::on_pool;
use miteos_domain::Result;
use miteos_domain::budget::{Budget, BudgetPause, Estimate};

use crate::StoreContext;

/// What a task or subtask has spent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub tokens: i64,
    pub cost_micros: i64,
    pub steps: i64,
    /// Some of the tokens were spent on a model whose price is unknown.
    pub cost_unknown: bool,
}

/// What complete subtasks of one agent type cost on average.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    pub tokens: f64,
    pub cost_micros: f64,
    pub runs: i64,
}

impl Store {
    pub async fn set_budget(&self, task_id: &str, budget: &Budget) -> Result<()> {
        self.set_json(task_id, "budget", Some(to_json(budget)))
            .await
    }

    pub async fn set_estimate(&self, task_id: &str, estimate: &Estimate) -> Result<()> {
        self.set_json(task_id, "estimate", Some(to_json(estimate)))
            .await
    }

    /// Records the question the task waits on, or (`None`) that it waits on none.
    pub async fn set_pause(&self, task_id: &str, pause: Option<&BudgetPause>) -> Result<()> {
        self.set_json(task_id, "pause", pause.map(to_json)).await
    }

    /// The task's budget and the question it is paused on, as stored (`None`: the default
    /// budget, no question).
    pub async fn budget_state(
        &self,
        task_id: &str,
    ) -> Result<(Option<Budget>, Option<BudgetPause>)> {
        let row = on_pool!(self.pool(), db => sqlx::query("SELECT budget, pause FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_one(db)
            .await.map(Row::from))
            .context(|| format!("reading the budget of {task_id}"))?;
        Ok((from_json(&row, "budget")?, from_json(&row, "pause")?))
    }

    async fn set_json(&self, task_id: &str, column: &str, value: Option<String>) -> Result<()> {
        // `column` is one of this module's constants, never input.
        on_pool!(self.pool(), db => sqlx::query(&format!("UPDATE tasks SET {column} = $1 WHERE id = $2"))
            .bind(value)
            .bind(task_id)
            .execute(db)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("saving the {column} of {task_id}"))?;
        Ok(())
    }

    /// What the task, and the subtask if one is named, have spent.
    pub async fn spent(&self, task_id: &str, subtask_id: Option<&str>) -> Result<(Spent, Spent)> {
        let row = on_pool!(self.pool(), db => sqlx::query(
            "SELECT t.input_tokens + t.output_tokens AS tokens, t.cost_micros, t.steps, t.unpriced_tokens, \
             s.input_tokens + s.output_tokens AS st_tokens, s.cost_micros AS st_cost, s.steps AS st_steps, \
             s.unpriced_tokens AS st_unpriced \
             FROM tasks t LEFT JOIN subtasks s ON s.task_id = t.id AND s.id = $1 WHERE t.id = $2",
        )
        .bind(subtask_id)
        .bind(task_id)
        .fetch_one(db)
        .await.map(Row::from))
        .context(|| format!("reading what {task_id} spent"))?;
        let task = Spent {
            tokens: row.get("tokens"),
            cost_micros: row.get("cost_micros"),
            steps: row.get("steps"),
            cost_unknown: row.get::<i64>("unpriced_tokens") > 0,
        };
        let subtask = Spent {
            tokens: row.get::<Option<i64>>("st_tokens").unwrap_or(0),
            cost_micros: row.get::<Option<i64>>("st_cost").unwrap_or(0),
            steps: row.get::<Option<i64>>("st_steps").unwrap_or(0),
            cost_unknown: row.get::<Option<i64>>("st_unpriced").unwrap_or(0) > 0,
        };
        Ok((task, subtask))
    }

    /// Average spend of complete subtasks per agent type, over tasks that ran on `model`.
    pub async fn subtask_history(&self, model: &str) -> Result<HashMap<String, History>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(
            "SELECT s.agent_type, CAST(AVG(s.input_tokens + s.output_tokens) AS DOUBLE PRECISION) AS tokens, \
             CAST(AVG(s.cost_micros) AS DOUBLE PRECISION) AS cost, COUNT(*) AS runs \
             FROM subtasks s JOIN tasks t ON t.id = s.task_id \
             WHERE s.status = 'complete' AND t.model = $1 AND s.steps > 0 GROUP BY s.agent_type",
        )
        .bind(model)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| "reading the cost of earlier subtasks".into())?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get("agent_type"),
                    History {
                        tokens: r.get("tokens"),
                        cost_micros: r.get("cost"),
                        runs: r.get("runs"),
                    },
                )
            })
            .collect())
    }
}
