//! The catalog of recommended local models: data kept in the repository
//! (`data/catalog.json`), offered by what the machine can run — a small, a medium and a large
//! pick by its memory and cores. The medium pick is the one Miteos recommends.

use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;

use miteos_domain::models::{Catalog, CatalogEntry, CatalogModel, Machine};
use miteos_domain::{Error, Result};

use crate::models::InstalledModel;

#[derive(Deserialize)]
struct CatalogFile {
    models: Vec<CatalogModel>,
}

static MODELS: LazyLock<Vec<CatalogModel>> = LazyLock::new(|| {
    serde_json::from_str::<CatalogFile>(include_str!("../data/catalog.json"))
        .expect("the built-in catalog is valid JSON (a unit test reads it)")
        .models
});

/// Every model of the catalog, smallest first as listed.
pub fn models() -> &'static [CatalogModel] {
    &MODELS
}

/// The catalog model called `name` (its file stem, or its title, any case).
pub fn find(name: &str) -> Result<&'static CatalogModel> {
    let wanted = name.trim().trim_start_matches("local::");
    MODELS
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(wanted) || m.title.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            let names: Vec<&str> = MODELS.iter().map(|m| m.name.as_str()).collect();
            Error::NotFound(format!(
                "{name:?} is not in the catalog; its models are: {}",
                names.join(", ")
            ))
        })
}

/// This machine's memory and cores, measured once (they do not change while Miteos runs).
static THIS_MACHINE: LazyLock<Machine> = LazyLock::new(|| {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    Machine {
        memory_bytes: system.total_memory(),
        cores: std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1),
        free_disk_bytes: None,
    }
});

/// This machine: memory, cores, and the free space in `models_dir`.
pub fn machine(models_dir: &Path) -> Machine {
    Machine {
        free_disk_bytes: crate::models::free_space(models_dir),
        ..*THIS_MACHINE
    }
}

/// The installed model to use when the user chose none, on this machine (see
/// [`best_installed`]).
pub fn best_installed_here(installed: &[InstalledModel]) -> Option<&InstalledModel> {
    best_installed(installed, &THIS_MACHINE)
}

/// The model can run in this much memory, leaving room for the system and the app.
fn fits(model: &CatalogModel, machine: &Machine) -> bool {
    model.memory_gb * 1e9 <= machine.memory_bytes as f64 * 0.6
}

/// The largest model (billions of parameters) that answers at a usable speed on CPU cores alone.
fn speed_ceiling(machine: &Machine) -> f64 {
    f64::from(machine.cores) + 2.0
}

/// The machine's small, medium and large picks, by name: models that call tools, fit in memory
/// and run at a usable speed. Small is the smallest of them; large the largest that calls tools
/// well; medium the largest good one at most half the speed ceiling (else the small one).
pub fn picks(machine: &Machine) -> [Option<&'static str>; 3] {
    let ceiling = speed_ceiling(machine);
    let usable: Vec<&CatalogModel> = MODELS
        .iter()
        .filter(|m| matches!(m.tool_calling.as_str(), "good" | "fair"))
        .filter(|m| fits(m, machine) && m.parameters_b <= ceiling)
        .collect();
    let good = |limit: f64| {
        usable
            .iter()
            .filter(|m| m.tool_calling == "good" && m.parameters_b <= limit)
            .max_by(|a, b| a.parameters_b.total_cmp(&b.parameters_b))
            .map(|m| m.name.as_str())
    };
    let small = usable
        .iter()
        .min_by(|a, b| a.parameters_b.total_cmp(&b.parameters_b))
        .map(|m| m.name.as_str());
    let large = good(ceiling).or(small);
    let medium = good(ceiling / 2.0).or(small);
    [small, medium, large]
}

/// The catalog as offered on `machine`, with what is installed marked.
pub fn for_machine(machine: Machine, installed: &[InstalledModel], models_dir: &Path) -> Catalog {
    let [small, medium, large] = picks(&machine);
    let models = MODELS
        .iter()
        .map(|m| {
            let pick = [("large", large), ("medium", medium), ("small", small)]
                .into_iter()
                .find(|(_, name)| *name == Some(m.name.as_str()))
                .map(|(pick, _)| pick.to_owned());
            CatalogEntry {
                installed: installed.iter().any(|i| i.name == m.name),
                fits: fits(m, &machine),
                pick,
                model: m.clone(),
            }
        })
        .collect();
    Catalog {
        machine,
        models,
        recommended: medium.map(str::to_owned),
        models_dir: models_dir.display().to_string(),
    }
}

