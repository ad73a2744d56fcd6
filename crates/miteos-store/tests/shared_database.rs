//! Several processes on one PostgreSQL database (here: several stores on one test database):
//! their journals, the live events they see of each other, and the leases that keep a task in
//! one worker's hands.

use miteos_domain::events::EventKind;
use miteos_domain::{SubtaskStatus, Task, TaskStatus};
use miteos_store::Journal;
use miteos_store::testing::TestDatabase;

mod support;
use support::planned_task;

/// Two processes (here: two stores on one PostgreSQL database) append to one task's journal at
/// once: every event is kept once, and a reader following `seq` sees them all, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_append_to_one_journal() {
    let database = TestDatabase::create().await;
    let (a, b) = (database.store().await, database.store().await);
    a.insert_task(&Task::pending("task-j".into(), "p".into(), "m".into()))
        .await
        .unwrap();
    let writers: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, store)| {
            tokio::spawn(async move {
                let journal = Journal::new(store);
                for n in 0..200 {
                    journal
                        .append(
                            "task-j",
                            EventKind::AgentOutput {
                                subtask_id: format!("st-{w}"),
                                text: n.to_string(),
                            },
                        )
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    // A reader tailing the journal while they write.
    let reader = Journal::new(b.clone());
    let mut seen = Vec::new();
    let tail = async {
        while seen.len() < 400 {
            let after = seen.last().copied().unwrap_or(0);
            for event in reader.read("task-j", after, 100).await.unwrap() {
                seen.push(event.seq);
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), tail)
        .await
        .expect("the reader saw all 400 events");
    for w in writers {
        w.await.unwrap();
    }
    let all = reader.read_all("task-j").await.unwrap();
    assert_eq!(all.len(), 400);
    let stored: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seen, stored, "the tailing reader skipped none");
    for w in 0..2 {
        let texts: Vec<String> = all
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::AgentOutput { subtask_id, text } if *subtask_id == format!("st-{w}") => {
                    Some(text.clone())
                }
                _ => None,
            })
            .collect();
        let expected: Vec<String> = (0..200).map(|n| n.to_string()).collect();
        assert_eq!(texts, expected, "writer {w}'s events in its order");
    }
}

/// A process sees live what another journals on the same PostgreSQL database: once each, in
/// order, its own events not twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_sees_live_what_another_journals() {
    let database = TestDatabase::create().await;
    let (a, b) = (database.store().await, database.store().await);
    a.insert_task(&Task::pending("task-l".into(), "p".into(), "m".into()))
        .await
        .unwrap();
    let (writer, viewer) = (Journal::new(a), Journal::new(b));
    let mut live = viewer.subscribe();
    let output = |subtask: &str, n: usize| EventKind::AgentOutput {
        subtask_id: subtask.into(),
        text: n.to_string(),
    };
    // The viewer listens once its connection is up: probe until a probe arrives.
    let started = std::time::Instant::now();
    let mut probes = 0;
    loop {
        writer
            .append("task-l", output("probe", probes))
            .await
            .unwrap();
        probes += 1;
        let got = tokio::time::timeout(std::time::Duration::from_millis(200), live.recv()).await;
        if got.is_ok() {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "the viewer never listened"
        );
    }
    while let Ok(Ok(_)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), live.recv()).await
    {}

    for n in 0..50 {
        writer.append("task-l", output("st-1", n)).await.unwrap();
    }
    viewer.append("task-l", output("st-2", 0)).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 51 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), live.recv())
            .await
            .expect("51 events arrive")
            .unwrap();
        seen.push(event);
    }
    let mine: Vec<_> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::AgentOutput { subtask_id, text } if subtask_id == "st-1" => {
                Some(text.clone())
            }
            _ => None,
        })
        .collect();
    let expected: Vec<String> = (0..50).map(|n| n.to_string()).collect();
    assert_eq!(mine, expected, "the other process's events, in order, once");
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(&e.kind, EventKind::AgentOutput { subtask_id, .. } if subtask_id == "st-2"))
            .count(),
        1,
        "its own event once"
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), live.recv())
            .await
            .is_err(),
        "nothing more"
    );
}

