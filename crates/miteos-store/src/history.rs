//! History: pages of tasks, newest first, narrowed by state, by text (in prompts, titles and
//! subtask outputs: SQLite's FTS5 index, PostgreSQL's trigram indexes) and by a keyset cursor.

use sqlx::{Database, Encode, QueryBuilder, Type};

use miteos_domain::{Result, Task, TaskStatus};

use super::Store;
use super::tasks::{TASK_COLUMNS, task_from_row};
use crate::db::on_pool;
use crate::{Dialect, Row, StoreContext};

/// Which tasks a history page shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    /// Only tasks in this state.
    pub status: Option<TaskStatus>,
    /// Only tasks whose prompt, title or subtask outputs contain this text (case-insensitive
    /// for ASCII).
    pub text: Option<String>,
    /// Only tasks created before this one (a task id): the cursor of keyset paging, which stays
    /// right while new tasks arrive and costs the same on every page.
    pub before: Option<String>,
    /// Only tasks this account may see (its own and those shared with the team); `None`: all.
    pub visible_to: Option<String>,
}

/// The task columns named through their table, for the query that joins the search index
/// (whose own columns share some names).
static QUALIFIED_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    TASK_COLUMNS
        .split(", ")
        .map(|c| format!("tasks.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
});

/// The shortest text the search index finds (its tokens are trigrams); shorter texts are
/// looked for in prompts and titles with a scan.
const INDEXED_TEXT_CHARS: usize = 3;

/// `text` as one FTS5 phrase: with the trigram tokenizer, rows containing it anywhere.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `text` as a literal inside a LIKE pattern whose escape character is `\`.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// A page of history, newest first, narrowed by `filter`. On SQLite a search text of three
    /// characters or more reads the search index backwards from the newest task, so a page
    /// costs what its rows cost, whatever the history's size; PostgreSQL matches with ILIKE
    /// through trigram indexes.
    pub async fn list_tasks(
        &self,
        filter: &TaskFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Task>> {
        let rows = on_pool!(self.pool(), db => {
            let mut query = match self.dialect() {
                Dialect::Sqlite => sqlite_page(filter),
                Dialect::Postgres => postgres_page(filter),
            };
            query
                .push(" LIMIT ")
                .push_bind(i64::from(limit))
                .push(" OFFSET ")
                .push_bind(i64::from(offset));
            query.build().fetch_all(db).await.map(Row::all)
        })
        .context(|| "listing tasks".into())?;
        let mut tasks = rows.iter().map(task_from_row).collect::<Result<Vec<_>>>()?;
        let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
        let mut subtasks = self.subtasks_of(&ids).await?;
        for task in &mut tasks {
            task.subtasks = subtasks.remove(&task.id).unwrap_or_default();
        }
        Ok(tasks)
    }
}

/// SQLite: through the FTS5 index for texts it can find, else a scan of prompts and titles.
fn sqlite_page<'a, DB: Database>(filter: &TaskFilter) -> QueryBuilder<'a, DB>
where
    String: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    match filter.text.as_deref() {
        Some(text) if text.chars().count() >= INDEXED_TEXT_CHARS => {
            let mut query = QueryBuilder::new(format!(
                "SELECT {} FROM task_search JOIN tasks ON tasks.rowid = task_search.rowid \
                 WHERE task_search MATCH ",
                *QUALIFIED_COLUMNS
            ));
            query.push_bind(fts_phrase(text));
            if let Some(before) = filter.before.as_deref() {
                query
                    .push(" AND task_search.rowid < (SELECT rowid FROM tasks WHERE id = ")
                    .push_bind(before.to_owned())
                    .push(")");
            }
            if let Some(status) = filter.status {
                query
                    .push(" AND tasks.status = ")
                    .push_bind(status.as_str());
            }
            if let Some(account) = filter.visible_to.as_deref() {
                query
                    .push(" AND (tasks.owner_id = ")
                    .push_bind(account.to_owned())
                    .push(" OR tasks.shared)");
            }
            query.push(" ORDER BY task_search.rowid DESC");
            query
        }
        text => scanned_page(filter, text, "LIKE", false),
    }
}

