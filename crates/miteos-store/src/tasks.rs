//! Tasks and their subtasks (with dependencies), and the token/cost totals of both.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};

use super::Store;
use crate::db::{on_pool, on_tx};
use crate::leases::{fence_condition, fenced_out};
use crate::{Row, Tx};
use miteos_domain::plan::ForEach;
use miteos_domain::{Error, Result};
use miteos_domain::{Subtask, SubtaskStatus, Task, TaskStatus, cents_from_micros};

use crate::StoreContext;

/// A subtask of a validated plan, before it is stored (or as a worker is given it to run).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewSubtask {
    pub id: String,
    pub title: String,
    pub description: String,
    pub agent_type: String,
    pub depends_on: Vec<String>,
    /// What it needs tools for (`web`, `spreadsheet`, …).
    pub needs: Vec<String>,
    /// A fan-out: done once per item of a list, by children.
    pub for_each: Option<ForEach>,
    /// The fan-out this subtask does one item of, and the item.
    pub parent: Option<String>,
    pub item: Option<String>,
}

impl From<&Subtask> for NewSubtask {
    /// A stored subtask as a plan has it.
    fn from(s: &Subtask) -> NewSubtask {
        NewSubtask {
            id: s.id.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            agent_type: s.agent_type.clone(),
            depends_on: s.depends_on.clone(),
            needs: s.needs.clone(),
            for_each: s.for_each.clone(),
            parent: s.parent.clone(),
            item: s.item.clone(),
        }
    }
}

impl NewSubtask {
    /// The subtask as a plan or a revision announces it.
    pub fn announced(&self) -> miteos_domain::events::PlannedSubtask {
        miteos_domain::events::PlannedSubtask {
            id: self.id.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            agent_type: self.agent_type.clone(),
            depends_on: self.depends_on.clone(),
            needs: self.needs.clone(),
            for_each: self.for_each.clone(),
            parent: self.parent.clone(),
            item: self.item.clone(),
        }
    }
}

/// Task totals after a usage update.
#[derive(Debug, Clone, Copy)]
pub struct TaskTotals {
    pub tokens: i64,
    pub cost_micros: i64,
    /// Some of the task's calls had no known price.
    pub cost_unknown: bool,
}

pub(crate) const TASK_COLUMNS: &str = "id, prompt, title, workspace_id, status, model, input_tokens, output_tokens, \
     cost_micros, error, created_at, started_at, finished_at, steps, budget, estimate, pause, skill_id, \
     revision, unmet, plan_review, awaiting_review, unpriced_tokens, owner_id, shared";

/// What a new task starts with of skills: whether it may use them, and the one it runs from.
#[derive(Debug, Clone, Copy)]
pub struct NewTaskSkills<'a> {
    pub use_skills: bool,
    pub matched: Option<&'a miteos_skills::SkillMatch>,
}

impl Store {
    pub async fn insert_task(&self, task: &Task) -> Result<()> {
        let skills = NewTaskSkills {
            use_skills: true,
            matched: None,
        };
        self.insert_task_held(task, None, skills).await.map(|_| ())
    }

    /// Stores a new task, with whether it may use skills and the skill it runs from, in one
    /// write. With `holder` (this process's name and a lease's length in ms) the process holds
    /// the task's lease from the start, so no worker claims it first; answers the fencing token
    /// (0 without a lease, and on SQLite).
    pub async fn insert_task_held(
        &self,
        task: &Task,
        holder: Option<(&str, i64)>,
        skills: NewTaskSkills<'_>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO tasks (id, prompt, title, workspace_id, status, model, created_at, budget, plan_review, \
             owner_id, shared, use_skills, skill_id, skill_match) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&task.id)
        .bind(&task.prompt)
        .bind(&task.title)
        .bind(&task.workspace_id)
        .bind(task.status.as_str())
        .bind(&task.model)
        .bind(task.created_at)
        .bind(task.budget.as_ref().map(to_json))
        .bind(task.plan_review.as_ref().map(to_json))
        .bind(&task.owner)
        .bind(task.shared)
        .bind(skills.use_skills)
        .bind(skills.matched.map(|m| m.skill_id.as_str()))
        .bind(skills.matched.map(to_json))
        .execute(conn)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing task {}", task.id))?;
        let epoch = match (holder, &mut tx) {
            (Some((owner, ttl_ms)), Tx::Postgres(tx)) => {
                let (epoch,): (i64,) = sqlx::query_as(
                    "UPDATE tasks SET lease_owner = $1, lease_until = now() + $2::bigint * interval '1 millisecond', \
                     lease_epoch = 1 WHERE id = $3 RETURNING lease_epoch",
                )
                .bind(owner)
                .bind(ttl_ms)
                .bind(&task.id)
                .fetch_one(&mut **tx)
                .await
                .context(|| format!("leasing task {}", task.id))?;
                Some(epoch)
            }
            _ => None,
        };
        tx.commit()
            .await
            .context(|| format!("committing task {}", task.id))?;
        if let Some(epoch) = epoch {
            self.hold_fence(&task.id, epoch);
        }
        Ok(epoch.unwrap_or(0))
    }

