//! Embedded-model benchmark (a bench binary): prompt and generation speed of the local provider,
//! with and without JSON-schema-constrained sampling, and the process's memory after loading.
//!
//! `cargo bench -p miteos-local-model --bench local_model -- MODEL.gguf [THREADS]`
//! (default model: the one scripts/install-model.sh caches). Compare with llama.cpp's own
//! `llama-bench -m MODEL.gguf -t THREADS -p 512 -n 128` built from the same vendored source
//! (see docs/benchmarks.md).

#[path = "../../miteos-core/benches/support/bench_args.rs"]
mod bench_args;

use std::time::{Duration, Instant};

use futures::StreamExt;
use miteos_local_model::{LocalEngine, LocalProvider, LocalSettings};
use miteos_providers::{ChatRequest, Message, Provider, StreamItem, ToolSpec};
use serde_json::json;

struct Run {
    prompt_tokens: i64,
    generated: i64,
    first_item: Duration,
    total: Duration,
}

async fn run(provider: &LocalProvider, request: &ChatRequest) -> Run {
    let started = Instant::now();
    let mut stream = provider.stream(request).await.expect("stream");
    let mut first_item = None;
    let mut usage = None;
    while let Some(item) = stream.next().await {
        let item = item.expect("no error");
        first_item.get_or_insert_with(|| started.elapsed());
        if let StreamItem::Usage(u) = item {
            usage = Some(u);
        }
    }
    let usage = usage.expect("usage");
    Run {
        prompt_tokens: usage.input_tokens,
        generated: usage.output_tokens,
        first_item: first_item.unwrap(),
        total: started.elapsed(),
    }
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args = bench_args::args();
    let model = bench_args::model(&args);
    let mut settings = LocalSettings::default();
    if let Some(t) = args.get(1).and_then(|t| t.parse().ok()) {
        settings.threads = t;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let rss_before = rss_mb();
        let provider = LocalProvider::new(LocalEngine::start(model.clone(), settings), "local::bench".into(), settings);
        // A long prompt (about 500 tokens) for prompt speed; a story for free generation.
        let long_prompt = "Miteos hands knowledge work to agents that plan, research and build. ".repeat(35);
        let free = ChatRequest {
            system: "You are a storyteller.".into(),
            messages: vec![Message::User(format!("{long_prompt}\nNow tell a long story about a lighthouse keeper."))],
            max_tokens: Some(128),
            ..Default::default()
        };
        let tool = ToolSpec {
            name: "write_file".into(),
            description: "Write a file".into(),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                               "required": ["path", "content"]}),
        };
        let constrained = ChatRequest {
            system: "You write files.".into(),
            messages: vec![Message::User(format!("{long_prompt}\nWrite a long file story.md about a lighthouse keeper."))],
            tools: vec![tool],
            force_tool: Some("write_file".into()),
            max_tokens: Some(128),
        };
        run(&provider, &free).await; // warm-up (loads the model)
        println!("model {} · {} threads · RSS after load {:.0} MB (before {:.0} MB)", model.display(), settings.threads, rss_mb(), rss_before);
        let median = |mut v: Vec<f64>| {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        let mut pp = Vec::new();
        let mut tg = Vec::new();
        for _ in 0..5 {
            let r = run(&provider, &free).await;
            // Free text streams: the first item arrives after the prompt and one token.
            pp.push(r.prompt_tokens as f64 / r.first_item.as_secs_f64());
            tg.push((r.generated - 1) as f64 / (r.total - r.first_item).as_secs_f64());
        }
        let (pp, tg) = (median(pp), median(tg));
        println!("free: prompt {pp:.0} tokens/s, generation {tg:.1} tokens/s (median of 5)");
        // A forced tool call streams nothing until it is complete: its prompt time is estimated
        // from the prompt speed above.
        let mut tg_constrained = Vec::new();
        for _ in 0..5 {
            let r = run(&provider, &constrained).await;
            let generation = r.total.as_secs_f64() - r.prompt_tokens as f64 / pp;
            tg_constrained.push(r.generated as f64 / generation);
        }
        let tgc = median(tg_constrained);
        println!(
            "json-schema constrained: generation {tgc:.1} tokens/s (median of 5), {:.0}% of free generation",
            100.0 * tgc / tg
        );
    });
}
