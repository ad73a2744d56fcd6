//! Miteos with nothing configured but one local GGUF model, for the embedded-model benchmarks
//! (`skills_local`, `offline_suite`): a fresh data directory whose models folder links the model.

use std::path::Path;

use miteos_core::Miteos;
use miteos_core::providers::ModelConfig;
use miteos_core::service::Options;

/// Opens Miteos on a new temporary data directory; keep the directory while Miteos runs.
pub async fn open(model: &Path) -> (tempfile::TempDir, Miteos) {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(model, models.join(model.file_name().unwrap())).unwrap();
    let options = Options {
        keys_in_file: true,
        models_dir: Some(models),
        ..Options::new(dir.path(), ModelConfig::default())
    };
    let miteos = Miteos::open(options).await.unwrap();
    println!("model: {}", model.display());
    (dir, miteos)
}
