//! `query_data`: SQL over the tables the task holds. Every CSV and XLSX file in the task folder
//! becomes a table of an in-memory SQLite database (named after the file; each XLSX sheet after
//! the file and the sheet), and one read-only `SELECT` runs over them. The result comes back as
//! a table, and can be saved as a CSV deliverable.
//!
//! The query is untrusted (a page the agent read may have written it), so SQLite itself holds
//! the line, not a reading of the text: exactly one statement is prepared (a second one, after a
//! comment or not, is refused), it must be read-only (`sqlite3_stmt_readonly`), an authorizer
//! allows only reading the loaded tables and calling functions (no ATTACH, PRAGMA, writes or
//! transactions), no database can be attached, and a time limit interrupts a runaway query.

use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use serde::Deserialize;
use serde_json::{Value, json};

use super::files::{normalize, walk_files, write_confined};
use super::paths::read_beneath;
use super::truncate_chars;
use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};

/// Largest file loaded as a table.
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
const MAX_TABLE_ROWS: usize = 200_000;
const MAX_TABLES: usize = 50;
/// Longest a query may run before SQLite interrupts it.
const QUERY_TIME_LIMIT: Duration = Duration::from_secs(30);
/// Rows of the result shown to the model (all of them go to `save_as`).
const SHOWN_ROWS: usize = 100;
const MAX_RESULT_ROWS: usize = 100_000;

pub struct QueryData;

#[derive(Deserialize)]
struct Args {
    sql: String,
    #[serde(default)]
    save_as: Option<String>,
}

#[async_trait]
impl Tool for QueryData {
    fn name(&self) -> &'static str {
        "query_data"
    }
    fn description(&self) -> &'static str {
        "Run one SQL SELECT (SQLite dialect) over the task's tables: every .csv and .xlsx file in the task folder is a table named after the file (e.g. pricing.csv → pricing; an xlsx sheet → file_sheet). Call it with an empty sql to list the tables and their columns. save_as writes the result as a CSV."
    }
    fn parameters(&self) -> Value {
        json!({"type":"object","properties":{
            "sql":{"type":"string","description":"one SELECT or WITH … SELECT statement; empty to list the tables"},
            "save_as":{"type":"string","pattern":"^[^/].*\\.csv$","description":"optional relative .csv path for the full result"}},
            "required":["sql"],"additionalProperties":false})
    }
    async fn call(&self, args: Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let sql = args.sql.trim().trim_end_matches(';').trim().to_owned();
        let dir = ctx.task_dir.clone();
        let tables = tokio::task::spawn_blocking(move || load_tables(&dir))
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))??;
        if tables.is_empty() {
            return Err(ToolError::Failed(
                "the task folder has no .csv or .xlsx file to query yet".into(),
            ));
        }
        let cancel = ctx.cancel.clone();
        let query = sql.clone();
        let result = tokio::task::spawn_blocking(move || {
            if query.is_empty() {
                return Ok(Err(describe(&tables)));
            }
            select(&open(&tables)?, &query, &cancel).map(Ok)
        })
        .await
        .map_err(|e| ToolError::Failed(e.to_string()))??;
        if ctx.cancel.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        let (columns, rows) = match result {
            Ok(sheet) => sheet,
            Err(listing) => return Ok(ToolOutput::text(listing)),
        };
        let mut out = render(&columns, &rows);
        let mut files_written = Vec::new();
        if let Some(path) = args
            .save_as
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if !path.to_ascii_lowercase().ends_with(".csv") {
                return Err(ToolError::InvalidArguments(
                    "save_as must end in .csv".into(),
                ));
            }
            let csv = super::spreadsheet::csv(&columns, &rows);
            write_confined(ctx, path, &csv).await?;
            out.push_str(&format!("\nsaved all {} rows to {path}\n", rows.len()));
            files_written.push(normalize(path));
        }
        Ok(ToolOutput {
            content: out,
            files_written,
            ..ToolOutput::default()
        })
    }
}