/// The installed model to use when the user chose none: the machine's medium pick, large pick,
/// small pick, then any other model that is not a demo (the largest file), and only then a demo.
pub fn best_installed<'a>(
    installed: &'a [InstalledModel],
    machine: &Machine,
) -> Option<&'a InstalledModel> {
    let [small, medium, large] = picks(machine);
    let by_name = |name: Option<&str>| installed.iter().find(|m| Some(m.name.as_str()) == name);
    by_name(medium)
        .or_else(|| by_name(large))
        .or_else(|| by_name(small))
        .or_else(|| {
            installed
                .iter()
                .filter(|m| !is_demo(&m.name))
                .max_by_key(|m| m.size_bytes)
        })
        .or_else(|| installed.first())
}

/// The model recommended for this machine (its medium pick), by name.
pub fn recommended_here() -> Option<&'static str> {
    let [_, medium, _] = picks(&THIS_MACHINE);
    medium
}

/// A catalog model is a demo that cannot do real work.
pub fn is_demo(name: &str) -> bool {
    MODELS
        .iter()
        .any(|m| m.name == name && m.tool_calling == "demo")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(gb: u64, cores: u32) -> Machine {
        Machine {
            memory_bytes: gb << 30,
            cores,
            free_disk_bytes: None,
        }
    }

    #[test]
    fn the_catalog_is_complete_data() {
        assert!(models().len() >= 8);
        for m in models() {
            assert!(
                m.url.starts_with("https://") && m.url.ends_with(".gguf"),
                "{}",
                m.name
            );
            assert!(
                m.url.ends_with(&format!("{}.gguf", m.name)),
                "{} names its file",
                m.name
            );
            assert!(m.size_bytes > 0 && m.memory_gb > 0.0 && m.context >= 2048);
            assert!(["good", "fair", "poor", "demo"].contains(&m.tool_calling.as_str()));
            assert!(!m.licence.is_empty() && !m.notes.is_empty());
        }
        assert!(find("qwen3 1.7b").is_ok(), "found by title, any case");
        assert!(find("local::Qwen3-4B-Q4_K_M").is_ok());
        assert!(find("gpt-9").is_err());
    }

    #[test]
    fn picks_follow_memory_and_cores() {
        // This project's CI machine: 2 cores, 24 GiB.
        assert_eq!(
            picks(&machine(24, 2)),
            [
                Some("Qwen3-0.6B-Q8_0"),
                Some("Qwen3-1.7B-Q8_0"),
                Some("Qwen3-4B-Q4_K_M")
            ]
        );
        // A workstation gets bigger models; a small laptop smaller ones.
        let [_, medium, large] = picks(&machine(64, 16));
        assert_eq!(large, Some("Qwen3-14B-Q4_K_M"));
        assert_eq!(medium, Some("Qwen3-8B-Q4_K_M"));
        let [small, medium, large] = picks(&machine(4, 4));
        assert_eq!(small, Some("Qwen3-0.6B-Q8_0"));
        assert_eq!(medium, Some("Qwen3-1.7B-Q8_0"));
        assert_eq!(
            large,
            Some("Qwen3-1.7B-Q8_0"),
            "4B models need more than 2.4 GB"
        );
        // Nothing fits in 1 GiB but the demo, which is never a pick.
        assert_eq!(picks(&machine(1, 2)), [None, None, None]);
    }

    #[test]
    fn the_best_installed_model_is_a_pick_before_the_demo() {
        let installed = |names: &[&str]| -> Vec<InstalledModel> {
            names
                .iter()
                .map(|n| InstalledModel {
                    name: (*n).to_owned(),
                    path: format!("/m/{n}.gguf").into(),
                    size_bytes: 100,
                })
                .collect()
        };
        let m = machine(24, 2);
        let both = installed(&["Qwen3-4B-Q4_K_M", "SmolLM2-135M-Instruct.Q4_1"]);
        assert_eq!(best_installed(&both, &m).unwrap().name, "Qwen3-4B-Q4_K_M");
        let own = installed(&["SmolLM2-135M-Instruct.Q4_1", "my-own-model"]);
        assert_eq!(best_installed(&own, &m).unwrap().name, "my-own-model");
        let demo = installed(&["SmolLM2-135M-Instruct.Q4_1"]);
        assert_eq!(
            best_installed(&demo, &m).unwrap().name,
            "SmolLM2-135M-Instruct.Q4_1"
        );
        assert!(best_installed(&[], &m).is_none());
    }
}
