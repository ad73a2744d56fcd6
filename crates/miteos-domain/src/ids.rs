//! Identifier formats of the public contract: `task-<uuid v7 simple>` (sorts by creation time),
//! `st-<n>` within a task, `dlv-<uuid v7 simple>` for deliverables.

use uuid::Uuid;

pub fn new_task_id() -> String {
    format!("task-{}", Uuid::now_v7().simple())
}

pub fn subtask_id(position: usize) -> String {
    format!("st-{}", position + 1)
}

pub fn new_deliverable_id() -> String {
    format!("dlv-{}", Uuid::now_v7().simple())
}

/// `dep-<uuid v4 simple>`: a deployment's URL is its only key, so its id says nothing of when it
/// was made and carries 122 random bits.
pub fn new_deployment_id() -> String {
    format!("dep-{}", Uuid::new_v4().simple())
}

pub fn new_approval_id() -> String {
    format!("ap-{}", Uuid::now_v7().simple())
}

/// `acc-<uuid v7 simple>`.
pub fn new_account_id() -> String {
    format!("acc-{}", Uuid::now_v7().simple())
}

/// A process among those sharing a database (its leases carry it): `wk-<uuid v7 simple>`.
pub fn new_worker_id() -> String {
    format!("wk-{}", Uuid::now_v7().simple())
}

pub fn new_skill_id() -> String {
    format!("sk-{}", Uuid::now_v7().simple())
}

/// True when `id` has the shape of a skill id.
pub fn is_skill_id(id: &str) -> bool {
    id.strip_prefix("sk-")
        .is_some_and(|rest| rest.len() == 32 && rest.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn new_follow_up_id() -> String {
    format!("fu-{}", Uuid::now_v7().simple())
}

pub fn new_share_id() -> String {
    format!("shr-{}", Uuid::now_v7().simple())
}

/// True when `id` has the shape of a deployment id (so a URL path segment can be trusted as one).
pub fn is_deployment_id(id: &str) -> bool {
    id.strip_prefix("dep-")
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// True when `id` has the shape of a task id. Lets boundaries answer 404 for garbage without a query.
pub fn is_task_id(id: &str) -> bool {
    id.strip_prefix("task-").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// 128 random bits or more, hex encoded: API tokens and anything else that must be unguessable.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    crate::digest::hex(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_sort_by_creation_time() {
        let a = new_task_id();
        let b = new_task_id();
        assert!(
            a < b,
            "uuid v7 ids must sort by creation so history can order by id"
        );
        assert!(is_task_id(&a));
    }

    #[test]
    fn garbage_is_not_a_task_id() {
        for bad in ["", "task-", "st-1", "task-../x", "task-a b", "TASK-1"] {
            assert!(!is_task_id(bad), "{bad:?} must be rejected");
        }
    }
}
