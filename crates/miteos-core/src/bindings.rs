//! TypeScript declarations of the types every transport carries (tasks, subtasks, agent types,
//! deliverables, events), generated from the Rust types with ts-rs. The UI imports them from
//! `ui/src/lib/types/core.ts`; a test fails when that file drifts from these types, and
//! `MITEOS_BLESS=1 cargo test --workspace --lib -- bindings` rewrites it.

use ts_rs::{Config, TS};

use crate::domain::{AgentType, Deliverable, Subtask, SubtaskStatus, Task, TaskStatus};
use crate::domain::{Approval, ApprovalStatus, Deployment, Provenance, ProvenanceStep, Share};
use crate::events::{Event, EventKind, PlannedSubtask};
use crate::preview::{Preview, Sheet};
use crate::service::settings::KeyChange;
use crate::service::{
    ApiAddress, KeyState, ProviderSettings, SearchSettings, Settings, SettingsUpdate,
    StagingAddress,
};
use crate::tools::{McpServer, McpServerState, McpToolInfo, SearchKind};

/// The contents of `ui/src/lib/types/core.ts`.
pub fn typescript() -> String {
    // Counts and sequence numbers stay far below 2^53, so they are plain numbers in JSON.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        TaskStatus::decl(&cfg),
        SubtaskStatus::decl(&cfg),
        crate::budget::BudgetLimits::decl(&cfg),
        crate::budget::Budget::decl(&cfg),
        crate::budget::LimitsChange::decl(&cfg),
        crate::budget::BudgetChange::decl(&cfg),
        crate::budget::Measure::decl(&cfg),
        crate::budget::BudgetScope::decl(&cfg),
        crate::budget::BudgetPause::decl(&cfg),
        crate::budget::Estimate::decl(&cfg),
        crate::budget::BudgetDecision::decl(&cfg),
        crate::skills::ParameterKind::decl(&cfg),
        crate::skills::SkillParameter::decl(&cfg),
        crate::skills::SkillStep::decl(&cfg),
        crate::skills::SkillSubtask::decl(&cfg),
        crate::skills::SkillStatus::decl(&cfg),
        crate::skills::SkillStats::decl(&cfg),
        crate::skills::SkillValidation::decl(&cfg),
        crate::skills::SkillKind::decl(&cfg),
        crate::skills::SkillOrigin::decl(&cfg),
        crate::skills::SkillFileInfo::decl(&cfg),
        crate::skills::FileEncoding::decl(&cfg),
        crate::skills::SkillFile::decl(&cfg),
        crate::skills::Skill::decl(&cfg),
        crate::service::SkillPatch::decl(&cfg),
        crate::service::TeamServer::decl(&cfg),
        crate::service::SkillSettings::decl(&cfg),
        crate::skills::SkillMatch::decl(&cfg),
        crate::skills::BoundBy::decl(&cfg),
        crate::domain::plan::RevisedBy::decl(&cfg),
        crate::domain::plan::PlanReview::decl(&cfg),
        crate::domain::plan::SubtaskChange::decl(&cfg),
        crate::domain::plan::ForEach::decl(&cfg),
        crate::domain::plan::SubtaskAddition::decl(&cfg),
        crate::domain::plan::PlanEdit::decl(&cfg),
        crate::domain::plan::PlanDiff::decl(&cfg),
        crate::domain::plan::PlanRevision::decl(&cfg),
        crate::domain::plan::FollowUp::decl(&cfg),
        crate::service::SubtaskEdit::decl(&cfg),
        crate::service::NewMessage::decl(&cfg),
        crate::service::PlanSettings::decl(&cfg),
        crate::domain::models::CatalogModel::decl(&cfg),
        crate::domain::models::Machine::decl(&cfg),
        crate::domain::models::CatalogEntry::decl(&cfg),
        crate::domain::models::Catalog::decl(&cfg),
        crate::domain::models::DownloadState::decl(&cfg),
        crate::domain::models::Download::decl(&cfg),
        crate::domain::models::DownloadRequest::decl(&cfg),
        crate::domain::models::DetectedKey::decl(&cfg),
        crate::domain::models::DetectedServer::decl(&cfg),
        crate::domain::models::LocalModel::decl(&cfg),
        crate::domain::models::ModelSetup::decl(&cfg),
        crate::domain::models::ModelChoice::decl(&cfg),
        crate::domain::models::PriceEntry::decl(&cfg),
        crate::domain::models::PriceInput::decl(&cfg),
        Task::decl(&cfg),
        Subtask::decl(&cfg),
        AgentType::decl(&cfg),
        Deliverable::decl(&cfg),
        PlannedSubtask::decl(&cfg),
        ApprovalStatus::decl(&cfg),
        Approval::decl(&cfg),
        EventKind::decl(&cfg),
        Event::decl(&cfg),
        Sheet::decl(&cfg),
        Preview::decl(&cfg),
        ProviderSettings::decl(&cfg),
        ApiAddress::decl(&cfg),
        StagingAddress::decl(&cfg),
        KeyState::decl(&cfg),
        SearchKind::decl(&cfg),
        crate::service::settings::OnQuit::decl(&cfg),
        SearchSettings::decl(&cfg),
        Settings::decl(&cfg),
        KeyChange::decl(&cfg),
        SettingsUpdate::decl(&cfg),
        Deployment::decl(&cfg),
        Share::decl(&cfg),
        ProvenanceStep::decl(&cfg),
        Provenance::decl(&cfg),
        crate::service::AgentTypeInput::decl(&cfg),
        McpServer::decl(&cfg),
        McpToolInfo::decl(&cfg),
        McpServerState::decl(&cfg),
        crate::service::AttachmentBody::decl(&cfg),
        crate::service::NewTask::<crate::service::AttachmentBody>::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by crates/miteos-core/src/bindings.rs. Do not edit:\n\
         // run `MITEOS_BLESS=1 cargo test --workspace --lib -- bindings` after changing them.\n",
    );
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

/// A generated file kept in the repository (the UI's types, the OpenAPI document, the commands'
/// wrappers): with `MITEOS_BLESS` set, `path` is rewritten with `generated`; otherwise it must
/// already hold exactly that, or the calling test fails saying to run `bless`.
pub fn bless_or_compare(path: &std::path::Path, generated: &str, bless: &str) {
    if std::env::var_os("MITEOS_BLESS").is_some() {
        std::fs::write(path, generated)
            .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date: run `{bless}` and commit it",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn ui_types_match_the_rust_types() {
        super::bless_or_compare(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/types/core.ts"),
            &super::typescript(),
            "MITEOS_BLESS=1 cargo test --workspace --lib -- bindings",
        );
    }
}