/// PostgreSQL: prompts, titles and top-level subtask outputs matched with ILIKE (trigram
/// indexes where pg_trgm is installed).
fn postgres_page<'a, DB: Database>(filter: &TaskFilter) -> QueryBuilder<'a, DB>
where
    String: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    scanned_page(filter, filter.text.as_deref(), "ILIKE", true)
}

/// The page of tasks containing `text` in their prompt or title (or, with `outputs`, a
/// top-level subtask's output), compared with `like` (SQLite's LIKE ignores ASCII case;
/// PostgreSQL's ILIKE any case).
fn scanned_page<'a, DB: Database>(
    filter: &TaskFilter,
    text: Option<&str>,
    like: &str,
    outputs: bool,
) -> QueryBuilder<'a, DB>
where
    String: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    let mut query = keyset_page(filter);
    if let Some(text) = text {
        let pattern = format!("%{}%", escape_like(text));
        let mut places = vec![("prompt", ""), ("title", "")];
        if outputs {
            places.push((
                "EXISTS (SELECT 1 FROM subtasks s WHERE s.task_id = tasks.id \
                 AND s.parent IS NULL AND s.output",
                ")",
            ));
        }
        query.push(" AND (");
        for (n, (place, close)) in places.into_iter().enumerate() {
            if n > 0 {
                query.push(" OR ");
            }
            query
                .push(format!("{place} {like} "))
                .push_bind(pattern.clone())
                .push(format!(" ESCAPE '\\'{close}"));
        }
        query.push(")");
    }
    query.push(" ORDER BY id DESC");
    query
}

/// Tasks by state, before a cursor (task ids sort by creation), still open for more conditions.
fn keyset_page<'a, DB: Database>(filter: &TaskFilter) -> QueryBuilder<'a, DB>
where
    String: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1"));
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(before) = filter.before.as_deref() {
        query.push(" AND id < ").push_bind(before.to_owned());
    }
    if let Some(account) = filter.visible_to.as_deref() {
        query
            .push(" AND (owner_id = ")
            .push_bind(account.to_owned())
            .push(" OR shared)");
    }
    query
}

#[cfg(test)]
mod tests {
    use miteos_domain::{SubtaskStatus, Task, TaskStatus};

    use super::TaskFilter;
    use crate::NewSubtask;
    use crate::Store;

    fn task(id: &str, prompt: &str) -> Task {
        Task::pending(id.into(), prompt.into(), "openai::gpt-4.1-mini".into())
    }