    pub async fn get_task(&self, id: &str) -> Result<Task> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await.map(|row| row.map(Row::from)))
            .context(|| format!("reading task {id}"))?
            .ok_or_else(|| Error::NotFound(format!("task {id} does not exist")))?;
        let mut task = task_from_row(&row)?;
        let mut subtasks = self.subtasks_of(&[task.id.clone()]).await?;
        task.subtasks = subtasks.remove(&task.id).unwrap_or_default();
        task.revisions = self.revisions_of(id).await?;
        task.follow_ups = self.follow_ups_of(id).await?;
        Ok(task)
    }

    /// Subtasks (with dependencies) of the given tasks, in plan order.
    pub(crate) async fn subtasks_of(
        &self,
        task_ids: &[String],
    ) -> Result<HashMap<String, Vec<Subtask>>> {
        let mut out: HashMap<String, Vec<Subtask>> = HashMap::new();
        if task_ids.is_empty() {
            return Ok(out);
        }
        let rows = on_pool!(self.pool(), db => in_list(
            "SELECT task_id, id, title, description, agent_type, status, input_tokens, output_tokens, cost_micros, \
             output, error, started_at, finished_at, steps, revision, attempt, dropped, needs, unpriced_tokens, for_each, parent, item FROM subtasks WHERE task_id IN (",
            task_ids,
            ") ORDER BY task_id, position",
        )
        .build()
        .fetch_all(db)
        .await
        .map(Row::all))
        .context(|| "reading subtasks".into())?;

        let dep_rows = on_pool!(self.pool(), db => in_list(
            "SELECT task_id, subtask_id, depends_on FROM subtask_deps WHERE task_id IN (",
            task_ids,
            ") ORDER BY task_id, subtask_id, depends_on",
        )
        .build()
        .fetch_all(db)
        .await
        .map(Row::all))
        .context(|| "reading subtask dependencies".into())?;
        let mut deps: HashMap<(String, String), Vec<String>> = HashMap::new();
        for row in dep_rows {
            deps.entry((row.get("task_id"), row.get("subtask_id")))
                .or_default()
                .push(row.get("depends_on"));
        }

        for row in rows {
            let task_id: String = row.get("task_id");
            let id: String = row.get("id");
            let status: String = row.get("status");
            let input: i64 = row.get("input_tokens");
            let output: i64 = row.get("output_tokens");
            let micros: i64 = row.get("cost_micros");
            let revision: i64 = row.get("revision");
            let attempt: i64 = row.get("attempt");
            let mut depends_on = deps
                .remove(&(task_id.clone(), id.clone()))
                .unwrap_or_default();
            depends_on.sort_by_key(|d| subtask_number(d));
            out.entry(task_id).or_default().push(Subtask {
                id,
                agent_type: row.get("agent_type"),
                status: SubtaskStatus::parse(&status).ok_or_else(|| {
                    Error::Internal(format!("unknown subtask status {status:?} in store"))
                })?,
                title: row.get("title"),
                description: row.get("description"),
                depends_on,
                tokens_used: input + output,
                cost_usd: micros as f64 / 1e6,
                steps: row.get("steps"),
                started_at: row.get("started_at"),
                finished_at: row.get("finished_at"),
                output: row.get("output"),
                error: row.get("error"),
                revision: revision as u32,
                attempt: attempt as u32,
                dropped: row.get("dropped"),
                needs: json_column(&row, "needs")?,
                cost_unknown: row.get::<i64>("unpriced_tokens") > 0,
                for_each: from_json(&row, "for_each")?,
                parent: row.get("parent"),
                item: row.get("item"),
            });
        }
        Ok(out)
    }

    /// Stores a validated plan: the title and every subtask with its dependencies, atomically.
    pub async fn insert_plan(
        &self,
        task_id: &str,
        title: &str,
        subtasks: &[NewSubtask],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query("UPDATE tasks SET title = $1 WHERE id = $2")
            .bind(title)
            .bind(task_id)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
        .context(|| format!("titling task {task_id}"))?;
        for (position, st) in subtasks.iter().enumerate() {
            insert_subtask(&mut tx, task_id, st, position as i64, 0).await?;
        }
        for st in subtasks {
            insert_deps(&mut tx, task_id, st).await?;
        }
        tx.commit()
            .await
            .context(|| format!("committing plan of {task_id}"))?;
        Ok(())
    }

    /// Puts the subtasks a stopped run left unfinished (or failed) back to `pending`, so a
    /// resumed run does them again; returns their ids. Complete subtasks keep their results;
    /// dropped ones and those the user cancelled stay as they are.
    pub async fn reset_unfinished_subtasks(&self, task_id: &str) -> Result<Vec<String>> {
        let fence = self.unlost_fence(task_id)?;
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "UPDATE subtasks SET status = 'pending', started_at = NULL, finished_at = NULL, error = NULL \
             WHERE task_id = $1 AND NOT dropped AND (status IN ('running', 'failed') \
             OR (status = 'cancelled' AND COALESCE(error, '') <> $2)) AND {} RETURNING id",
            fence_condition(3)
        ))
        .bind(task_id)
        .bind(miteos_domain::plan::CANCELLED_BY_USER)
        .bind(fence)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("resetting the subtasks of {task_id}"))?;
        Ok(rows.iter().map(|r| r.get("id")).collect())
    }

    /// Ends every subtask of the task that has not finished yet as `cancelled`; returns their ids.
    pub async fn cancel_unfinished_subtasks(&self, task_id: &str) -> Result<Vec<String>> {
        let fence = self.unlost_fence(task_id)?;
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "UPDATE subtasks SET status = 'cancelled', finished_at = $1 \
             WHERE task_id = $2 AND status IN ('pending', 'running') AND {} RETURNING id",
            fence_condition(3)
        ))
        .bind(Utc::now())
        .bind(task_id)
        .bind(fence)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("cancelling subtasks of {task_id}"))?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
        ids.sort_by_key(|d| subtask_number(d));
        Ok(ids)
    }

    /// Adds one model call's usage to the subtask (if any) and the task; returns the task's
    /// totals. A call whose cost is unknown (`None`) counts its tokens as unpriced.
    pub async fn add_usage(
        &self,
        task_id: &str,
        subtask_id: Option<&str>,
        input_tokens: i64,
        output_tokens: i64,
        cost_micros: Option<i64>,
    ) -> Result<TaskTotals> {
        let unpriced = if cost_micros.is_none() {
            (input_tokens + output_tokens).max(1)
        } else {
            0
        };
        let cost_micros = cost_micros.unwrap_or(0);
        let fence = self.unlost_fence(task_id)?;
        let mut tx = self.begin().await?;
        if let Some(st) = subtask_id {
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE subtasks SET input_tokens = input_tokens + $1, output_tokens = output_tokens + $2, \
                 cost_micros = cost_micros + $3, unpriced_tokens = unpriced_tokens + $4, steps = steps + 1 \
                 WHERE task_id = $5 AND id = $6",
            )
            .bind(input_tokens)
            .bind(output_tokens)
            .bind(cost_micros)
            .bind(unpriced)
            .bind(task_id)
            .bind(st)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("adding usage to {st} of {task_id}"))?;
        }
        let row = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE tasks SET input_tokens = input_tokens + $1, output_tokens = output_tokens + $2, \
             cost_micros = cost_micros + $3, unpriced_tokens = unpriced_tokens + $4, steps = steps + 1 WHERE id = $5 \
             AND (CAST($6 AS BIGINT) IS NULL OR lease_epoch = CAST($6 AS BIGINT)) RETURNING input_tokens + output_tokens AS tokens, cost_micros, unpriced_tokens",
        )
        .bind(input_tokens)
        .bind(output_tokens)
        .bind(cost_micros)
        .bind(unpriced)
        .bind(task_id)
        .bind(fence)
        .fetch_optional(conn)
        .await.map(|row| row.map(Row::from)))
        .context(|| format!("adding usage to {task_id}"))?
        .ok_or_else(|| match fence {
            Some(_) => fenced_out(task_id),
            None => Error::NotFound(format!("task {task_id} does not exist")),
        })?;
        tx.commit()
            .await
            .context(|| format!("committing usage of {task_id}"))?;
        Ok(TaskTotals {
            tokens: row.get("tokens"),
            cost_micros: row.get("cost_micros"),
            cost_unknown: row.get::<i64>("unpriced_tokens") > 0,
        })
    }

    /// Ids of tasks that a previous process left `pending` or `running`.
    pub async fn unfinished_task_ids(&self) -> Result<Vec<String>> {
        let rows =
            on_pool!(self.pool(), db => sqlx::query("SELECT id FROM tasks WHERE status IN ('pending', 'running') ORDER BY id")
                .fetch_all(db)
                .await.map(Row::all))
                .context(|| "finding unfinished tasks".into())?;
        Ok(rows.iter().map(|r| r.get("id")).collect())
    }
}

