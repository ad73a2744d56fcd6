//! Tool benchmark (a bench binary, not a timed test): the agents' tools on real files in a temp
//! folder, and a real MCP server (server-everything from tests/mcp, when installed).
//!
//! `cargo bench -p miteos-core --bench tools` prints the figures recorded in docs/benchmarks.md:
//! - `run_command` (sandboxed spawn, output capture, before/after scan) in an empty folder and in
//!   one of 1,000 files;
//! - `query_data` over a 10,000-row CSV (load into SQLite + an aggregate query);
//! - `write_chart` as SVG and as PNG;
//! - `read_file` of a PDF;
//! - an MCP server's cold start (spawn, handshake, tool list) and a tool call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use miteos_core::tools::{McpHub, McpServer, Tool, ToolCtx, ToolRegistry};
use serde_json::{Value, json};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn time_calls(
    tool: &dyn Tool,
    args: Value,
    ctx: &ToolCtx,
    runs: usize,
) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        tool.call(args.clone(), ctx)
            .await
            .expect("the tool call works");
        samples.push(started.elapsed());
    }
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95),
    )
}

#[tokio::main]
async fn main() {
    let registry = ToolRegistry::default();
    let tool = |name: &str| registry.get(name).expect("a built-in tool");
    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolCtx::new(dir.path(), reqwest::Client::new());

    let run = tool("run_command");
    let (p50, p95) = time_calls(run.as_ref(), json!({"command": "true"}), &ctx, 50).await;
    println!(
        "run_command `true`, empty folder:      p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );
    for i in 0..1000 {
        std::fs::write(dir.path().join(format!("file-{i:04}.txt")), "x").unwrap();
    }
    let (p50, p95) = time_calls(run.as_ref(), json!({"command": "true"}), &ctx, 50).await;
    println!(
        "run_command `true`, 1,000 files:       p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );
    for i in 0..1000 {
        std::fs::remove_file(dir.path().join(format!("file-{i:04}.txt"))).unwrap();
    }

    let mut csv = String::from("product,region,price,seats\n");
    for i in 0..10_000 {
        csv.push_str(&format!(
            "p{},r{},{}.5,{}\n",
            i % 50,
            i % 7,
            i % 100,
            i % 30
        ));
    }
    std::fs::write(dir.path().join("sales.csv"), csv).unwrap();
    let (p50, p95) = time_calls(
        tool("query_data").as_ref(),
        json!({"sql": "SELECT region, COUNT(*) AS n, AVG(price) AS avg FROM sales GROUP BY region ORDER BY region"}),
        &ctx,
        10,
    )
    .await;
    println!(
        "query_data, 10,000-row CSV, GROUP BY:  p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );

    let rows: Vec<Value> = (0..12)
        .map(|i| json!([format!("Product {i}"), 5 + i, 10 + 2 * i]))
        .collect();
    let chart = |path: &str| json!({"path": path, "columns": ["Product", "Price", "Seats"], "rows": rows, "chart": {"title": "Pricing"}});
    let write_chart = tool("write_chart");
    let (p50, p95) = time_calls(write_chart.as_ref(), chart("chart.svg"), &ctx, 20).await;
    println!(
        "write_chart SVG, 12 rows × 2 series:   p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = time_calls(write_chart.as_ref(), chart("chart.png"), &ctx, 20).await;
    println!(
        "write_chart PNG (1800×1080):           p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );

    let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/documents/brief.pdf");
    std::fs::copy(pdf, dir.path().join("brief.pdf")).unwrap();
    let (p50, p95) = time_calls(
        tool("read_file").as_ref(),
        json!({"path": "brief.pdf"}),
        &ctx,
        20,
    )
    .await;
    println!(
        "read_file PDF (1 page):                p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );

    let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    if !server.is_file() {
        println!("MCP: skipped (run `npm --prefix tests/mcp ci`)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let hub = Arc::new(McpHub::open(data.path()).unwrap());
    hub.set_servers(vec![McpServer {
        name: "everything".into(),
        command: Some("node".into()),
        args: vec![server.to_string_lossy().into_owned(), "stdio".into()],
        ..Default::default()
    }])
    .await
    .unwrap();
    let started = Instant::now();
    let states = hub.states().await;
    assert!(states[0].error.is_none(), "{:?}", states[0].error);
    println!(
        "MCP server-everything cold start + tools/list ({} tools): {}",
        states[0].tools.len(),
        ms(started.elapsed())
    );
    let sum = hub.tool("everything__get-sum").await.unwrap();
    let (p50, p95) = time_calls(&sum, json!({"a": 2, "b": 3}), &ctx, 50).await;
    println!(
        "MCP tools/call get-sum (stdio):        p50 {}  p95 {}",
        ms(p50),
        ms(p95)
    );
    hub.shutdown().await;
}
