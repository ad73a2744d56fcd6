//! `miteos tasks`: history, newest first.

use miteos_core::store::TaskFilter;
use miteos_core::{Error, Miteos};

use miteos_core::budget::thousands;

use super::format::{cost, short, status_icon_task};

pub async fn print(
    miteos: &Miteos,
    filter: TaskFilter,
    limit: u32,
    offset: u32,
) -> Result<(), Error> {
    let tasks = miteos.list_tasks(filter, limit, offset).await?;
    if tasks.is_empty() {
        println!(
            "No tasks{}.",
            if offset > 0 {
                " on this page"
            } else {
                " yet: try `miteos run \"…\"`"
            }
        );
        return Ok(());
    }
    for t in tasks {
        let label = t.title.as_deref().unwrap_or(&t.prompt);
        println!(
            "{} {:<9} {}  {}  {:>8} tok {:>7}  {}",
            status_icon_task(t.status),
            t.status.as_str(),
            t.id,
            t.created_at.format("%Y-%m-%d %H:%M"),
            thousands(t.total_tokens_used),
            cost(t.total_cost_usd, t.cost_unknown),
            short(label, 60)
        );
    }
    Ok(())
}
