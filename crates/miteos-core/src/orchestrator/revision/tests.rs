use super::*;
use crate::domain::plan::SubtaskChange;
use crate::orchestrator::builtin_agent_types;

/// A stored subtask of a plan, for tests.
pub(crate) fn stored(id: &str, agent_type: &str, status: SubtaskStatus, deps: &[&str]) -> Subtask {
    Subtask {
        id: id.into(),
        agent_type: agent_type.into(),
        status,
        title: format!("Title of {id}"),
        description: format!("Do {id}"),
        depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        tokens_used: 0,
        cost_usd: 0.0,
        steps: 0,
        started_at: None,
        finished_at: None,
        output: None,
        error: None,
        revision: 0,
        attempt: 1,
        dropped: false,
        needs: vec![],
        cost_unknown: false,
        for_each: None,
        parent: None,
        item: None,
    }
}

/// st-1 complete, st-2 failed, st-3 pending on st-2, st-4 complete on st-1.
fn plan() -> Vec<Subtask> {
    vec![
        stored("st-1", "researcher", SubtaskStatus::Complete, &[]),
        stored("st-2", "analyst", SubtaskStatus::Failed, &["st-1"]),
        stored("st-3", "builder", SubtaskStatus::Pending, &["st-2"]),
        stored("st-4", "builder", SubtaskStatus::Complete, &["st-1"]),
    ]
}

fn check(edit: PlanEdit) -> std::result::Result<Checked, Vec<String>> {
    check_edit(&plan(), &edit, &builtin_agent_types(), 12)
        .map_err(|problems| problems.into_iter().map(|p| p.message).collect())
}

#[test]
fn each_problem_names_its_subtask_and_field() {
    let edit = PlanEdit {
        change: vec![SubtaskChange {
            id: "st-3".into(),
            title: Some(" ".into()),
            description: None,
            agent_type: Some("wizard".into()),
            depends_on: Some(vec!["st-3".into(), "st-9".into()]),
        }],
        drop: vec!["st-4".into()],
        ..PlanEdit::default()
    };
    let problems = check_edit(&plan(), &edit, &builtin_agent_types(), 12).unwrap_err();
    let at = |field: &str| {
        problems
            .iter()
            .filter(|p| p.field.as_deref() == Some(field))
            .map(|p| p.subtask.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(at("title"), ["st-3"], "{problems:?}");
    assert_eq!(at("agent_type"), ["st-3"]);
    assert_eq!(
        at("depends_on"),
        ["st-3", "st-3"],
        "itself, and one not there"
    );
    assert_eq!(at("status"), ["st-4"], "a complete subtask is not dropped");
}

#[test]
fn a_failed_subtask_changed_runs_again_and_new_ones_get_new_ids() {
    let checked = check(PlanEdit {
        change: vec![SubtaskChange {
            id: "st-2".into(),
            description: Some("Use the CSV instead".into()),
            ..Default::default()
        }],
        add: vec![SubtaskAddition {
            id: Some("new-1".into()),
            title: "Chart it".into(),
            description: "Draw chart.svg with write_chart".into(),
            agent_type: "researcher".into(),
            depends_on: vec!["st-2".into()],
            needs: vec![],
            for_each: None,
        }],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(checked.rerun, vec!["st-2"]);
    assert_eq!(checked.changed[0].description, "Use the CSV instead");
    assert_eq!(checked.added[0].id, "st-5");
    assert_eq!(
        checked.added[0].agent_type, "analyst",
        "moved to a type that can chart"
    );
    assert_eq!(checked.moved[0].reason, "it draws a chart");
}

#[test]
fn completed_work_is_never_changed_or_dropped_only_rerun_with_its_dependants() {
    let problems = check(PlanEdit {
        change: vec![SubtaskChange {
            id: "st-1".into(),
            title: Some("Other".into()),
            ..Default::default()
        }],
        drop: vec!["st-4".into()],
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("st-1 is complete")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("st-4 is complete")),
        "{problems:?}"
    );
    let checked = check(PlanEdit {
        change: vec![SubtaskChange {
            id: "st-1".into(),
            description: Some("Look wider".into()),
            ..Default::default()
        }],
        rerun: vec!["st-1".into()],
        ..Default::default()
    })
    .unwrap();
    // st-4 depends on st-1 and is finished; st-2 failed and depends on it.
    assert_eq!(checked.rerun, vec!["st-1", "st-2", "st-4"]);
}

#[test]
fn dropping_needs_the_dependants_handled_and_unknowns_are_refused() {
    let problems = check(PlanEdit {
        drop: vec!["st-2".into()],
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        problems[0].contains("st-3 depends on \"st-2\", which is dropped"),
        "{problems:?}"
    );
    let checked = check(PlanEdit {
        drop: vec!["st-2".into(), "st-3".into()],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(checked.dropped, vec!["st-2", "st-3"]);
    let problems = check(PlanEdit {
        retry: vec!["st-9".into(), "st-1".into()],
        add: vec![SubtaskAddition {
            title: "x".into(),
            agent_type: "wizard".into(),
            depends_on: vec!["st-5".into()],
            ..Default::default()
        }],
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("st-9 is not a subtask")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("st-1 is complete; only a failed")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("wizard")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("depends on itself")),
        "{problems:?}"
    );
}

#[test]
fn cycles_made_by_a_revision_are_refused() {
    let problems = check(PlanEdit {
        change: vec![SubtaskChange {
            id: "st-2".into(),
            depends_on: Some(vec!["st-3".into()]),
            ..Default::default()
        }],
        ..Default::default()
    })
    .unwrap_err();
    assert!(problems[0].contains("cycle"), "{problems:?}");
}

#[test]
fn retrying_an_item_of_a_finished_fan_out_merges_it_again() {
    let fan_out = Subtask {
        for_each: Some(crate::domain::plan::ForEach {
            items: vec!["a".into(), "b".into()],
            ..Default::default()
        }),
        ..stored("st-1", "researcher", SubtaskStatus::Complete, &[])
    };
    let item = |id: &str, status| Subtask {
        parent: Some("st-1".into()),
        item: Some(id.into()),
        ..stored(id, "researcher", status, &[])
    };
    let current = vec![
        fan_out,
        stored("st-2", "analyst", SubtaskStatus::Complete, &["st-1"]),
        item("st-3", SubtaskStatus::Complete),
        item("st-4", SubtaskStatus::Failed),
    ];
    let checked = check_edit(
        &current,
        &PlanEdit {
            retry: vec!["st-4".into()],
            ..Default::default()
        },
        &builtin_agent_types(),
        12,
    )
    .unwrap();
    assert_eq!(
        checked.rerun,
        ["st-4", "st-1", "st-2"],
        "the item, its fan-out (merged again), and what builds on the fan-out"
    );
}
