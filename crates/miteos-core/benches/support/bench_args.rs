//! The arguments of the embedded-model bench binaries (`cargo bench … -- ARGS` passes `--bench`
//! along, which is dropped).

use std::path::PathBuf;

pub fn args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect()
}

/// The GGUF file: the first argument, else the default model scripts/install-model.sh caches.
pub fn model(args: &[String]) -> PathBuf {
    args.first().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").expect("HOME")).join(format!(
            ".cache/miteos/models/{}.gguf",
            miteos_providers::models::DEFAULT_MODEL
        ))
    })
}
