//! Charts of a table: which column holds the categories and which the values ([`ChartSpec`],
//! shared by `write_spreadsheet`'s native Excel charts and `write_chart`), and `write_chart`
//! itself, which draws an SVG with plotters (and renders it to PNG with resvg when asked).

use async_trait::async_trait;
use plotters::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::files::{normalize, write_confined};
use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};

/// What to draw.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChartSpec {
    #[serde(rename = "type", default)]
    pub kind: ChartKind,
    #[serde(default)]
    pub title: Option<String>,
    /// The column of category labels (default: the first).
    #[serde(default)]
    pub category_column: Option<String>,
    /// The columns plotted as series (default: every numeric column but the categories).
    #[serde(default)]
    pub value_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ChartKind {
    #[default]
    Column,
    Bar,
    Line,
    Pie,
}

/// The JSON schema of a [`ChartSpec`], for the tools that take one.
pub(crate) fn chart_schema() -> Value {
    json!({"type":"object","properties":{
        "type":{"type":"string","enum":["column","bar","line","pie"],"description":"column (default), bar, line or pie"},
        "title":{"type":"string"},
        "category_column":{"type":"string","description":"the column of labels (default: the first)"},
        "value_columns":{"type":"array","items":{"type":"string"},"description":"the numeric columns to plot (default: all numeric ones; pie: the first)"}},
        "additionalProperties":false})
}

/// The `columns` and `rows` properties of the tools that take a table.
pub(crate) fn table_properties() -> (Value, Value) {
    (
        json!({"type":"array","items":{"type":"string"},"description":"header row"}),
        json!({"type":"array","items":{"type":"array","items":{"type":["string","number","boolean","null"]}},"description":"data rows, one value per column"}),
    )
}

/// Which columns a chart uses, as indexes into the table's columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plot {
    pub category: usize,
    pub series: Vec<usize>,
}

impl ChartSpec {
    /// Resolves the columns against the table, or says what does not fit.
    pub fn plot(&self, columns: &[String], rows: &[Vec<Value>]) -> Result<Plot, ToolError> {
        let index = |name: &str| {
            columns.iter().position(|c| c == name).ok_or_else(|| {
                ToolError::InvalidArguments(format!(
                    "the chart names column {name:?}, which the table does not have ({})",
                    columns.join(", ")
                ))
            })
        };
        let category = match &self.category_column {
            Some(name) => index(name)?,
            None => 0,
        };
        let numeric = |c: usize| {
            let values = rows
                .iter()
                .filter_map(|r| r.get(c))
                .filter(|v| !v.is_null());
            let mut any = false;
            for v in values {
                if !v.is_number() {
                    return false;
                }
                any = true;
            }
            any
        };
        let mut series = if self.value_columns.is_empty() {
            (0..columns.len())
                .filter(|&c| c != category && numeric(c))
                .collect()
        } else {
            let mut chosen = Vec::new();
            for name in &self.value_columns {
                let c = index(name)?;
                if !numeric(c) {
                    return Err(ToolError::InvalidArguments(format!(
                        "column {name:?} does not hold numbers only, so it cannot be plotted"
                    )));
                }
                chosen.push(c);
            }
            chosen
        };
        if series.is_empty() {
            return Err(ToolError::InvalidArguments(
                "the table has no numeric column to plot besides the categories".into(),
            ));
        }
        if self.kind == ChartKind::Pie {
            series.truncate(1);
        }
        Ok(Plot { category, series })
    }
}