/// Stores one subtask, `pending`, at `position`, added by plan revision `revision`.
pub(crate) async fn insert_subtask(
    tx: &mut Tx,
    task_id: &str,
    st: &NewSubtask,
    position: i64,
    revision: u32,
) -> Result<()> {
    on_tx!(&mut *tx, conn => sqlx::query(
        "INSERT INTO subtasks (task_id, id, position, title, description, agent_type, status, revision, needs, \
         for_each, parent, item) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11)",
    )
    .bind(task_id)
    .bind(&st.id)
    .bind(position)
    .bind(&st.title)
    .bind(&st.description)
    .bind(&st.agent_type)
    .bind(i64::from(revision))
    .bind(to_json(&st.needs))
    .bind(st.for_each.as_ref().map(to_json))
    .bind(&st.parent)
    .bind(&st.item)
    .execute(conn)
    .await.map(|done| done.rows_affected()))
    .context(|| format!("storing subtask {} of {task_id}", st.id))?;
    Ok(())
}

/// Stores a subtask's dependencies (after every subtask they name is stored).
pub(crate) async fn insert_deps(tx: &mut Tx, task_id: &str, st: &NewSubtask) -> Result<()> {
    for dep in &st.depends_on {
        on_tx!(&mut *tx, conn => sqlx::query("INSERT INTO subtask_deps (task_id, subtask_id, depends_on) VALUES ($1, $2, $3)")
            .bind(task_id)
            .bind(&st.id)
            .bind(dep)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("storing dependency {} -> {dep} of {task_id}", st.id))?;
    }
    Ok(())
}