    async fn ids(store: &Store, filter: TaskFilter, limit: u32) -> Vec<String> {
        store
            .list_tasks(&filter, limit, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    fn text(t: &str) -> TaskFilter {
        TaskFilter {
            text: Some(t.into()),
            ..TaskFilter::default()
        }
    }

    #[tokio::test]
    async fn search_finds_text_in_prompts_titles_and_subtask_outputs_newest_first() {
        crate::testing::on_both(|store| async move {
            store
                .insert_task(&task("task-01", "Compare Notion with its rivals"))
                .await
                .unwrap();
            store
                .insert_task(&task("task-02", "Summarise the board memo"))
                .await
                .unwrap();
            store
                .insert_task(&task("task-03", "Plan the NOTION migration"))
                .await
                .unwrap();
            let plan = [NewSubtask {
                id: "st-1".into(),
                title: "Read".into(),
                description: "Read the memo".into(),
                agent_type: "analyst".into(),
                depends_on: vec![],
                ..Default::default()
            }];
            store
                .insert_plan("task-02", "Quarterly board memo", &plan)
                .await
                .unwrap();
            store
                .set_subtask_status(
                    "task-02",
                    "st-1",
                    SubtaskStatus::Complete,
                    Some("Revenue grew at Acme Corp."),
                    None,
                )
                .await
                .unwrap();
            store
                .set_task_status("task-03", TaskStatus::Completed, None)
                .await
                .unwrap();

            assert_eq!(
                ids(&store, text("notion"), 20).await,
                ["task-03", "task-01"],
                "any case, newest first"
            );
            assert_eq!(
                ids(&store, text("board memo"), 20).await,
                ["task-02"],
                "titles are searched"
            );
            assert_eq!(
                ids(&store, text("acme corp"), 20).await,
                ["task-02"],
                "subtask outputs are searched"
            );
            assert!(ids(&store, text("zebra"), 20).await.is_empty());
            assert_eq!(
                ids(&store, text("\"quoted\" NOT AND"), 20).await,
                Vec::<String>::new(),
                "search syntax in the text is taken literally"
            );
            assert_eq!(
                ids(&store, text("No"), 20).await,
                ["task-03", "task-01"],
                "two letters are too short for the index and still found"
            );
            let completed_notion = TaskFilter {
                status: Some(TaskStatus::Completed),
                ..text("notion")
            };
            assert_eq!(ids(&store, completed_notion, 20).await, ["task-03"]);
        })
        .await;
    }

    #[tokio::test]
    async fn keyset_pages_continue_after_the_last_task_seen_while_tasks_arrive() {
        crate::testing::on_both(|store| async move {
            for i in 1..=5 {
                store
                    .insert_task(&task(&format!("task-0{i}"), &format!("Report {i}")))
                    .await
                    .unwrap();
            }
            let first = ids(&store, TaskFilter::default(), 2).await;
            assert_eq!(first, ["task-05", "task-04"]);
            // A new task arrives between the pages; the cursor is not thrown off by it.
            store
                .insert_task(&task("task-06", "Report 6"))
                .await
                .unwrap();
            for filter in [TaskFilter::default(), text("report")] {
                let next = TaskFilter {
                    before: first.last().cloned(),
                    ..filter
                };
                assert_eq!(
                    ids(&store, next, 2).await,
                    ["task-03", "task-02"],
                    "the page after task-04, indexed or not"
                );
            }
        })
        .await;
    }
}

#[cfg(test)]
mod concurrency {
    use miteos_domain::{SubtaskStatus, Task};

    use crate::NewSubtask;

    /// Tasks planned and finishing at once keep the search index in step without a write
    /// failing: the triggers run inside each writer's transaction.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_plans_and_outputs_all_land_in_the_index() {
        crate::testing::on_both(|store| async move {
            let mut writers = Vec::new();
            for n in 0..8 {
                let store = store.clone();
                writers.push(tokio::spawn(async move {
                    let id = format!("task-{n:02}");
                    store
                        .insert_task(&Task::pending(id.clone(), format!("Job {n}"), "m".into()))
                        .await?;
                    let plan: Vec<NewSubtask> = (1..=3)
                        .map(|i| NewSubtask {
                            id: format!("st-{i}"),
                            title: format!("Part {i}"),
                            description: "do it".into(),
                            agent_type: "analyst".into(),
                            depends_on: vec![],
                            ..Default::default()
                        })
                        .collect();
                    store.insert_plan(&id, &format!("Plan {n}"), &plan).await?;
                    for i in 1..=3 {
                        let st = format!("st-{i}");
                        store
                            .set_subtask_status(&id, &st, SubtaskStatus::Running, None, None)
                            .await?;
                        store
                            .set_subtask_status(
                                &id,
                                &st,
                                SubtaskStatus::Complete,
                                Some(&format!("finding {n}-{i}")),
                                None,
                            )
                            .await?;
                    }
                    Ok::<_, miteos_domain::Error>(())
                }));
            }
            for w in writers {
                w.await.unwrap().unwrap();
            }
            let found = store
                .list_tasks(
                    &super::TaskFilter {
                        text: Some("finding 5-3".into()),
                        ..Default::default()
                    },
                    20,
                    0,
                )
                .await
                .unwrap();
            assert_eq!(found.len(), 1, "the last output of task 5 is searchable");
        })
        .await;
    }
}