fn label(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(v: Option<&Value>) -> f64 {
    v.and_then(Value::as_f64).unwrap_or(0.0)
}

pub struct WriteChart;

#[derive(Deserialize)]
struct Args {
    path: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    #[serde(default)]
    chart: ChartSpec,
}

const MAX_POINTS: usize = 2000;

#[async_trait]
impl Tool for WriteChart {
    fn name(&self) -> &'static str {
        "write_chart"
    }
    fn description(&self) -> &'static str {
        "Draw a chart of a table as an image in the task folder, .svg or .png by the path's extension (column, bar, line or pie). Give the same columns and rows you would give write_spreadsheet; the chart picks the first column as labels and the numeric ones as values unless told."
    }
    fn parameters(&self) -> Value {
        let (columns, rows) = table_properties();
        json!({"type":"object","properties":{
            "path":{"type":"string","pattern":"^[^/].*\\.(svg|png)$","description":"relative path ending in .svg or .png"},
            "columns":columns,
            "rows":rows,
            "chart":chart_schema()},
            "required":["path","columns","rows"],"additionalProperties":false})
    }
    async fn call(&self, args: Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let lower = args.path.trim().to_ascii_lowercase();
        let png = lower.ends_with(".png");
        if !png && !lower.ends_with(".svg") {
            return Err(ToolError::InvalidArguments(
                "the path must end in .svg or .png".into(),
            ));
        }
        if args.rows.is_empty() || args.rows.len() > MAX_POINTS {
            return Err(ToolError::InvalidArguments(format!(
                "a chart needs 1 to {MAX_POINTS} rows"
            )));
        }
        let plot = args.chart.plot(&args.columns, &args.rows)?;
        let (spec, columns, rows) = (args.chart.clone(), args.columns.clone(), args.rows.clone());
        let image = tokio::task::spawn_blocking(move || {
            let svg = draw_svg(&spec, &plot, &columns, &rows)?;
            if png {
                to_png(&svg)
            } else {
                Ok(svg.into_bytes())
            }
        })
        .await
        .map_err(|e| ToolError::Failed(e.to_string()))??;
        write_confined(ctx, &args.path, &image).await?;
        Ok(ToolOutput {
            content: format!(
                "wrote {} ({:?} chart of {} rows, {} bytes)",
                args.path.trim(),
                args.chart.kind,
                args.rows.len(),
                image.len()
            ),
            files_written: vec![normalize(&args.path)],
            ..ToolOutput::default()
        })
    }
}

/// The system's fonts, loaded once, for rendering charts' text into PNGs.
fn fonts() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static FONTS: std::sync::OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> =
        std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_system_fonts();
            // The chart asks for "sans-serif"; fontdb maps it to Arial, which Linux rarely has.
            let installed = |family: &str| {
                db.faces()
                    .any(|f| f.families.iter().any(|(name, _)| name == family))
            };
            if let Some(family) = [
                "Arial",
                "DejaVu Sans",
                "Noto Sans",
                "Liberation Sans",
                "Helvetica",
            ]
            .into_iter()
            .find(|f| installed(f))
            {
                db.set_sans_serif_family(family);
            }
            std::sync::Arc::new(db)
        })
        .clone()
}

/// Renders a chart's SVG to PNG at twice its size (sharp on high-density screens).
fn to_png(svg: &str) -> Result<Vec<u8>, ToolError> {
    use resvg::{tiny_skia, usvg};
    let fail = |e: &dyn std::fmt::Display| ToolError::Failed(format!("cannot render the PNG: {e}"));
    let options = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| fail(&e))?;
    let scale = 2.0;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| fail(&"empty"))?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| fail(&"too large"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| fail(&e))
}

const WIDTH: u32 = 900;
const HEIGHT: u32 = 540;

