//! Subtasks claimed by any worker (here: several stores on one PostgreSQL database): the task's
//! worker queues them, two workers never claim the same, a lapsed claim is taken over, and a
//! worker whose claim moved on (taken over, revoked, requeued, or queued again by a new holder
//! of the task) journals and records nothing more.

use miteos_domain::events::EventKind;
use miteos_store::testing::TestDatabase;
use miteos_store::{ClaimState, Journal, Store};

mod support;
use support::planned_task;

fn output(subtask: &str, text: &str) -> EventKind {
    EventKind::AgentOutput {
        subtask_id: subtask.into(),
        text: text.into(),
    }
}

async fn holding(store: &Store, task: &str) -> i64 {
    planned_task(store, task).await;
    store.claim_task(task, "holder", 10_000).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_subtasks_are_claimed_once_and_fenced_by_their_claim() {
    let database = TestDatabase::create().await;
    let (holder, a, b) = (
        database.store().await,
        database.store().await,
        database.store().await,
    );
    holding(&holder, "task-c").await;
    holder
        .queue_subtask("task-c", "st-1", "{\"work\":1}")
        .await
        .unwrap();
    holder
        .queue_subtask("task-c", "st-2", "{\"work\":2}")
        .await
        .unwrap();
    assert_eq!(holder.claim_counts().await.unwrap().queued, 2);

    // Two workers claiming at once get one subtask each.
    let (one, two) = tokio::join!(a.claim_subtask("a", 200), b.claim_subtask("b", 10_000));
    let (one, two) = (one.unwrap().expect("st"), two.unwrap().expect("st"));
    assert_ne!(one.fence.subtask_id, two.fence.subtask_id);
    assert!(
        a.claim_subtask("a", 200).await.unwrap().is_none(),
        "both held"
    );
    let (a_claim, b_claim) = (one, two);
    assert!(!a_claim.took_over);
    assert!(a_claim.work.starts_with("{\"work\":"));

    // a's journal under its claim writes while the claim is a's.
    let a_journal = Journal::new(a.clone()).under_claim(a_claim.fence.clone());
    a_journal
        .append("task-c", output(&a_claim.fence.subtask_id, "early"))
        .await
        .unwrap();
    assert!(a.renew_claim(&a_claim.fence, "a", 200).await.unwrap());
    assert!(
        a.still_writes("task-c", Some(&a_claim.fence))
            .await
            .unwrap()
    );

    // a stalls past its lease: b takes its subtask over, and a is fenced out.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let taken = b.claim_subtask("b", 10_000).await.unwrap().expect("lapsed");
    assert_eq!(taken.fence.subtask_id, a_claim.fence.subtask_id);
    assert!(taken.took_over);
    assert!(taken.fence.epoch > a_claim.fence.epoch);
    assert!(!a.renew_claim(&a_claim.fence, "a", 200).await.unwrap());
    assert!(
        !a.still_writes("task-c", Some(&a_claim.fence))
            .await
            .unwrap(),
        "a writes no files after the takeover"
    );
    assert!(b.still_writes("task-c", Some(&taken.fence)).await.unwrap());
    let late = a_journal
        .append("task-c", output(&a_claim.fence.subtask_id, "late"))
        .await;
    assert!(late.is_err(), "a's event after the takeover: {late:?}");
    assert!(
        !a.finish_claim(&a_claim.fence, "{\"late\":1}")
            .await
            .unwrap()
    );
    assert!(b.finish_claim(&taken.fence, "{\"done\":1}").await.unwrap());
    assert_eq!(
        holder
            .claim_state("task-c", &taken.fence.subtask_id)
            .await
            .unwrap(),
        Some(ClaimState::Done {
            outcome: "{\"done\":1}".into()
        })
    );
    assert_eq!(holder.claim_counts().await.unwrap().takeovers, 1);

    // The other is revoked (cancelled): b is fenced out at once.
    let b_journal = Journal::new(b.clone()).under_claim(b_claim.fence.clone());
    b_journal
        .append("task-c", output(&b_claim.fence.subtask_id, "working"))
        .await
        .unwrap();
    holder
        .revoke_claim("task-c", &b_claim.fence.subtask_id)
        .await
        .unwrap();
    assert!(
        b_journal
            .append("task-c", output(&b_claim.fence.subtask_id, "after"))
            .await
            .is_err()
    );
    assert!(!b.finish_claim(&b_claim.fence, "{}").await.unwrap());
    assert_eq!(
        holder
            .claim_state("task-c", &b_claim.fence.subtask_id)
            .await
            .unwrap(),
        Some(ClaimState::Revoked)
    );
    let texts: Vec<String> = Journal::new(holder.clone())
        .read_all("task-c")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match &e.kind {
            EventKind::AgentOutput { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["early", "working"]);
}

#[tokio::test]
async fn a_new_holder_of_the_task_voids_what_the_old_one_queued() {
    let database = TestDatabase::create().await;
    let (old, new, worker) = (
        database.store().await,
        database.store().await,
        database.store().await,
    );
    planned_task(&old, "task-h").await;
    old.claim_task("task-h", "old", 200).await.unwrap();
    old.queue_subtask("task-h", "st-1", "{}").await.unwrap();
    let claim = worker
        .claim_subtask("w", 10_000)
        .await
        .unwrap()
        .expect("queued");
    old.queue_subtask("task-h", "st-2", "{}").await.unwrap();

    // The old holder dies; the new one takes the task over.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    new.claim_task("task-h", "new", 10_000).await.unwrap();
    assert!(
        worker.claim_subtask("w", 10_000).await.unwrap().is_none(),
        "st-2 was queued by a holder that lost the task"
    );
    let journal = Journal::new(worker.clone()).under_claim(claim.fence.clone());
    assert!(
        journal
            .append("task-h", output("st-1", "stale"))
            .await
            .is_err()
    );
    assert!(
        old.queue_subtask("task-h", "st-3", "{}").await.is_err(),
        "fenced"
    );

    // The new holder queues st-1 again: a fresh claim, and the old one's outcome is void.
    new.queue_subtask("task-h", "st-1", "{}").await.unwrap();
    assert!(!worker.finish_claim(&claim.fence, "{}").await.unwrap());
    let again = worker
        .claim_subtask("w", 10_000)
        .await
        .unwrap()
        .expect("queued again");
    assert_eq!(again.fence.subtask_id, "st-1");
    assert!(!again.took_over);
    // A worker shutting down puts it back for the others at once.
    worker.requeue_claim(&again.fence).await.unwrap();
    let next = new
        .claim_subtask("n", 10_000)
        .await
        .unwrap()
        .expect("requeued");
    assert_eq!(next.fence.subtask_id, "st-1");
    assert!(next.fence.epoch > again.fence.epoch);
    assert_eq!(
        new.claim_state("task-h", "st-1").await.unwrap(),
        Some(ClaimState::Claimed { worker: "n".into() })
    );
}

/// A wide task's many queued subtasks do not hold back another task's: the next claim goes to
/// the task with the fewest subtasks running, then to the one queued longest.
#[tokio::test]
async fn claims_take_turns_between_tasks() {
    let database = TestDatabase::create().await;
    let (holder, worker) = (database.store().await, database.store().await);
    holding(&holder, "task-w").await;
    holding(&holder, "task-n").await;
    for st in ["st-1", "st-2", "st-3"] {
        holder.queue_subtask("task-w", st, "{}").await.unwrap();
    }
    holder.queue_subtask("task-n", "st-1", "{}").await.unwrap();
    let mut order = Vec::new();
    while let Some(claim) = worker.claim_subtask("w", 10_000).await.unwrap() {
        order.push(format!(
            "{} {}",
            claim.fence.task_id, claim.fence.subtask_id
        ));
    }
    assert_eq!(
        order,
        ["task-w st-1", "task-n st-1", "task-w st-2", "task-w st-3"]
    );
}

#[tokio::test]
async fn nothing_is_queued_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("m.db")).await.unwrap();
    planned_task(&store, "task-s").await;
    assert!(store.queue_subtask("task-s", "st-1", "{}").await.is_err());
    assert!(store.claim_subtask("w", 1000).await.unwrap().is_none());
    assert_eq!(store.claim_state("task-s", "st-1").await.unwrap(), None);
    assert_eq!(store.claim_counts().await.unwrap(), Default::default());
}
