use super::*;
use crate::orchestrator::builtin_agent_types;

fn check(plan: Value) -> Result<Plan, Vec<String>> {
    validate_plan(
        &plan,
        &builtin_agent_types(),
        12,
        "prompt",
        DanglingDeps::Report,
    )
}

#[test]
fn a_good_plan_maps_the_models_ids_to_ours() {
    let plan = check(json!({"title": "T", "subtasks": [
        {"id": "a", "title": "Research", "description": "d", "agent_type": "researcher", "depends_on": []},
        {"id": "b", "title": "Analyse", "description": "d", "agent_type": "Analyst", "depends_on": ["a"]},
        {"id": "c", "title": "Build", "description": "", "agent_type": "builder", "depends_on": ["b", "a"]}
    ]}))
    .unwrap();
    assert_eq!(plan.subtasks[1].depends_on, vec!["st-1"]);
    assert_eq!(plan.subtasks[1].agent_type, "analyst");
    assert_eq!(plan.subtasks[2].depends_on, vec!["st-2", "st-1"]);
    assert_eq!(
        plan.subtasks[2].description, "Build",
        "an empty description falls back to the title"
    );
}

#[test]
fn unknown_types_missing_deps_and_cycles_are_all_reported() {
    let problems = check(json!({"subtasks": [
        {"id": "st-1", "title": "A", "agent_type": "wizard", "depends_on": ["st-9"]},
        {"id": "st-2", "title": "B", "agent_type": "builder", "depends_on": ["st-2"]}
    ]}))
    .unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("wizard")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("st-9")), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("itself")),
        "{problems:?}"
    );
}

#[test]
fn the_last_attempt_drops_dependencies_on_nothing_instead_of_failing() {
    let raw = json!({"subtasks": [
        {"id": "st-1", "title": "Write the report", "agent_type": "builder", "depends_on": ["st-3", "st-1"]}
    ]});
    assert!(check(raw.clone()).is_err(), "reported while repairs remain");
    let plan = validate_plan(
        &raw,
        &builtin_agent_types(),
        12,
        "prompt",
        DanglingDeps::Drop,
    )
    .expect("accepted on the last attempt");
    assert!(plan.subtasks[0].depends_on.is_empty());
    let cycle = json!({"subtasks": [
        {"id": "st-1", "title": "A", "agent_type": "builder", "depends_on": ["st-2"]},
        {"id": "st-2", "title": "B", "agent_type": "builder", "depends_on": ["st-1"]}
    ]});
    assert!(
        check(cycle.clone()).is_err(),
        "a cycle is reported while repairs remain"
    );
    let repaired = validate_plan(
        &cycle,
        &builtin_agent_types(),
        12,
        "prompt",
        DanglingDeps::Drop,
    )
    .expect("the last attempt breaks the cycle");
    assert!(repaired.subtasks[0].depends_on.is_empty());
    assert_eq!(repaired.subtasks[1].depends_on, vec!["st-1"]);
}

#[test]
fn positional_ids_win_and_invented_ids_must_be_unique_to_be_used() {
    // A small model repeating "st-2" still means positions; an invented id used twice is
    // only a problem when something depends on it.
    let plan = check(json!({"subtasks": [
        {"id": "st-2", "title": "A", "agent_type": "builder", "depends_on": []},
        {"id": "st-2", "title": "B", "agent_type": "builder", "depends_on": ["st-1"]}
    ]}))
    .unwrap();
    assert_eq!(plan.subtasks[1].depends_on, vec!["st-1"]);
    let problems = check(json!({"subtasks": [
        {"id": "x", "title": "A", "agent_type": "builder", "depends_on": []},
        {"id": "x", "title": "B", "agent_type": "builder", "depends_on": []},
        {"id": "y", "title": "C", "agent_type": "builder", "depends_on": ["x"]}
    ]}))
    .unwrap_err();
    assert!(problems[0].contains("several subtasks"), "{problems:?}");
}

#[test]
fn cycles_are_rejected() {
    let problems = check(json!({"subtasks": [
        {"id": "1", "title": "A", "agent_type": "builder", "depends_on": ["2"]},
        {"id": "2", "title": "B", "agent_type": "builder", "depends_on": ["1"]}
    ]}))
    .unwrap_err();
    assert!(problems[0].contains("cycle"), "{problems:?}");
}

#[test]
fn size_is_bounded() {
    let many: Vec<Value> = (0..13)
        .map(|i| json!({"title": format!("s{i}"), "agent_type": "builder"}))
        .collect();
    assert!(check(json!({"subtasks": many})).is_err());
    assert!(check(json!({"subtasks": []})).is_err());
    assert!(check(json!({"nonsense": true})).is_err());
}

#[test]
fn the_last_attempt_repairs_what_it_can() {
    let types = crate::orchestrator::builtin_agent_types();
    let raw = serde_json::json!({"title": "t", "subtasks": [
        {"id": "st-1", "title": "Find facts", "description": "Find the facts", "agent_type": "Research", "depends_on": ["st-2"]},
        {"id": "st-2", "title": "Write table", "description": "Write facts.xlsx", "agent_type": "writer", "depends_on": ["st-1"]}
    ]});
    let report = validate_plan(&raw, &types, 12, "p", DanglingDeps::Report).unwrap_err();
    assert!(report.iter().any(|p| p.contains("writer")), "{report:?}");
    let plan = validate_plan(&raw, &types, 12, "p", DanglingDeps::Drop).unwrap();
    assert_eq!(
        plan.subtasks[0].agent_type, "researcher",
        "the nearest name"
    );
    assert!(
        plan.subtasks[0].depends_on.is_empty(),
        "the cycle is broken at the later subtask"
    );
    assert_eq!(plan.subtasks[1].depends_on, vec!["st-1"]);
    let analyst = types
        .iter()
        .find(|a| a.name == plan.subtasks[1].agent_type)
        .unwrap();
    assert!(
        analyst.tools.iter().any(|t| t == "write_spreadsheet"),
        "an unknown type lands where the tools it needs are: {}",
        plan.subtasks[1].agent_type
    );
}
