//! `miteos models`: the embedded model's GGUF files — list, add a local file, download a URL.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use miteos_core::{Error, Miteos};

#[derive(clap::Subcommand)]
pub enum ModelsCommand {
    /// List installed models (use them as local::NAME).
    List,
    /// Copy a local GGUF file into the model folder.
    Add {
        file: PathBuf,
        /// Expected SHA-256 of the file.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Download a GGUF file (resumes a broken download when run again).
    Download {
        url: String,
        /// Model name (default: the URL's file name without .gguf).
        #[arg(long)]
        name: Option<String>,
        /// Expected SHA-256; a mismatch discards the file.
        #[arg(long)]
        sha256: Option<String>,
    },
}

pub async fn run(miteos: &Miteos, command: ModelsCommand) -> Result<(), Error> {
    let store = miteos.models();
    match command {
        ModelsCommand::List => {
            let models = store.list()?;
            if models.is_empty() {
                println!(
                    "No local models in {} (install one with `bash scripts/install-model.sh`).",
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
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40.cyan/blue} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("static template"),
            );
            let m = store
                .download(
                    miteos.http(),
                    &url,
                    name.as_deref(),
                    sha256.as_deref(),
                    |done, total| {
                        if let Some(total) = total {
                            bar.set_length(total);
                        }
                        bar.set_position(done);
                    },
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
    }
    Ok(())
}
