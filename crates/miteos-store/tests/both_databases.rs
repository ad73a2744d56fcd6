//! The store does the same on SQLite and on PostgreSQL: each test runs on a fresh database of
//! each (PostgreSQL: the server scripts/postgres.sh runs, a database per test).

use chrono::{Duration, Utc};

use miteos_domain::plan::{FollowUp, PlanDiff, RevisedBy};
use miteos_domain::{AgentType, Approval, ApprovalStatus, Deliverable};
use miteos_domain::{SubtaskStatus, TaskStatus};
use miteos_store::testing::on_both;

mod support;
use miteos_store::{DeploymentRow, RevisionWrite, ShareRow, TaskFilter};
use support::{planned_task, subtask};

#[tokio::test]
async fn tasks_plans_usage_and_states() {
    on_both(|store| async move {
        planned_task(&store, "task-a").await;
        let task = store.get_task("task-a").await.unwrap();
        assert_eq!(task.title.as_deref(), Some("Note apps"));
        assert_eq!(task.status, TaskStatus::Pending);
        assert_eq!(task.subtasks.len(), 2);
        assert_eq!(task.subtasks[1].depends_on, ["st-1"]);
        assert_eq!(task.subtasks[0].needs, ["web"]);
        assert!(!task.subtasks[0].dropped);
        assert!(task.budget.is_some());

        store
            .set_task_status("task-a", TaskStatus::Running, None)
            .await
            .unwrap();
        store
            .set_subtask_status("task-a", "st-1", SubtaskStatus::Running, None, None)
            .await
            .unwrap();
        let totals = store
            .add_usage("task-a", Some("st-1"), 100, 20, Some(1_500))
            .await
            .unwrap();
        assert_eq!((totals.tokens, totals.cost_micros), (120, 1_500));
        assert!(!totals.cost_unknown);
        let totals = store
            .add_usage("task-a", Some("st-1"), 10, 5, None)
            .await
            .unwrap();
        assert_eq!(totals.tokens, 135);
        assert!(totals.cost_unknown, "a call without a price");
        let (task_spent, st_spent) = store.spent("task-a", Some("st-1")).await.unwrap();
        assert_eq!((task_spent.tokens, task_spent.steps), (135, 2));
        assert_eq!((st_spent.tokens, st_spent.cost_micros), (135, 1_500));

        let counts = store.work_counts().await.unwrap();
        assert_eq!(counts.tasks, [("running".to_string(), 1)]);
        assert_eq!((counts.subtasks_waiting, counts.subtasks_running), (1, 1));
        assert_eq!(store.unfinished_task_ids().await.unwrap(), ["task-a"]);

        // A restart: the running subtask goes back to pending; a cancel ends both.
        assert_eq!(
            store.reset_unfinished_subtasks("task-a").await.unwrap(),
            ["st-1"]
        );
        assert_eq!(
            store.cancel_unfinished_subtasks("task-a").await.unwrap(),
            ["st-1", "st-2"]
        );
        store
            .set_subtask_status(
                "task-a",
                "st-1",
                SubtaskStatus::Complete,
                Some("Notion, Coda"),
                None,
            )
            .await
            .unwrap();
        store
            .set_task_status("task-a", TaskStatus::Completed, None)
            .await
            .unwrap();
        let task = store.get_task("task-a").await.unwrap();
        assert_eq!(task.status, TaskStatus::Completed);
        assert!(task.started_at.is_some() && task.finished_at.is_some());
        assert_eq!(task.subtasks[0].output.as_deref(), Some("Notion, Coda"));
        let history = store.subtask_history("openai::m").await.unwrap();
        assert_eq!(history["researcher"].runs, 1);
        assert_eq!(history["researcher"].tokens, 135.0);

        let found = store
            .list_tasks(
                &TaskFilter {
                    text: Some("coda".into()),
                    ..TaskFilter::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "outputs are searched");
        assert!(store.get_task("task-none").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn revisions_follow_ups_and_reopening() {
    on_both(|store| async move {
        planned_task(&store, "task-r").await;
        store
            .insert_follow_up(
                "task-r",
                &FollowUp {
                    id: "fu-1".into(),
                    message: "Add Obsidian".into(),
                    revision: None,
                    at: Utc::now(),
                },
            )
            .await
            .unwrap();
        let mut changed = subtask("st-2", &["st-3"]);
        changed.title = "Compare all".into();
        let revision = store
            .apply_revision(
                "task-r",
                &RevisionWrite {
                    by: RevisedBy::FollowUp,
                    reason: "the user asked for Obsidian".into(),
                    added: vec![subtask("st-3", &["st-1"])],
                    changed: vec![changed],
                    dropped: vec![],
                    rerun: vec!["st-1".into()],
                    follow_up: Some("fu-1".into()),
                    diff: PlanDiff::default(),
                    expected: Some(0),
                },
            )
            .await
            .unwrap();
        assert_eq!(revision, 1);
        let task = store.get_task("task-r").await.unwrap();
        assert_eq!(task.revision, 1);
        assert_eq!(task.revisions[0].by, RevisedBy::FollowUp);
        assert_eq!(task.follow_ups[0].revision, Some(1));
        let ids: Vec<_> = task.subtasks.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["st-1", "st-2", "st-3"]);
        assert_eq!(task.subtasks[1].title, "Compare all");
        assert_eq!(task.subtasks[1].depends_on, ["st-3"]);
        assert_eq!(task.subtasks[0].attempt, 2);
        assert_eq!(
            store
                .revisions_by("task-r", RevisedBy::FollowUp)
                .await
                .unwrap(),
            1
        );

        let drop_st3 = |expected| RevisionWrite {
            by: RevisedBy::Orchestrator,
            reason: "st-3 is not needed".into(),
            added: vec![],
            changed: vec![subtask("st-2", &["st-1"])],
            dropped: vec!["st-3".into()],
            rerun: vec![],
            follow_up: None,
            diff: PlanDiff::default(),
            expected,
        };
        // Checked against revision 0, which a revision replaced meanwhile: refused, nothing kept.
        let stale = store.apply_revision("task-r", &drop_st3(Some(0))).await;
        assert!(
            matches!(stale, Err(miteos_domain::Error::Conflict(_))),
            "{stale:?}"
        );
        let task = store.get_task("task-r").await.unwrap();
        assert_eq!(task.revision, 1);
        assert!(!task.subtasks[2].dropped);
        let dropped = store
            .apply_revision("task-r", &drop_st3(Some(1)))
            .await
            .unwrap();
        assert_eq!(dropped, 2);
        let task = store.get_task("task-r").await.unwrap();
        assert!(task.subtasks[2].dropped);
        assert_eq!(task.subtasks[2].status, SubtaskStatus::Cancelled);

        store
            .set_unmet("task-r", &["a chart".into()])
            .await
            .unwrap();
        store.set_awaiting_review("task-r", true).await.unwrap();
        let task = store.get_task("task-r").await.unwrap();
        assert_eq!(task.unmet, ["a chart"]);
        assert!(task.awaiting_review);
        store
            .set_task_status("task-r", TaskStatus::Cancelled, None)
            .await
            .unwrap();
        store.reopen_task("task-r").await.unwrap();
        let task = store.get_task("task-r").await.unwrap();
        assert_eq!(task.status, TaskStatus::Running);
        assert!(task.unmet.is_empty());
    })
    .await;
}

#[tokio::test]
async fn settings_agent_types_deliverables_approvals_and_publishing() {
    on_both(|store| async move {
        store.put_setting("plan.provider_calls", &12).await.unwrap();
        assert_eq!(
            store.setting::<u32>("plan.provider_calls").await.unwrap(),
            Some(12)
        );
        store.put_setting("plan.provider_calls", &20).await.unwrap();
        assert_eq!(
            store.setting::<u32>("plan.provider_calls").await.unwrap(),
            Some(20)
        );

        let builtin = AgentType {
            name: "researcher".into(),
            description: "Finds things out".into(),
            system_prompt: "Research.".into(),
            tools: vec!["web_search".into()],
            model: None,
            fallback_model: None,
            builtin: true,
        };
        store
            .seed_agent_types(std::slice::from_ref(&builtin))
            .await
            .unwrap();
        store
            .seed_agent_types(std::slice::from_ref(&builtin))
            .await
            .unwrap();
        let mine = AgentType {
            name: "lawyer".into(),
            builtin: false,
            ..builtin.clone()
        };
        assert!(store.insert_agent_type(&mine).await.unwrap());
        assert!(!store.insert_agent_type(&mine).await.unwrap(), "taken");
        assert!(
            store
                .set_agent_type_model("lawyer", Some("ollama::qwen3"))
                .await
                .unwrap()
        );
        let types = store.agent_types().await.unwrap();
        assert_eq!(types[0].name, "researcher", "built-ins first");
        assert!(types[0].builtin && !types[1].builtin);
        assert_eq!(types[1].model.as_deref(), Some("ollama::qwen3"));
        assert!(!store.delete_agent_type("researcher").await.unwrap());
        assert!(store.delete_agent_type("lawyer").await.unwrap());

        planned_task(&store, "task-d").await;
        let now = Utc::now();
        let deliverable = Deliverable {
            id: "dl-1".into(),
            task_id: "task-d".into(),
            name: "apps.xlsx".into(),
            mime_type: "application/vnd.ms-excel".into(),
            size_bytes: 2048,
            sha256: "ab".repeat(32),
            subtask_id: Some("st-2".into()),
            created_at: now,
        };
        store.upsert_deliverable(&deliverable).await.unwrap();
        store
            .upsert_deliverable(&Deliverable {
                id: "dl-2".into(),
                size_bytes: 4096,
                ..deliverable.clone()
            })
            .await
            .unwrap();
        let kept = store.deliverables_of("task-d").await.unwrap();
        assert_eq!(kept.len(), 1, "one row per file name");
        assert_eq!(kept[0].size_bytes, 4096);
        let deliverable_id = kept[0].id.clone();

        let approval = Approval {
            id: "ap-1".into(),
            task_id: "task-d".into(),
            subtask_id: "st-1".into(),
            call_id: "call-1".into(),
            tool: "run_command".into(),
            arguments: serde_json::json!({"command": "git status"}),
            reason: "git is not allowed".into(),
            status: ApprovalStatus::Pending,
            created_at: now,
            decided_at: None,
        };
        store.insert_approval(&approval).await.unwrap();
        let decided = store
            .decide_approval("task-d", "ap-1", ApprovalStatus::Approved, now)
            .await
            .unwrap()
            .expect("pending, so decided");
        assert_eq!(decided.status, ApprovalStatus::Approved);
        assert!(
            store
                .decide_approval("task-d", "ap-1", ApprovalStatus::Denied, now)
                .await
                .unwrap()
                .is_none(),
            "decided once"
        );

        store
            .insert_deployment(&DeploymentRow {
                id: "dep-1".into(),
                task_id: "task-d".into(),
                deliverable_id: deliverable_id.clone(),
                target: "local".into(),
                location: "/d/dep-1/".into(),
                files: 3,
                bytes: 900,
                created_at: now,
                taken_down_at: None,
                expires_at: Some(now + Duration::days(30)),
            })
            .await
            .unwrap();
        assert!(
            store
                .take_down_deployment("task-d", "dep-1", now)
                .await
                .unwrap()
        );
        assert!(
            store
                .deployment("dep-1")
                .await
                .unwrap()
                .unwrap()
                .taken_down_at
                .is_some()
        );

        let share = ShareRow {
            id: "shr-1".into(),
            task_id: "task-d".into(),
            deliverable_id,
            include_replay: true,
            created_at: now,
            expires_at: now + Duration::days(7),
            revoked_at: None,
            access_count: 0,
        };
        store.insert_share(&share, "hash-1").await.unwrap();
        let visited = store.visit_share("hash-1", now).await.unwrap().unwrap();
        assert_eq!(visited.access_count, 1);
        assert!(visited.include_replay);
        assert!(
            store
                .visit_share("hash-1", now + Duration::days(8))
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        assert!(store.revoke_share("task-d", "shr-1", now).await.unwrap());
        assert!(store.live_share("hash-1", now).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn accounts_and_who_sees_which_task() {
    on_both(|store| async move {
        let ada = miteos_domain::Account {
            id: "acc-1".into(),
            name: "Ada".into(),
            admin: false,
            created_at: chrono::Utc::now(),
        };
        store.insert_account(&ada, "hash-ada").await.unwrap();
        let twin = miteos_domain::Account {
            id: "acc-2".into(),
            ..ada.clone()
        };
        assert!(
            store.insert_account(&twin, "hash-twin").await.is_err(),
            "one Ada"
        );
        let found = store.account_by_token("hash-ada").await.unwrap().unwrap();
        assert_eq!((found.id.as_str(), found.admin), ("acc-1", false));
        assert!(store.account_by_token("hash-none").await.unwrap().is_none());

        let mut mine = miteos_domain::Task::pending("task-1".into(), "Ada's".into(), "m".into());
        mine.owner = Some("acc-1".into());
        store.insert_task(&mine).await.unwrap();
        store
            .insert_task(&miteos_domain::Task::pending(
                "task-2".into(),
                "the server's".into(),
                "m".into(),
            ))
            .await
            .unwrap();
        let visible = |who: &str| TaskFilter {
            visible_to: Some(who.into()),
            ..TaskFilter::default()
        };
        let ids =
            |tasks: Vec<miteos_domain::Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.list_tasks(&visible("acc-1"), 10, 0).await.unwrap()),
            ["task-1"]
        );
        assert!(
            store
                .list_tasks(&visible("acc-9"), 10, 0)
                .await
                .unwrap()
                .is_empty()
        );
        store.set_task_shared("task-1", true).await.unwrap();
        let text = TaskFilter {
            text: Some("ada's".into()),
            ..visible("acc-9")
        };
        assert_eq!(
            ids(store.list_tasks(&text, 10, 0).await.unwrap()),
            ["task-1"],
            "shared, and searched"
        );
        let access = store.task_access("task-1").await.unwrap();
        assert_eq!(
            (access.owner.as_deref(), access.shared),
            (Some("acc-1"), true)
        );
        assert!(store.delete_account("acc-1").await.unwrap());
        assert!(!store.delete_account("acc-1").await.unwrap());
        assert!(store.account_by_token("hash-ada").await.unwrap().is_none());
        assert_eq!(
            store.get_task("task-1").await.unwrap().owner.as_deref(),
            Some("acc-1")
        );
    })
    .await;
}

/// A change of state and the event that tells of it are one write: both there, in one
/// transaction with the rest of the journal's batch; a batch with a change that fails keeps the
/// other appends.
#[tokio::test]
async fn a_change_is_written_with_its_event() {
    use miteos_domain::events::EventKind;
    use miteos_store::{Change, Journal};
    on_both(|store| async move {
        planned_task(&store, "task-c").await;
        let journal = Journal::new(store.clone());
        let finished = EventKind::TaskFinished {
            status: TaskStatus::Completed,
            error: None,
            total_tokens_used: 0,
            total_cost_cents: 0,
            cost_unknown: false,
        };
        let end = Change::Task {
            status: TaskStatus::Completed,
            error: None,
        };
        let started = EventKind::SubtaskStarted {
            subtask_id: "st-1".into(),
            agent_type: "researcher".into(),
            model: "m".into(),
        };
        let running = Change::Subtask {
            id: "st-1".into(),
            status: SubtaskStatus::Running,
            output: None,
            error: None,
        };
        let (a, b) = tokio::join!(
            journal.append_with("task-c", started, running),
            journal.append_with("task-c", finished, end),
        );
        a.unwrap();
        let event = b.unwrap();
        let task = store.get_task("task-c").await.unwrap();
        assert_eq!(task.status, TaskStatus::Completed);
        assert!(task.finished_at.is_some());
        assert_eq!(task.subtasks[0].status, SubtaskStatus::Running);
        let events = journal.read_all("task-c").await.unwrap();
        assert_eq!(events.last().unwrap().seq, event.seq);
        assert_eq!(events.last().unwrap().kind.name(), "task_finished");
    })
    .await;
}

/// A new task and what it starts with of skills are one write.
#[tokio::test]
async fn a_new_task_is_stored_with_its_skill_in_one_write() {
    use miteos_domain::Task;
    use miteos_skills::{BoundBy, SkillMatch};
    use miteos_store::NewTaskSkills;
    on_both(|store| async move {
        let matched = SkillMatch {
            skill_id: "sk-1".into(),
            name: "compare".into(),
            parameters: [("subject".to_owned(), "Notion".to_owned())].into(),
            confidence: 1.0,
            bound_by: BoundBy::Pattern,
        };
        let task = Task::pending("task-s".into(), "p".into(), "m".into());
        let skills = NewTaskSkills {
            use_skills: true,
            matched: Some(&matched),
        };
        store.insert_task_held(&task, None, skills).await.unwrap();
        let stored = store.task_skill("task-s").await.unwrap();
        assert_eq!(stored.skill_id.as_deref(), Some("sk-1"));
        assert_eq!(stored.matched.unwrap().parameters["subject"], "Notion");
        assert!(stored.use_skills);

        let plain = Task::pending("task-t".into(), "p".into(), "m".into());
        let off = NewTaskSkills {
            use_skills: false,
            matched: None,
        };
        store.insert_task_held(&plain, None, off).await.unwrap();
        let stored = store.task_skill("task-t").await.unwrap();
        assert!(!stored.use_skills && stored.skill_id.is_none());
    })
    .await;
}
