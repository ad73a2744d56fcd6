//! History benchmark (a bench binary, not a timed test): listing and searching a large history
//! through the real store (SQLite file, migrations, the FTS5 search index and its triggers).
//!
//! `cargo bench -p miteos-store --bench history -- [TASKS]` (default 1,000,000) fills a fresh
//! database with TASKS tasks (varied prompts and titles; every tenth has a subtask output), then
//! times each query 200 times and prints p50 / p99 / max: the first page, a deep page by `offset`
//! and by the `before` cursor, and searches with no match, one match, many matches, a match in
//! subtask outputs, a two-letter text (no index) and a search with a state filter.

use std::time::{Duration, Instant};

use miteos_domain::TaskStatus;
use miteos_store::{Store, TaskFilter};

const RUNS: usize = 200;

const COMPANIES: &[&str] = &[
    "Notion",
    "Coda",
    "Airtable",
    "Asana",
    "Trello",
    "Monday",
    "ClickUp",
    "Linear",
    "Jira",
    "Confluence",
    "Basecamp",
    "Smartsheet",
    "Wrike",
    "Todoist",
    "Evernote",
    "Obsidian",
];
const ASKS: &[&str] = &[
    "Research the top {n} SaaS competitors to {c} and create a feature comparison spreadsheet",
    "Summarise the last {n} quarterly reports of {c} into a memo",
    "Draft a launch plan for {c} in {n} markets with a budget table",
    "Chart the pricing of {c} against {n} rivals",
    "Write a due-diligence brief on {c} covering {n} risks",
];

/// An eight-letter word for `i` (a multiplicative hash spread over the alphabet): makes prompts
/// distinct, as real histories are, with a spread of trigrams like words'.
fn word(i: usize) -> String {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..8)
        .map(|_| {
            let letter = (b'a' + (x % 26) as u8) as char;
            x /= 26;
            letter
        })
        .collect()
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    format!(
        "p50 {}  p99 {}  max {}",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*samples.last().expect("samples"))
    )
}

async fn fill(store: &Store, tasks: usize) {
    let statuses = ["completed", "completed", "completed", "failed", "cancelled"];
    let mut tx = store
        .sqlite_pool()
        .expect("a SQLite store")
        .begin()
        .await
        .expect("a transaction");
    for i in 0..tasks {
        let id = format!("task-{i:032}");
        let c = COMPANIES[i % COMPANIES.len()];
        let prompt = ASKS[(i / 7) % ASKS.len()]
            .replace("{n}", &(3 + i % 9).to_string())
            .replace("{c}", c)
            + &format!(" for the {} team", word(i));
        sqlx::query(
            "INSERT INTO tasks (id, prompt, title, status, model, created_at) VALUES (?, ?, ?, ?, 'openai::gpt-4.1-mini', '2026-11-29T00:00:00Z')",
        )
        .bind(&id)
        .bind(&prompt)
        .bind(format!("{c} work {}", word(i / 3)))
        .bind(statuses[i % statuses.len()])
        .execute(&mut *tx)
        .await
        .expect("insert a task");
        if i % 10 == 0 {
            sqlx::query(
                "INSERT INTO subtasks (task_id, id, position, title, description, agent_type, status, output) \
                 VALUES (?, 'st-1', 0, 'Research', 'Research it', 'researcher', 'complete', ?)",
            )
            .bind(&id)
            .bind(format!("{c} charges ${} per seat; found by {}", 5 + i % 20, word(i * 7)))
            .execute(&mut *tx)
            .await
            .expect("insert a subtask");
        }
    }
    tx.commit().await.expect("commit");
}

async fn time(store: &Store, name: &str, filter: TaskFilter, offset: u32) {
    let mut samples = Vec::with_capacity(RUNS);
    let mut found = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = store
            .list_tasks(&filter, 20, offset)
            .await
            .expect("the query works");
        samples.push(started.elapsed());
        found = page.len();
    }
    println!("{name:<44} {found:>2} rows  {}", percentiles(samples));
}

fn main() {
    let tasks: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(|a| a.parse().expect("TASKS is a number"))
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("miteos.db");
        let store = Store::open(&path).await.expect("the store opens");
        let started = Instant::now();
        fill(&store, tasks).await;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(path.with_extension("db-wal"))
                .map(|m| m.len())
                .unwrap_or(0);
        println!(
            "{tasks} tasks (with the search index) written in {:.1} s; database {} MiB",
            started.elapsed().as_secs_f64(),
            size >> 20
        );
        let text = |t: &str| TaskFilter {
            text: Some(t.into()),
            ..TaskFilter::default()
        };
        let middle = format!("task-{:032}", tasks / 2);
        time(&store, "first page", TaskFilter::default(), 0).await;
        time(
            &store,
            "page at offset 10,000",
            TaskFilter::default(),
            10_000,
        )
        .await;
        time(
            &store,
            "page before the middle task (cursor)",
            TaskFilter {
                before: Some(middle.clone()),
                ..TaskFilter::default()
            },
            0,
        )
        .await;
        time(
            &store,
            "search: no match (\"Zanzibar\")",
            text("Zanzibar"),
            0,
        )
        .await;
        let rare = word(tasks * 2 / 3 + 1);
        time(
            &store,
            &format!("search: a rare word (\"{rare}\")"),
            text(&rare),
            0,
        )
        .await;
        time(&store, "search: many (\"notion\")", text("notion"), 0).await;
        time(
            &store,
            "search: outputs (\"per seat\")",
            text("per seat"),
            0,
        )
        .await;
        time(
            &store,
            "search: two letters (\"zq\", a scan)",
            text("zq"),
            0,
        )
        .await;
        time(
            &store,
            "search: \"coda\" in failed tasks",
            TaskFilter {
                status: Some(TaskStatus::Failed),
                ..text("coda")
            },
            0,
        )
        .await;
        time(
            &store,
            "search: \"coda\" before the middle task",
            TaskFilter {
                before: Some(middle),
                ..text("coda")
            },
            0,
        )
        .await;
    });
}