/// `head` + one bound parameter per id, comma-separated + `tail`.
fn in_list<'a, DB: Database>(head: &str, ids: &'a [String], tail: &str) -> QueryBuilder<'a, DB>
where
    &'a String: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(head);
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(tail);
    query
}

pub(crate) fn task_from_row(row: &Row) -> Result<Task> {
    let status: String = row.get("status");
    let input: i64 = row.get("input_tokens");
    let output: i64 = row.get("output_tokens");
    let micros: i64 = row.get("cost_micros");
    let created_at: DateTime<Utc> = row.get("created_at");
    Ok(Task {
        id: row.get("id"),
        prompt: row.get("prompt"),
        status: TaskStatus::parse(&status)
            .ok_or_else(|| Error::Internal(format!("unknown task status {status:?} in store")))?,
        total_tokens_used: input + output,
        total_cost_cents: cents_from_micros(micros),
        created_at,
        subtasks: Vec::new(),
        total_cost_usd: micros as f64 / 1e6,
        title: row.get("title"),
        workspace_id: row.get("workspace_id"),
        model: row.get("model"),
        started_at: row.get("started_at"),
        finished_at: row.get("finished_at"),
        error: row.get("error"),
        steps: row.get("steps"),
        budget: from_json(row, "budget")?,
        estimate: from_json(row, "estimate")?,
        paused: from_json(row, "pause")?,
        skill_id: row.get("skill_id"),
        revision: row.get::<i64>("revision") as u32,
        revisions: Vec::new(),
        follow_ups: Vec::new(),
        unmet: json_column(row, "unmet")?,
        plan_review: from_json(row, "plan_review")?,
        awaiting_review: row.get("awaiting_review"),
        cost_unknown: row.get::<i64>("unpriced_tokens") > 0,
        owner: row.get("owner_id"),
        shared: row.get("shared"),
    })
}

/// A JSON column (budget, estimate, pause).
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("budget types always encode")
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    row: &Row,
    column: &str,
) -> Result<Option<T>> {
    let text: Option<String> = row.get(column);
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| Error::Internal(format!("unreadable {column} in store: {e}")))
    })
    .transpose()
}

/// A JSON column that is never NULL (a list).
pub(super) fn json_column<T: serde::de::DeserializeOwned>(row: &Row, column: &str) -> Result<T> {
    let text: String = row.get(column);
    serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("unreadable {column} in store: {e}")))
}

/// `st-12` sorts after `st-2`.
pub(crate) fn subtask_number(id: &str) -> u64 {
    id.strip_prefix("st-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// A fenced write's answer: refused when it changed nothing because the lease moved on.
pub(crate) fn fenced(changed: u64, fence: Option<i64>, task_id: &str) -> Result<()> {
    match (changed, fence) {
        (0, Some(_)) => Err(fenced_out(task_id)),
        _ => Ok(()),
    }
}
