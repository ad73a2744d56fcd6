//! The desktop window's cold start and idle memory: starts `miteos-app` (release build) under
//! Xvfb through tauri-driver, N times, and measures the time from asking for the window to an
//! interactive prompt bar, then the app's resident memory after 5 s idle.
//!
//! `cargo bench -p miteos-app --bench window` (the figures go to docs/benchmarks.md).

#[path = "../tests/app/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::time::{Duration, Instant};

use webdriver::{Display, Driver};

const RUNS: usize = 5;

/// Resident memory of every process whose executable is `name`, in MiB.
fn rss_mib(name: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        if exe.file_name().and_then(|n| n.to_str()) != Some(name) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if let Some(kb) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        {
            out.push(kb / 1024.0);
        }
    }
    out
}

fn main() {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let app = std::path::Path::new(&target).join("release/miteos-app");
    assert!(
        app.is_file(),
        "build the app first: cargo build --release -p miteos-app ({} is missing)",
        app.display()
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let display = Display::start().await;
        let mut starts = Vec::new();
        let mut rss = Vec::new();
        for run in 0..RUNS {
            let data = tempfile::tempdir().expect("temp dir");
            let env = vec![
                ("MITEOS_DATA_DIR".to_owned(), data.path().display().to_string()),
                ("MITEOS_SECRETS".to_owned(), "file".to_owned()),
                ("DISPLAY".to_owned(), display.name.clone()),
            ];
            let started = Instant::now();
            let driver = Driver::start(app.to_str().unwrap(), &env).await;
            driver.wait_for("#prompt", Duration::from_secs(60)).await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            tokio::time::sleep(Duration::from_secs(5)).await;
            // WebKitGTK renders in helper processes; they are part of what the app costs.
            let own: f64 = rss_mib("miteos-app").iter().sum();
            let web: f64 = ["WebKitWebProcess", "WebKitNetworkProcess"]
                .iter()
                .flat_map(|n| rss_mib(n))
                .sum();
            let mem = own + web;
            println!(
                "run {run}: interactive prompt bar after {ms:.0} ms; idle RSS {mem:.1} MiB (app {own:.1} + WebKit {web:.1})"
            );
            starts.push(ms);
            rss.push(mem);
            driver.stop().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        starts.sort_by(f64::total_cmp);
        rss.sort_by(f64::total_cmp);
        println!(
            "cold start to interactive prompt bar: median {:.0} ms (min {:.0}, max {:.0}); idle RSS median {:.1} MiB",
            starts[RUNS / 2],
            starts[0],
            starts[RUNS - 1],
            rss[RUNS / 2]
        );
    });
}
