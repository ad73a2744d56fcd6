// The one list of the War Room's commands, by module. `lib.rs` registers them with
// `tauri::generate_handler!`; `build.rs` includes this file to generate each command's permission
// and the app's default permission set, which the window's capability grants. A command added to
// a module and left out here is neither callable nor permitted; one named here and missing from
// its module does not compile.
//
// (A plain file of tokens, shared by the app and its build script: no `//!` doc and no `use`.)
macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            tasks: create_task, get_task, list_tasks, cancel_task, task_events, stop_task_events,
                approvals, decide_approval, decide_budget;
            plans: edit_plan, retry_subtask, cancel_subtask, follow_up;
            deliverables: deliverables, preview_deliverable, save_deliverable, deliverable_path,
                save_bundle, provenance, deploy, deployments, take_down, share, shares,
                revoke_share;
            skills: skills, compile_skills, match_skill, update_skill, delete_skill, keep_skill,
                validate_skill, skill_versions, import_skill, save_skill_archive;
            settings: agent_types, set_agent_model, create_agent_type, update_agent_type,
                delete_agent_type, tools, mcp_servers, save_mcp_servers, get_settings,
                save_settings, api_info;
            models: model_setup, choose_model, model_catalog, model_downloads, start_download,
                pause_download, cancel_download, list_prices, set_price, remove_price,
                refresh_prices;
            team: team_server, connect_team_server, use_team_server, forget_team_server,
                team_fetch, stop_team_fetch, team_download, team_attachment;
        }
    };
}