/// A table to load: its name, columns and rows.
struct Table {
    name: String,
    source: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// Reads every CSV and XLSX file of the task folder as tables.
fn load_tables(dir: &Path) -> Result<Vec<Table>, ToolError> {
    let mut tables: Vec<Table> = Vec::new();
    for (name, meta) in walk_files(dir, dir, 5000)? {
        let lower = name.to_ascii_lowercase();
        let is_csv = lower.ends_with(".csv");
        if !(is_csv || lower.ends_with(".xlsx")) || meta.len() > MAX_FILE_BYTES {
            continue;
        }
        let stem = table_name(
            Path::new(&name)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("table"),
        );
        // Read beneath the folder: a link swapped in since the listing is not followed.
        let loaded = read_beneath(dir, &name)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                if is_csv {
                    read_csv(&bytes).map(|(c, r)| vec![(stem.clone(), c, r)])
                } else {
                    read_xlsx(bytes, &stem)
                }
            });
        match loaded {
            Ok(found) => {
                for (table, columns, rows) in found {
                    let mut unique = table.clone();
                    let mut n = 2;
                    while tables.iter().any(|t| t.name == unique) {
                        unique = format!("{table}_{n}");
                        n += 1;
                    }
                    tables.push(Table {
                        name: unique,
                        source: name.clone(),
                        columns,
                        rows,
                    });
                }
            }
            Err(e) => tracing::debug!(file = %name, error = %e, "not loaded as a table"),
        }
        if tables.len() >= MAX_TABLES {
            break;
        }
    }
    Ok(tables)
}

/// Lowercase letters, digits and `_`, not starting with a digit.
fn table_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 't');
    }
    name
}

fn typed(cell: &str) -> Value {
    let t = cell.trim();
    if t.is_empty() {
        return Value::Null;
    }
    match t.parse::<f64>() {
        Ok(n) if n.is_finite() => json!(n),
        _ => Value::String(cell.to_owned()),
    }
}

type Sheet = (Vec<String>, Vec<Vec<Value>>);
/// A sheet with the table name it gets.
type NamedSheet = (String, Vec<String>, Vec<Vec<Value>>);

fn read_csv(bytes: &[u8]) -> Result<Sheet, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records().take(MAX_TABLE_ROWS) {
        let record = record.map_err(|e| e.to_string())?;
        rows.push(record.iter().map(typed).collect());
    }
    Ok((columns, rows))
}

fn read_xlsx(bytes: Vec<u8>, stem: &str) -> Result<Vec<NamedSheet>, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let sheets = book.sheet_names().to_vec();
    for (i, sheet) in sheets.iter().enumerate() {
        let range = book.worksheet_range(sheet).map_err(|e| e.to_string())?;
        let mut rows = range.rows();
        let Some(header) = rows.next() else { continue };
        let columns = header.iter().map(|c| c.to_string()).collect();
        let data = rows
            .take(MAX_TABLE_ROWS)
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => Value::Null,
                        Data::Int(n) => json!(n),
                        Data::Float(f) => json!(f),
                        Data::Bool(b) => json!(b),
                        other => Value::String(other.to_string()),
                    })
                    .collect()
            })
            .collect();
        let name = if i == 0 {
            stem.to_owned()
        } else {
            format!("{stem}_{}", table_name(sheet))
        };
        out.push((name, columns, data));
    }
    Ok(out)
}

