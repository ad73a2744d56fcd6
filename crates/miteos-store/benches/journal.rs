//! Journal benchmark (a bench binary, not a timed test): the sustained rate of events written
//! through the real journal (SQLite file in WAL mode, each event stored before it is published)
//! while many agents stream at once, as a wide fan-out's children do.
//!
//! `cargo bench -p miteos-store --bench journal -- [WRITERS] [SECONDS]` (default 100 writers for
//! 5 s): WRITERS concurrent tasks append `agent_output` events (a 40-character delta each, as a
//! streaming model sends them) to one task's journal as fast as the journal takes them; a live
//! subscriber reads them. Prints events per second, the append latency p50 / p99, and whether the
//! subscriber saw every event in `seq` order. With `MITEOS_BENCH_POSTGRES=1` the journal is on
//! PostgreSQL instead (a fresh database on scripts/postgres.sh's server).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use miteos_domain::events::EventKind;
use miteos_store::{Journal, Store};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let writers: usize = args.next().map_or(100, |a| a.parse().expect("WRITERS"));
    let seconds: u64 = args.next().map_or(5, |a| a.parse().expect("SECONDS"));
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temp dir");
        let postgres = match std::env::var_os("MITEOS_BENCH_POSTGRES") {
            Some(_) => Some(miteos_store::testing::TestDatabase::create().await),
            None => None,
        };
        let store = match &postgres {
            Some(database) => database.store().await,
            None => Store::open(&dir.path().join("miteos.db"))
                .await
                .expect("the store opens"),
        };
        store
            .insert_task(&miteos_domain::Task::pending(
                "task-bench".into(),
                "Profile 100 competitors".into(),
                "openai::gpt-4.1-mini".into(),
            ))
            .await
            .expect("a task");
        let journal = Journal::new(store);

        // The live subscriber (an SSE stream, the War Room): checks the order as it reads.
        let mut live = journal.subscribe();
        let reading = tokio::spawn(async move {
            let (mut seen, mut last, mut in_order, mut lagged) = (0u64, 0i64, true, 0u64);
            loop {
                match live.recv().await {
                    Ok(event) => {
                        in_order &= event.seq > last;
                        last = event.seq;
                        seen += 1;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => lagged += n,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
            (seen, in_order, lagged)
        });

        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut handles = Vec::new();
        for w in 0..writers {
            let (journal, stop, written) = (journal.clone(), stop.clone(), written.clone());
            handles.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let subtask = format!("st-{}", w + 1);
                while !stop.load(Ordering::Relaxed) {
                    let at = Instant::now();
                    journal
                        .append(
                            "task-bench",
                            EventKind::AgentOutput {
                                subtask_id: subtask.clone(),
                                text: "Acme Corp, founded 2014, sells widgets ".into(),
                            },
                        )
                        .await
                        .expect("an append");
                    latencies.push(at.elapsed());
                    written.fetch_add(1, Ordering::Relaxed);
                }
                latencies
            }));
        }
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut latencies: Vec<Duration> = Vec::new();
        for h in handles {
            latencies.extend(h.await.expect("a writer"));
        }
        let elapsed = started.elapsed().as_secs_f64();
        let total = written.load(Ordering::Relaxed);
        drop(journal);
        let (seen, in_order, lagged) = reading.await.expect("the reader");
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "{writers} writers, {seconds} s: {total} events, {:.0} events/s; append p50 {:.2} ms, p99 {:.2} ms; \
             the live subscriber saw {seen} in seq order: {in_order} (lagged past {lagged}, re-read from the journal)",
            total as f64 / elapsed,
            at(0.5).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0,
        );
    });
}