/// Two workers (two stores on one PostgreSQL database): one claims a task and stalls past its
/// lease; the other takes it over; from then on the first one's writes to it are refused.
#[tokio::test]
async fn a_worker_that_lost_its_lease_records_nothing_more() {
    let database = TestDatabase::create().await;
    let (a, b) = (database.store().await, database.store().await);
    planned_task(&a, "task-f").await;
    let first = a
        .claim_next("worker-a", 200)
        .await
        .unwrap()
        .expect("queued");
    assert_eq!((first.epoch, first.took_over), (1, false));
    assert!(
        b.claim_next("worker-b", 200).await.unwrap().is_none(),
        "held"
    );
    assert!(a.renew_lease("task-f", "worker-a", 200).await.unwrap());
    assert!(a.still_writes("task-f", None).await.unwrap());
    a.set_subtask_status("task-f", "st-1", SubtaskStatus::Running, None, None)
        .await
        .unwrap();

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let second = b
        .claim_next("worker-b", 10_000)
        .await
        .unwrap()
        .expect("lapsed");
    assert_eq!((second.epoch, second.took_over), (2, true));
    assert_eq!(b.lease_takeovers().await.unwrap(), 1);
    assert!(
        !a.still_writes("task-f", None).await.unwrap(),
        "a writes no files once b took the task over (before a even knows)"
    );
    assert!(b.still_writes("task-f", None).await.unwrap());

    let refused = a
        .set_subtask_status(
            "task-f",
            "st-1",
            SubtaskStatus::Complete,
            Some("late"),
            None,
        )
        .await;
    assert!(
        refused.is_err(),
        "a's write after the takeover: {refused:?}"
    );
    assert!(
        a.add_usage("task-f", Some("st-1"), 10, 10, Some(1))
            .await
            .is_err()
    );
    let late = Journal::new(a.clone())
        .append(
            "task-f",
            EventKind::AgentOutput {
                subtask_id: "st-1".into(),
                text: "late".into(),
            },
        )
        .await;
    assert!(late.is_err(), "a's journal entry after the takeover");
    // A change and the event telling of it are one write: refused together.
    let end = Journal::new(a.clone())
        .append_with(
            "task-f",
            EventKind::SubtaskFinished {
                subtask_id: "st-1".into(),
                status: SubtaskStatus::Failed,
                error: Some("late".into()),
                output: None,
            },
            miteos_store::Change::Subtask {
                id: "st-1".into(),
                status: SubtaskStatus::Failed,
                output: None,
                error: Some("late".into()),
            },
        )
        .await;
    assert!(end.is_err(), "a's subtask end after the takeover");
    assert!(!a.renew_lease("task-f", "worker-a", 200).await.unwrap());
    assert!(a.lease_lost("task-f"));
    assert!(
        a.set_task_status("task-f", TaskStatus::Cancelled, None)
            .await
            .is_err()
    );

    b.set_subtask_status(
        "task-f",
        "st-1",
        SubtaskStatus::Complete,
        Some("done"),
        None,
    )
    .await
    .unwrap();
    let task = b.get_task("task-f").await.unwrap();
    assert_eq!(task.subtasks[0].output.as_deref(), Some("done"));
    assert_eq!(task.status, TaskStatus::Pending, "a's cancel was refused");
    assert!(
        Journal::new(b.clone())
            .read_all("task-f")
            .await
            .unwrap()
            .is_empty()
    );
    b.release_lease("task-f", "worker-b").await.unwrap();
    let again = a
        .claim_next("worker-a", 10_000)
        .await
        .unwrap()
        .expect("released");
    assert_eq!((again.epoch, again.took_over), (3, false));
}