fn quoted(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Column names as SQL sees them: unique, non-empty.
fn column_names(columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let base = if c.trim().is_empty() {
            format!("column{}", i + 1)
        } else {
            c.trim().to_owned()
        };
        let mut name = base.clone();
        let mut n = 2;
        while out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            name = format!("{base}_{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// An in-memory database holding `tables`, locked down for the untrusted query: from here on
/// only reading the tables and calling functions is allowed, and nothing can be attached.
fn open(tables: &[Table]) -> Result<rusqlite::Connection, ToolError> {
    let fail = |e: rusqlite::Error| ToolError::Failed(format!("the query database failed: {e}"));
    let mut db = rusqlite::Connection::open_in_memory().map_err(fail)?;
    let tx = db.transaction().map_err(fail)?;
    for t in tables {
        let columns = column_names(&t.columns);
        let numeric: Vec<bool> = (0..columns.len())
            .map(|c| {
                t.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .all(|v| v.is_null() || v.is_number())
            })
            .collect();
        let defs: Vec<String> = columns
            .iter()
            .zip(&numeric)
            .map(|(c, n)| format!("{} {}", quoted(c), if *n { "REAL" } else { "TEXT" }))
            .collect();
        tx.execute(
            &format!("CREATE TABLE {} ({})", quoted(&t.name), defs.join(", ")),
            [],
        )
        .map_err(fail)?;
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO {} VALUES ({})",
                quoted(&t.name),
                vec!["?"; columns.len()].join(", ")
            ))
            .map_err(fail)?;
        for row in &t.rows {
            let values = (0..columns.len()).map(|c| match row.get(c) {
                None | Some(Value::Null) => rusqlite::types::Value::Null,
                Some(Value::Number(n)) => n
                    .as_f64()
                    .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Real),
                Some(Value::Bool(b)) => rusqlite::types::Value::Integer(i64::from(*b)),
                Some(Value::String(s)) => rusqlite::types::Value::Text(s.clone()),
                Some(other) => rusqlite::types::Value::Text(other.to_string()),
            });
            insert
                .execute(rusqlite::params_from_iter(values))
                .map_err(fail)?;
        }
    }
    tx.commit().map_err(fail)?;
    db.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0);
    db.authorizer(Some(reading_only));
    Ok(db)
}

/// The authorizer of the untrusted query: it may read tables and call functions, nothing else.
fn reading_only(action: AuthContext<'_>) -> Authorization {
    match action.action {
        AuthAction::Select
        | AuthAction::Read { .. }
        | AuthAction::Function { .. }
        | AuthAction::Recursive => Authorization::Allow,
        _ => Authorization::Deny,
    }
}

/// Runs the one read-only statement `sql` and answers its columns and rows (at most
/// [`MAX_RESULT_ROWS`]); interrupted when `cancel` fires or the time limit passes.
fn select(
    db: &rusqlite::Connection,
    sql: &str,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Sheet, ToolError> {
    let failed = |e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::AuthorizationForStatementDenied =>
        {
            ToolError::Refused(
                "only reading the task's tables is allowed here (no ATTACH, PRAGMA or writes)"
                    .into(),
            )
        }
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            ToolError::Failed(format!(
                "the query was stopped: it ran longer than {} s",
                QUERY_TIME_LIMIT.as_secs()
            ))
        }
        e => ToolError::Failed(format!("the query failed: {e}")),
    };
    let deadline = Instant::now() + QUERY_TIME_LIMIT;
    let stop = cancel.clone();
    db.progress_handler(
        10_000,
        Some(move || stop.is_cancelled() || Instant::now() > deadline),
    );
    let mut statements = rusqlite::Batch::new(db, sql);
    let Some(mut statement) = statements.next().map_err(failed)? else {
        return Err(ToolError::InvalidArguments("the query is empty".into()));
    };
    if statements.next().map_err(failed)?.is_some() {
        return Err(ToolError::Refused(
            "one statement at a time: nothing may follow the SELECT".into(),
        ));
    }
    if !statement.readonly() {
        return Err(ToolError::Refused(
            "only a SELECT (or WITH … SELECT) query can run here".into(),
        ));
    }
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut rows = statement.query([]).map_err(failed)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(failed)? {
        if out.len() >= MAX_RESULT_ROWS {
            break;
        }
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let value = match row.get_ref(i).map_err(failed)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => json!(n),
                // Whole numbers read back as numbers without a fraction (7, not 7.0).
                ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
                ValueRef::Real(f) => json!(f),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => Value::String("(binary)".into()),
            };
            values.push(value);
        }
        out.push(values);
    }
    Ok((columns, out))
}

