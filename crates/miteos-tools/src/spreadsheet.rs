//! `write_spreadsheet`: a table as a real XLSX workbook (typed cells, bold frozen header, fitted
//! columns) or as CSV, decided by the file's extension.

use async_trait::async_trait;
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
use serde::Deserialize;
use serde_json::{Value, json};

use super::chart::{ChartKind, ChartSpec, chart_schema, table_properties};
use super::files::{normalize, write_confined};
use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};

pub struct WriteSpreadsheet;

const MAX_ROWS: usize = 100_000;
const MAX_COLUMNS: usize = 200;

#[derive(Deserialize)]
struct Args {
    path: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    #[serde(default)]
    sheet_name: Option<String>,
    /// A native Excel chart of the table (xlsx only).
    #[serde(default)]
    chart: Option<ChartSpec>,
}

#[async_trait]
impl Tool for WriteSpreadsheet {
    fn name(&self) -> &'static str {
        "write_spreadsheet"
    }
    fn description(&self) -> &'static str {
        "Write a table as a spreadsheet in the task folder: .xlsx (Excel, typed cells) or .csv, chosen by the path's extension. Numbers stay numbers. An .xlsx can carry a native Excel chart of the table (chart). Call once per file."
    }
    fn parameters(&self) -> Value {
        let (columns, rows) = table_properties();
        json!({"type":"object","properties":{
            "path":{"type":"string","pattern":"^[^/].*\\.(xlsx|csv)$","description":"relative path ending in .xlsx or .csv"},
            "columns":columns,
            "rows":rows,
            "sheet_name":{"type":"string","description":"worksheet name (xlsx only)"},
            "chart":chart_schema()},
            "required":["path","columns","rows"],"additionalProperties":false})
    }
    async fn call(&self, args: Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        if args.columns.is_empty() || args.columns.len() > MAX_COLUMNS {
            return Err(ToolError::InvalidArguments(format!(
                "a table needs 1 to {MAX_COLUMNS} columns"
            )));
        }
        if args.rows.len() > MAX_ROWS {
            return Err(ToolError::InvalidArguments(format!(
                "at most {MAX_ROWS} rows"
            )));
        }
        let extension = std::path::Path::new(args.path.trim())
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let bytes = match extension.as_deref() {
            Some("xlsx") => tokio::task::spawn_blocking(move || {
                xlsx(
                    &args.columns,
                    &args.rows,
                    args.sheet_name.as_deref(),
                    args.chart.as_ref(),
                )
                .map(|b| (b, args))
            })
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))??,
            Some("csv") if args.chart.is_some() => {
                return Err(ToolError::InvalidArguments(
                    "a CSV cannot hold a chart: write an .xlsx, or draw the chart with write_chart"
                        .into(),
                ));
            }
            Some("csv") => (csv(&args.columns, &args.rows), args),
            _ => {
                return Err(ToolError::InvalidArguments(
                    "the path must end in .xlsx or .csv".into(),
                ));
            }
        };
        let (bytes, args) = bytes;
        write_confined(ctx, &args.path, &bytes).await?;
        Ok(ToolOutput {
            content: format!(
                "wrote {} ({} columns, {} rows, {} bytes{})",
                args.path.trim(),
                args.columns.len(),
                args.rows.len(),
                bytes.len(),
                if args.chart.is_some() {
                    ", with a chart"
                } else {
                    ""
                }
            ),
            files_written: vec![normalize(&args.path)],
            ..ToolOutput::default()
        })
    }
}

fn xlsx(
    columns: &[String],
    rows: &[Vec<Value>],
    sheet: Option<&str>,
    chart: Option<&ChartSpec>,
) -> Result<Vec<u8>, ToolError> {
    let fail = |e: rust_xlsxwriter::XlsxError| {
        ToolError::Failed(format!("cannot build the workbook: {e}"))
    };
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    if let Some(name) = sheet.map(sheet_name).filter(|n| !n.is_empty()) {
        ws.set_name(name).map_err(fail)?;
    }
    let bold = Format::new().set_bold();
    for (c, title) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, title, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, value) in row.iter().take(columns.len()).enumerate() {
            let c = c as u16;
            match value {
                Value::Null => {}
                Value::Bool(b) => {
                    ws.write_boolean(r, c, *b).map_err(fail)?;
                }
                Value::Number(n) => {
                    ws.write_number(r, c, n.as_f64().unwrap_or(0.0))
                        .map_err(fail)?;
                }
                Value::String(s) => {
                    ws.write_string(r, c, s).map_err(fail)?;
                }
                other => {
                    ws.write_string(r, c, other.to_string()).map_err(fail)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    ws.autofit();
    if let Some(spec) = chart
        && !rows.is_empty()
    {
        let plot = spec.plot(columns, rows)?;
        let sheet = ws.name();
        let last = rows.len() as u32;
        let mut chart = Chart::new(match spec.kind {
            ChartKind::Column => ChartType::Column,
            ChartKind::Bar => ChartType::Bar,
            ChartKind::Line => ChartType::Line,
            ChartKind::Pie => ChartType::Pie,
        });
        for &c in &plot.series {
            let c = c as u16;
            let category = plot.category as u16;
            chart
                .add_series()
                .set_name((sheet.as_str(), 0, c))
                .set_categories((sheet.as_str(), 1, category, last, category))
                .set_values((sheet.as_str(), 1, c, last, c));
        }
        if let Some(title) = spec.title.as_deref().filter(|t| !t.trim().is_empty()) {
            chart.title().set_name(title);
        }
        ws.insert_chart(1, columns.len() as u16 + 1, &chart)
            .map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}

/// Excel's rules: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect::<String>()
        .trim()
        .to_owned()
}

pub(super) fn csv(columns: &[String], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut out = String::new();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(columns.to_vec()));
    out.push_str("\r\n");
    for row in rows {
        let cells = (0..columns.len())
            .map(|i| match row.get(i) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            })
            .collect();
        out.push_str(&line(cells));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// RFC 4180 quoting, and a leading `'` before `= + - @` so a cell cannot become a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '@'])
        || (value.starts_with('-') && value.parse::<f64>().is_err())
    {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let out = String::from_utf8(csv(
            &["Name".into(), "Note".into()],
            &[
                vec![json!("Coda, Inc."), json!("=HYPERLINK(\"x\")")],
                vec![json!(-5), json!(null)],
            ],
        ))
        .unwrap();
        assert_eq!(
            out,
            "Name,Note\r\n\"Coda, Inc.\",\"'=HYPERLINK(\"\"x\"\")\"\r\n-5,\r\n"
        );
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx(
            &["Product".into(), "Price".into()],
            &[vec![json!("Coda"), json!(10)]],
            Some("Pricing"),
            None,
        )
        .unwrap();
        assert_eq!(&bytes[..2], b"PK", "xlsx files are zip archives");
    }

    #[test]
    fn an_xlsx_carries_a_native_chart_of_its_table() {
        let spec: ChartSpec =
            serde_json::from_value(json!({"type": "column", "title": "Price per seat"})).unwrap();
        let bytes = xlsx(
            &["Product".into(), "Price".into()],
            &[
                vec![json!("Coda"), json!(10)],
                vec![json!("Confluence"), json!(5.16)],
            ],
            Some("Pricing"),
            Some(&spec),
        )
        .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut chart = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/charts/chart1.xml").expect("a chart part"),
            &mut chart,
        )
        .unwrap();
        assert!(chart.contains("<c:barChart>"), "a column chart");
        assert!(
            chart.contains("Pricing!$B$2:$B$3"),
            "values from the table: {chart}"
        );
        assert!(chart.contains("Price per seat"));
    }
}
