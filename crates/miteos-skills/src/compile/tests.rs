//! Compiling tasks into skills: grouping, parameters, templates, replayable steps.

use serde_json::json;

use super::*;

fn task(id: &str, n: u32, x: &str) -> TaskRecord {
    TaskRecord {
        task_id: id.into(),
        prompt: format!(
            "Research the top {n} SaaS competitors to {x} and create a feature comparison spreadsheet"
        ),
        title: format!("{x} competitors: feature comparison"),
        subtasks: vec![
            SubtaskRecord {
                id: "st-1".into(),
                title: format!("Find {x}'s competitors"),
                description: format!("List the top {n} competitors of {x}"),
                agent_type: "researcher".into(),
                depends_on: vec![],
                calls: vec![
                    CallRecord {
                        tool: "web_search".into(),
                        arguments: json!({"query": format!("{x} competitors")}),
                    },
                    CallRecord {
                        tool: "fetch_url".into(),
                        arguments: json!({"url": format!("https://example.com/{id}")}),
                    },
                ],
                output: format!("{x} competes with Alpha"),
            },
            SubtaskRecord {
                id: "st-2".into(),
                title: "Build the spreadsheet".into(),
                description: "Compare features".into(),
                agent_type: "analyst".into(),
                depends_on: vec!["st-1".into()],
                calls: vec![CallRecord {
                    tool: "write_spreadsheet".into(),
                    arguments: json!({"path": "comparison.xlsx", "rows": [[id]]}),
                }],
                output: "Wrote comparison.xlsx".into(),
            },
        ],
        tokens: 10_000,
        seconds: 30.0,
    }
}

#[test]
fn three_variants_make_one_skill_with_two_parameters() {
    let tasks = vec![
        task("task-a", 5, "Notion"),
        task("task-b", 3, "Airtable"),
        task("task-c", 4, "Monday.com"),
    ];
    let groups = group_by_shape(tasks);
    assert_eq!(groups.len(), 1);
    let skill = compile_group(&groups[0], "sk-1".into()).unwrap();
    assert_eq!(
        skill.prompt_template,
        "Research the top {{count}} SaaS competitors to {{subject}} and create a feature comparison spreadsheet"
    );
    assert_eq!(skill.parameters[0].kind, ParameterKind::Number);
    assert_eq!(skill.parameters[0].examples, ["5", "3", "4"]);
    assert_eq!(
        skill.parameters[1].examples,
        ["Notion", "Airtable", "Monday.com"]
    );
    assert_eq!(
        skill.title_template,
        "{{subject}} competitors: feature comparison"
    );
    assert_eq!(skill.name, "competitors-feature-comparison");
    let research = &skill.subtasks[0];
    assert_eq!(
        research.description,
        "List the top {{count}} competitors of {{subject}}"
    );
    // The search depends on the parameters only; the fetched URL came from the model.
    assert_eq!(
        research.steps[0].arguments,
        json!({"query": "{{subject}} competitors"})
    );
    assert!(research.steps[0].replayable);
    assert!(!research.steps[1].replayable);
    assert!(!skill.subtasks[1].steps[0].replayable);
    assert_eq!(skill.source_tasks, ["task-a", "task-b", "task-c"]);
    // Its answer named the subject: the model is asked again each time.
    assert!(skill.subtasks.iter().all(|s| s.output.is_none()));

    let bound = skill
        .bind("Research the top 8 SaaS competitors to Coda and create a feature comparison spreadsheet")
        .unwrap();
    assert_eq!(bound["count"], "8");
    assert_eq!(bound["subject"], "Coda");
}

#[test]
fn different_shapes_do_not_group_and_one_task_alone_is_no_skill() {
    let mut other = task("task-d", 2, "Figma");
    other.subtasks[0].calls.pop();
    let groups = group_by_shape(vec![task("task-a", 5, "Notion"), other]);
    assert_eq!(groups.len(), 2);
    assert!(compile_group(&groups[0], "sk".into()).is_none());
    // Identical prompts: nothing varies, nothing to parameterise.
    let same = vec![task("task-a", 5, "Notion"), task("task-b", 5, "Notion")];
    assert!(compile_group(&same, "sk".into()).is_none());
}

#[test]
fn a_subtask_that_did_the_same_every_time_keeps_its_answer() {
    let variant = |id: &str, n: u32, x: &str| {
        let mut t = task(id, n, x);
        let research = &mut t.subtasks[0];
        research.title = "Read the market report".into();
        research.description = "Summarise the report".into();
        research.calls = vec![CallRecord {
            tool: "fetch_url".into(),
            arguments: json!({"url": "https://example.com/report"}),
        }];
        research.output = "The market grows 12% a year.".into();
        t
    };
    let skill = compile_group(
        &[variant("task-a", 5, "Notion"), variant("task-b", 3, "Coda")],
        "sk".into(),
    )
    .unwrap();
    assert_eq!(
        skill.subtasks[0].output.as_deref(),
        Some("The market grows 12% a year.")
    );
    assert!(
        skill.subtasks[1].output.is_none(),
        "its rows came from the model"
    );
}

#[test]
fn one_task_with_named_values_makes_a_careful_skill() {
    let t = task("task-a", 5, "Notion");
    let skill = compile_single(&t, &["Notion".into(), "5".into()], "sk".into()).unwrap();
    assert_eq!(
        skill.prompt_template,
        "Research the top {{count}} SaaS competitors to {{subject}} and create a feature comparison spreadsheet"
    );
    let research = &skill.subtasks[0];
    assert_eq!(research.title, "Find {{subject}}'s competitors");
    assert!(research.steps[0].replayable, "the search names the subject");
    assert!(
        !research.steps[1].replayable,
        "one example cannot show the URL is fixed"
    );
    assert!(skill.subtasks.iter().all(|s| s.output.is_none()));
    assert!(compile_single(&t, &["Figma".into()], "sk".into()).is_none());
}

#[test]
fn values_are_replaced_only_where_they_stand_alone() {
    let b = Bindings::from([("count".to_owned(), "5".to_owned())]);
    assert_eq!(
        templated("top 5 of http://127.0.0.5:54325/5", &b),
        "top {{count}} of http://127.0.0.5:54325/{{count}}"
    );
    assert_eq!(templated("the top 5.", &b), "the top {{count}}.");
}

#[test]
fn words_added_or_removed_become_a_longer_parameter() {
    let mut a = task("task-a", 5, "Notion");
    let mut b = task("task-b", 5, "Google Docs");
    a.prompt = "Summarise Notion for me".into();
    b.prompt = "Summarise Google Docs for me".into();
    a.title = "Summary".into();
    b.title = "Summary".into();
    let skill = compile_group(&[a, b], "sk".into()).unwrap();
    assert_eq!(skill.prompt_template, "Summarise {{subject}} for me");
    assert_eq!(skill.parameters[0].examples, ["Notion", "Google Docs"]);
    assert_eq!(
        skill.bind("Summarise Microsoft Loop for me").unwrap()["subject"],
        "Microsoft Loop"
    );
}