fn describe(tables: &[Table]) -> String {
    let mut out = String::from("Tables:\n");
    for t in tables {
        out.push_str(&format!(
            "- {} (from {}, {} rows): {}\n",
            t.name,
            t.source,
            t.rows.len(),
            column_names(&t.columns)
                .iter()
                .map(|c| quoted(c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

/// The result as a Markdown table, its first rows shown.
fn render(columns: &[String], rows: &[Vec<Value>]) -> String {
    if columns.is_empty() {
        return "(no rows)\n".into();
    }
    let cell = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.replace('|', "\\|").replace('\n', " "),
        other => other.to_string(),
    };
    let mut out = format!(
        "| {} |\n|{}\n",
        columns.join(" | "),
        "---|".repeat(columns.len())
    );
    for row in rows.iter().take(SHOWN_ROWS) {
        out.push_str(&format!(
            "| {} |\n",
            row.iter().map(cell).collect::<Vec<_>>().join(" | ")
        ));
    }
    if rows.len() > SHOWN_ROWS {
        out.push_str(&format!(
            "({} rows; the first {SHOWN_ROWS} shown)\n",
            rows.len()
        ));
    } else {
        out.push_str(&format!("({} rows)\n", rows.len()));
    }
    truncate_chars(&out, 40_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_one_reading_statement_runs_and_nothing_is_attached() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pricing.csv"), "Product,Price\nCoda,10\n").unwrap();
        let canary = tempfile::tempdir().unwrap();
        let elsewhere = canary.path().join("elsewhere.db");
        let ctx = ToolCtx::new(dir.path(), reqwest::Client::new());
        let run = |sql: String| {
            let ctx = ctx.clone();
            async move { QueryData.call(json!({ "sql": sql }), &ctx).await }
        };
        assert!(run("SELECT ';' AS semi FROM pricing".into()).await.is_ok());
        assert!(
            run("with t as (select 1 as n) select n from t".into())
                .await
                .is_ok()
        );
        let at = elsewhere.display();
        for hostile in [
            "DROP TABLE pricing".to_owned(),
            format!("SELECT 1 -- '\n; ATTACH DATABASE '{at}' AS x"),
            format!("SELECT 1; ATTACH DATABASE '{at}' AS x"),
            format!("ATTACH DATABASE '{at}' AS x"),
            "PRAGMA query_only = OFF".into(),
            format!("VACUUM INTO '{at}'"),
            "SELECT * FROM pricing; DELETE FROM pricing".into(),
            "WITH x AS (SELECT 1) INSERT INTO pricing SELECT 'a', 1 FROM x".into(),
        ] {
            let refused = run(hostile.clone()).await;
            assert!(refused.is_err(), "{hostile} must not run: {refused:?}");
        }
        assert!(
            !elsewhere.exists(),
            "no database may be made outside the task"
        );
        let slow = run(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
                .into(),
        );
        ctx.cancel.cancel();
        assert!(
            slow.await.is_err(),
            "a query without end stops when the task is cancelled"
        );
    }

    #[tokio::test]
    async fn csv_and_xlsx_files_become_tables_and_results_can_be_saved() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pricing.csv"),
            "Product,Price,Plan\nCoda,10,Pro\nConfluence,5.16,Standard\nClickUp,7,Unlimited\n",
        )
        .unwrap();
        let ctx = ToolCtx::new(dir.path(), reqwest::Client::new());
        let listed = QueryData.call(json!({"sql": ""}), &ctx).await.unwrap();
        assert!(
            listed
                .content
                .contains("pricing (from pricing.csv, 3 rows)"),
            "{}",
            listed.content
        );
        let out = QueryData
            .call(
                json!({"sql": "SELECT Product, Price FROM pricing WHERE Price < 8 ORDER BY Price", "save_as": "cheap.csv"}),
                &ctx,
            )
            .await
            .unwrap();
        assert!(
            out.content.contains("| Confluence | 5.16 |"),
            "{}",
            out.content
        );
        assert!(out.content.contains("(2 rows)"));
        assert_eq!(out.files_written, ["cheap.csv"]);
        let saved = std::fs::read_to_string(dir.path().join("cheap.csv")).unwrap();
        assert_eq!(saved, "Product,Price\r\nConfluence,5.16\r\nClickUp,7\r\n");

        let refused = QueryData
            .call(json!({"sql": "DROP TABLE pricing"}), &ctx)
            .await
            .unwrap_err();
        assert!(matches!(refused, ToolError::Refused(_)));
        let bad = QueryData
            .call(json!({"sql": "SELECT nope FROM pricing"}), &ctx)
            .await
            .unwrap_err();
        assert!(bad.to_string().contains("no such column"), "{bad}");
    }
}
