//! The offline suite (a bench binary): ten simple tasks that need no internet — a Markdown note,
//! a CSV from facts in the prompt, a summary of an attached text, a chart of a small attached
//! table, a short memo… — run on a local GGUF model with nothing else configured, through the
//! whole of Miteos (planning, agents, tools, result check, store). For each: did it complete
//! with a deliverable of the kind asked for, its tokens and seconds; then the share completed.
//!
//! `cargo bench -p miteos-core --features local --bench offline_suite -- [MODEL.gguf] [ONLY]`
//! (default: the model scripts/install-model.sh caches; ONLY runs the tasks whose number or
//! words contain it). Figures go to docs/benchmarks.md under "offline suite".

#[path = "support/bench_args.rs"]
mod bench_args;
#[path = "support/local_miteos.rs"]
mod local_miteos;
#[path = "support/skill_runs.rs"]
mod skill_runs;

use std::time::Instant;

use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::service::{Attachment, NewTask};

const ARTICLE: &str = "Remote work at Acme, one year on\n\n\
In March the company let every team choose where to work. A year later, 62% of staff work from \
home at least three days a week. Surveys show satisfaction rose from 6.1 to 7.4 out of 10, and \
voluntary turnover fell by a third. Managers report that meetings got shorter but more frequent, \
and that new hires take about two weeks longer to feel at home. The office in Leeds was closed in \
September; the savings, about 400,000 pounds a year, paid for a travel budget so teams meet in \
person once a quarter. The board will review the policy again next spring.\n";

const SALES: &str = "Month,Sales\nJanuary,120\nFebruary,135\nMarch,160\nApril,150\nMay,180\n";

struct Case {
    prompt: &'static str,
    /// The deliverable kinds (extensions) that answer it.
    kinds: &'static [&'static str],
    attachment: Option<(&'static str, &'static str)>,
}

const CASES: &[Case] = &[
    Case {
        prompt: "Write a markdown note with three tips for running better meetings, saved as meeting-tips.md",
        kinds: &["md"],
        attachment: None,
    },
    Case {
        prompt: "Make a CSV of these planets and their moons: Mercury 0, Venus 0, Earth 1, Mars 2, Jupiter 95",
        kinds: &["csv"],
        attachment: None,
    },
    Case {
        prompt: "Summarize the attached article in a few sentences",
        kinds: &["md"],
        attachment: Some(("article.txt", ARTICLE)),
    },
    Case {
        prompt: "Draw a bar chart of the attached monthly sales table",
        kinds: &["svg", "png"],
        attachment: Some(("sales.csv", SALES)),
    },
    Case {
        prompt: "Write a short memo to the team saying the office is closed on Friday for maintenance",
        kinds: &["md"],
        attachment: None,
    },
    Case {
        prompt: "Create a spreadsheet of 4 fruits with their colour and typical price",
        kinds: &["xlsx"],
        attachment: None,
    },
    Case {
        prompt: "Write a checklist for packing for a weekend trip",
        kinds: &["md"],
        attachment: None,
    },
    Case {
        prompt: "Write a short email inviting a customer to a product demo next Tuesday at 10:00",
        kinds: &["md"],
        attachment: None,
    },
    Case {
        prompt: "Make a table of the 3 largest oceans and their areas in million square kilometres",
        kinds: &["csv", "xlsx"],
        attachment: None,
    },
    Case {
        prompt: "Write a one-paragraph product description of a reusable steel water bottle to description.md",
        kinds: &["md"],
        attachment: None,
    },
];

fn main() {
    let args = bench_args::args();
    let model = bench_args::model(&args);
    let only = args.get(1).cloned();
    assert!(model.is_file(), "no model at {}", model.display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Nothing configured but this model.
        let (_dir, miteos) = local_miteos::open(&model).await;
        let mut done = 0;
        let mut ran = 0;
        let (mut tokens, mut seconds) = (0i64, 0f64);
        for (i, case) in CASES.iter().enumerate() {
            let number = (i + 1).to_string();
            if let Some(only) = &only
                && number != *only
                && !case.prompt.contains(only.as_str())
            {
                continue;
            }
            ran += 1;
            let started = Instant::now();
            let (ok, summary) = run(&miteos, case).await;
            let elapsed = started.elapsed().as_secs_f64();
            done += usize::from(ok.0);
            tokens += ok.1;
            seconds += elapsed;
            println!(
                "{number:>2}. {} — {} · {} tokens · {elapsed:.1} s{summary}",
                case.prompt,
                if ok.0 { "completed" } else { "NOT completed" },
                ok.1
            );
        }
        let ran_f = ran.max(1) as f64;
        println!(
            "\noffline suite: {done} of {ran} completed with a deliverable of the kind asked for ({:.0}%); \
             {:.0} tokens and {:.1} s per task",
            100.0 * done as f64 / ran_f,
            tokens as f64 / ran_f,
            seconds / ran_f
        );
        miteos.shutdown().await;
    });
}

/// Runs one case: (completed with the kind asked for, tokens), and what went wrong or was made.
async fn run(miteos: &Miteos, case: &Case) -> ((bool, i64), String) {
    let attachments = case
        .attachment
        .map(|(name, text)| {
            vec![Attachment {
                name: name.to_owned(),
                bytes: text.as_bytes().to_vec(),
            }]
        })
        .unwrap_or_default();
    let r = skill_runs::run_task(
        miteos,
        NewTask {
            prompt: case.prompt.to_owned(),
            attachments,
            use_skills: Some(false),
            ..Default::default()
        },
    )
    .await;
    let ok = r.status == TaskStatus::Completed
        && r.kinds().iter().any(|k| case.kinds.contains(&k.as_str()));
    let summary = match (&r.error, ok) {
        (_, true) => format!(" · {}", r.files.join(", ")),
        (Some(e), false) => format!(" · {}", e.chars().take(200).collect::<String>()),
        (None, false) => format!(" · files {:?}", r.files),
    };
    ((ok, r.tokens), summary)
}
