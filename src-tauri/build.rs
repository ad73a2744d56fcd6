//! Generates the Tauri context (tauri.conf.json at the package root) and the permissions of the
//! app's own commands: each command is allowed only where a capability in
//! src-tauri/capabilities/ grants it.

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let commands: &[&str] = &[
        "create_task",
        "get_task",
        "list_tasks",
        "cancel_task",
        "task_events",
        "stop_task_events",
        "approvals",
        "decide_approval",
        "decide_budget",
        "deliverables",
        "preview_deliverable",
        "save_deliverable",
        "deliverable_path",
        "save_bundle",
        "provenance",
        "deploy",
        "deployments",
        "take_down",
        "share",
        "shares",
        "revoke_share",
        "skills",
        "compile_skills",
        "match_skill",
        "rename_skill",
        "delete_skill",
        "agent_types",
        "set_agent_model",
        "create_agent_type",
        "update_agent_type",
        "delete_agent_type",
        "tools",
        "mcp_servers",
        "save_mcp_servers",
        "get_settings",
        "save_settings",
        "api_info",
    ];
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    tauri_build::try_build(attributes).expect("running tauri-build");
}