/// Draws the chart as SVG text.
pub(crate) fn draw_svg(
    spec: &ChartSpec,
    plot: &Plot,
    columns: &[String],
    rows: &[Vec<Value>],
) -> Result<String, ToolError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let title = spec.title.clone().unwrap_or_default();
        let labels: Vec<String> = rows.iter().map(|r| label(r.get(plot.category))).collect();
        match spec.kind {
            ChartKind::Pie => draw_pie(&root, &title, plot, rows, &labels)?,
            ChartKind::Line | ChartKind::Column | ChartKind::Bar => {
                draw_cartesian(&root, spec.kind, &title, plot, columns, rows, &labels)?
            }
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// The SVG drawing area a chart is drawn on.
type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn fail(e: &dyn std::fmt::Display) -> ToolError {
    ToolError::Failed(format!("cannot draw the chart: {e}"))
}

/// The `i`-th series' (or slice's) colour.
fn color(i: usize) -> RGBAColor {
    Palette99::pick(i).to_rgba()
}

/// A pie of the first series, one slice per row, labelled with the category and percentage.
fn draw_pie(
    root: &Area<'_>,
    title: &str,
    plot: &Plot,
    rows: &[Vec<Value>],
    labels: &[String],
) -> Result<(), ToolError> {
    let area = root
        .titled(title, ("sans-serif", 24))
        .map_err(|e| fail(&e))?;
    let c = plot.series[0];
    let sizes: Vec<f64> = rows.iter().map(|r| number(r.get(c)).max(0.0)).collect();
    let colors: Vec<RGBColor> = (0..rows.len())
        .map(|i| {
            let RGBAColor(r, g, b, _) = color(i);
            RGBColor(r, g, b)
        })
        .collect();
    let (w, h) = area.dim_in_pixel();
    let center = (w as i32 / 2, h as i32 / 2);
    let radius = f64::from(w.min(h)) * 0.38;
    let mut pie = Pie::new(&center, &radius, &sizes, &colors, labels);
    pie.label_style(("sans-serif", 14).into_font());
    pie.percentages(("sans-serif", 12).into_font().color(&BLACK));
    area.draw(&pie).map_err(|e| fail(&e))?;
    Ok(())
}

/// The lowest and highest values of the plotted series (0 included), with headroom above.
fn value_range(plot: &Plot, rows: &[Vec<Value>]) -> (f64, f64) {
    let values = plot
        .series
        .iter()
        .flat_map(|&c| rows.iter().map(move |r| number(r.get(c))));
    let (lo, hi) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let hi = if hi <= lo {
        lo + 1.0
    } else {
        hi + (hi - lo) * 0.08
    };
    (lo, hi)
}

/// Columns, bars or lines: one category per row, one series per plotted column, a legend when
/// there are several.
fn draw_cartesian(
    root: &Area<'_>,
    kind: ChartKind,
    title: &str,
    plot: &Plot,
    columns: &[String],
    rows: &[Vec<Value>],
    labels: &[String],
) -> Result<(), ToolError> {
    let (lo, hi) = value_range(plot, rows);
    let n = rows.len();
    // Category i spans [i, i + 1); its label sits at the middle.
    let name = |i: f64| {
        let k = i.floor();
        if (i - k - 0.5).abs() < 1e-9 && k >= 0.0 {
            labels.get(k as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let value_desc = if plot.series.len() == 1 {
        columns[plot.series[0]].clone()
    } else {
        String::new()
    };
    let horizontal = kind == ChartKind::Bar;
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(if horizontal { 150 } else { 64 });
    // Both orientations share one coordinate type: (category, value) or (value, category).
    let (xs, ys) = if horizontal {
        (lo..hi, 0f64..n as f64)
    } else {
        (0f64..n as f64, lo..hi)
    };
    let mut chart = builder.build_cartesian_2d(xs, ys).map_err(|e| fail(&e))?;
    let label_of = |v: &f64| name(*v);
    let mut mesh = chart.configure_mesh();
    mesh.label_style(("sans-serif", 13));
    if horizontal {
        mesh.disable_y_mesh()
            .y_labels(n.min(40) * 2 + 1)
            .y_label_formatter(&label_of)
            .x_desc(value_desc);
    } else {
        mesh.disable_x_mesh()
            .x_labels(n.min(40) * 2 + 1)
            .x_label_formatter(&label_of)
            .y_desc(value_desc);
    }
    mesh.draw().map_err(|e| fail(&e))?;
    let width = 0.8 / plot.series.len() as f64;
    let base = 0.0_f64.max(lo);
    for (s, &c) in plot.series.iter().enumerate() {
        let style = color(s);
        // Empty cells are no point (lines) and no bar.
        let points: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.get(c).is_some_and(Value::is_number))
            .map(|(i, r)| (i as f64, number(r.get(c))))
            .collect();
        let drawn = match kind {
            ChartKind::Line => chart.draw_series(LineSeries::new(
                points.iter().map(|&(x, y)| (x + 0.5, y)),
                style.stroke_width(3),
            )),
            ChartKind::Bar => chart.draw_series(points.iter().map(|&(i, v)| {
                // The first series on top.
                let top = i + 0.9 - width * s as f64;
                Rectangle::new([(base, top), (v, top - width)], style.filled())
            })),
            _ => chart.draw_series(points.iter().map(|&(i, v)| {
                let left = i + 0.1 + width * s as f64;
                Rectangle::new([(left, base), (left + width, v)], style.filled())
            })),
        }
        .map_err(|e| fail(&e))?;
        drawn
            .label(columns[c].clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], style.filled()));
    }
    if plot.series.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(|e| fail(&e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> (Vec<String>, Vec<Vec<Value>>) {
        let columns = ["Product", "Price", "Seats", "Notes"]
            .map(String::from)
            .to_vec();
        let rows = vec![
            vec![json!("Coda"), json!(10), json!(5), json!("docs")],
            vec![json!("Confluence"), json!(5.16), Value::Null, json!("wiki")],
            vec![json!("ClickUp"), json!(7), json!(3), json!("tasks")],
        ];
        (columns, rows)
    }

    #[test]
    fn the_plot_uses_the_numeric_columns_unless_told() {
        let (columns, rows) = table();
        let plot = ChartSpec::default().plot(&columns, &rows).unwrap();
        assert_eq!(
            plot,
            Plot {
                category: 0,
                series: vec![1, 2]
            }
        );
        let pie = ChartSpec {
            kind: ChartKind::Pie,
            ..Default::default()
        };
        assert_eq!(pie.plot(&columns, &rows).unwrap().series, vec![1]);
        let wrong = ChartSpec {
            value_columns: vec!["Notes".into()],
            ..Default::default()
        };
        assert!(wrong.plot(&columns, &rows).is_err());
        let missing = ChartSpec {
            category_column: Some("Vendor".into()),
            ..Default::default()
        };
        assert!(
            missing
                .plot(&columns, &rows)
                .unwrap_err()
                .to_string()
                .contains("Vendor")
        );
    }

    #[test]
    fn every_kind_draws_an_svg_with_its_labels() {
        let (columns, rows) = table();
        for kind in [
            ChartKind::Column,
            ChartKind::Bar,
            ChartKind::Line,
            ChartKind::Pie,
        ] {
            let spec = ChartSpec {
                kind,
                title: Some("Pricing".into()),
                ..Default::default()
            };
            let plot = spec.plot(&columns, &rows).unwrap();
            let svg = draw_svg(&spec, &plot, &columns, &rows).unwrap();
            assert!(svg.starts_with("<svg"), "{kind:?}");
            assert!(svg.contains("Pricing"), "{kind:?} has its title");
            assert!(svg.contains("Confluence"), "{kind:?} names its categories");
        }
    }

    #[test]
    fn a_png_is_the_svg_rendered() {
        let (columns, rows) = table();
        let spec = ChartSpec::default();
        let plot = spec.plot(&columns, &rows).unwrap();
        let png = to_png(&draw_svg(&spec, &plot, &columns, &rows).unwrap()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // 1800 × 1080: twice the SVG's size, in the IHDR chunk.
        assert_eq!(
            u32::from_be_bytes(png[16..20].try_into().unwrap()),
            2 * WIDTH
        );
        assert_eq!(
            u32::from_be_bytes(png[20..24].try_into().unwrap()),
            2 * HEIGHT
        );
    }
}
