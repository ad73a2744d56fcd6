//! `query_data`: SQL over the tables the task holds. Every CSV and XLSX file in the task folder
//! becomes a table of an in-memory SQLite database (named after the file; each XLSX sheet after
//! the file and the sheet), and one read-only `SELECT` runs over them. The result comes back as
//! a table, and can be saved as a CSV deliverable.

use std::path::Path;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Column, ConnectOptions, Connection, Row, SqliteConnection, ValueRef};

use super::files::{normalize, walk_files, write_confined};
use super::truncate_chars;
use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};

/// Largest file loaded as a table.
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
const MAX_TABLE_ROWS: usize = 200_000;
const MAX_TABLES: usize = 50;
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
        if !sql.is_empty() {
            check_read_only(&sql)?;
        }
        let dir = ctx.task_dir.clone();
        let tables = tokio::task::spawn_blocking(move || load_tables(&dir))
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))??;
        if tables.is_empty() {
            return Err(ToolError::Failed(
                "the task folder has no .csv or .xlsx file to query yet".into(),
            ));
        }
        let work = async {
            let mut db = open(&tables).await?;
            if sql.is_empty() {
                return Ok(ToolOutput::text(describe(&tables)));
            }
            let (columns, rows) = select(&mut db, &sql).await?;
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
        };
        tokio::select! {
            _ = ctx.cancel.cancelled() => Err(ToolError::Cancelled),
            r = work => r,
        }
    }
}

/// One statement that reads: `SELECT …` or `WITH … SELECT …`, with no second statement.
fn check_read_only(sql: &str) -> Result<(), ToolError> {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if first != "select" && first != "with" {
        return Err(ToolError::Refused(
            "only a SELECT (or WITH … SELECT) query can run here".into(),
        ));
    }
    // A `;` outside quotes would start a second statement.
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, ';') => {
                return Err(ToolError::Refused("one statement at a time".into()));
            }
            _ => {}
        }
    }
    Ok(())
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
        let path = dir.join(&name);
        let stem = table_name(
            Path::new(&name)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("table"),
        );
        let loaded = if is_csv {
            read_csv(&path).map(|(c, r)| vec![(stem.clone(), c, r)])
        } else {
            read_xlsx(&path, &stem)
        };
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

fn read_csv(path: &Path) -> Result<Sheet, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| e.to_string())?;
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

fn read_xlsx(path: &Path, stem: &str) -> Result<Vec<NamedSheet>, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto(path).map_err(|e| e.to_string())?;
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

async fn open(tables: &[Table]) -> Result<SqliteConnection, ToolError> {
    let fail = |e: sqlx::Error| ToolError::Failed(format!("the query database failed: {e}"));
    let mut db = SqliteConnectOptions::new()
        .in_memory(true)
        .connect()
        .await
        .map_err(fail)?;
    let mut tx = db.begin().await.map_err(fail)?;
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
        sqlx::query(&format!(
            "CREATE TABLE {} ({})",
            quoted(&t.name),
            defs.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        let insert = format!(
            "INSERT INTO {} VALUES ({})",
            quoted(&t.name),
            vec!["?"; columns.len()].join(", ")
        );
        for row in &t.rows {
            let mut q = sqlx::query(&insert);
            for c in 0..columns.len() {
                q = match row.get(c) {
                    None | Some(Value::Null) => q.bind(None::<String>),
                    Some(Value::Number(n)) => q.bind(n.as_f64()),
                    Some(Value::Bool(b)) => q.bind(*b),
                    Some(Value::String(s)) => q.bind(s.clone()),
                    Some(other) => q.bind(other.to_string()),
                };
            }
            q.execute(&mut *tx).await.map_err(fail)?;
        }
    }
    tx.commit().await.map_err(fail)?;
    sqlx::query("PRAGMA query_only = ON")
        .execute(&mut db)
        .await
        .map_err(fail)?;
    Ok(db)
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

async fn select(db: &mut SqliteConnection, sql: &str) -> Result<Sheet, ToolError> {
    let rows = sqlx::query(sql)
        .fetch_all(&mut *db)
        .await
        .map_err(|e| ToolError::Failed(format!("the query failed: {e}")))?;
    let columns: Vec<String> = rows
        .first()
        .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(rows.len().min(MAX_RESULT_ROWS));
    for row in rows.iter().take(MAX_RESULT_ROWS) {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let raw = row
                .try_get_raw(i)
                .map_err(|e| ToolError::Failed(e.to_string()))?;
            let value = if raw.is_null() {
                Value::Null
            } else if let Ok(n) = row.try_get::<i64, _>(i) {
                json!(n)
            } else if let Ok(f) = row.try_get::<f64, _>(i) {
                // Whole numbers read back as numbers without a fraction (7, not 7.0).
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    json!(f as i64)
                } else {
                    json!(f)
                }
            } else if let Ok(s) = row.try_get::<String, _>(i) {
                Value::String(s)
            } else {
                Value::String("(binary)".into())
            };
            values.push(value);
        }
        out.push(values);
    }
    Ok((columns, out))
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

    #[test]
    fn only_one_reading_statement_runs() {
        assert!(check_read_only("SELECT * FROM pricing").is_ok());
        assert!(check_read_only("with t as (select 1) select * from t").is_ok());
        assert!(
            check_read_only("SELECT ';' AS semi").is_ok(),
            "a quoted ; is text"
        );
        assert!(check_read_only("DELETE FROM pricing").is_err());
        assert!(check_read_only("SELECT 1; ATTACH DATABASE '/etc/x' AS x").is_err());
        assert!(check_read_only("PRAGMA query_only = OFF").is_err());
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
