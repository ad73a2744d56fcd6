//! What the store's tests share: a plan to store.

use miteos_domain::Task;
use miteos_domain::budget::Budget;
use miteos_store::{NewSubtask, Store};

pub fn subtask(id: &str, depends_on: &[&str]) -> NewSubtask {
    NewSubtask {
        id: id.into(),
        title: format!("Do {id}"),
        description: format!("The work of {id}"),
        agent_type: "researcher".into(),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        needs: vec!["web".into()],
        ..Default::default()
    }
}

pub async fn planned_task(store: &Store, id: &str) {
    let mut task = Task::pending(id.into(), "Compare note apps".into(), "openai::m".into());
    task.budget = Some(Budget::default());
    store.insert_task(&task).await.unwrap();
    store
        .insert_plan(
            id,
            "Note apps",
            &[subtask("st-1", &[]), subtask("st-2", &["st-1"])],
        )
        .await
        .unwrap();
}
