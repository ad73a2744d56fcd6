//! How the CLI writes numbers, money, states and long text: the same way the War Room does.

use std::time::Duration;

use miteos_core::domain::TaskStatus;

pub fn status_icon_task(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "○",
        TaskStatus::Running => "◐",
        TaskStatus::Completed => "✓",
        TaskStatus::Failed => "✗",
        TaskStatus::Cancelled => "⊘",
    }
}

pub fn usd(amount: f64) -> String {
    if amount > 0.0 && amount < 0.01 {
        "<$0.01".into()
    } else {
        format!("${amount:.2}")
    }
}

/// A cost, or "cost unknown" when some of it ran on a model without a known price (never $0).
pub fn cost(amount: f64, unknown: bool) -> String {
    if unknown {
        "cost unknown".into()
    } else {
        usd(amount)
    }
}

pub fn short(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!(
            "{}…",
            one_line
                .chars()
                .take(max.saturating_sub(1))
                .collect::<String>()
        )
    }
}

pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use miteos_core::budget::thousands;

    use super::*;

    #[test]
    fn numbers_read_like_the_war_room() {
        assert_eq!(thousands(4521), "4,521");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(usd(0.02), "$0.02");
        assert_eq!(usd(0.0004), "<$0.01");
        assert_eq!(elapsed(Duration::from_secs(192)), "3m12s");
    }
}
