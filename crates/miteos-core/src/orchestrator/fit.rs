//! Agent types fit their subtasks. Each planned subtask names what it needs tools for (`web`,
//! `spreadsheet`, …; its instructions add what they show, such as an `.xlsx` to write); a
//! subtask given an agent type without those tools moves to the type that has them all with the
//! least else (least privilege: a shell or the web weigh most), and says why.

use crate::domain::AgentType;
use crate::domain::plan::{CAPABILITIES, capability_tools};
use crate::store::NewSubtask;

/// A subtask moved to another agent type.
#[derive(Debug, Clone, PartialEq)]
pub struct Reassignment {
    pub subtask_id: String,
    pub from: String,
    pub to: String,
    /// Why, in words ("it writes a spreadsheet").
    pub reason: String,
}

/// The capabilities a subtask needs: the known ones its planner named, and those its
/// instructions show (a tool named in them, a spreadsheet or chart file to write).
pub(crate) fn needs_of(named: &[String], description: &str) -> Vec<String> {
    let mut needs: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if capability_tools(c).is_some() && !needs.iter().any(|n| n == c) {
            needs.push(c.to_owned());
        }
    };
    for n in named {
        add(n.trim().to_lowercase().as_str());
    }
    let text = description.to_lowercase();
    for (capability, tools) in CAPABILITIES {
        if tools.iter().any(|t| text.contains(t)) {
            add(capability);
        }
    }
    let words = text.split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_' || c == '-'));
    for word in words {
        let word = word.trim_end_matches('.');
        if word.ends_with(".xlsx") || word.ends_with(".xls") {
            add("spreadsheet");
        }
    }
    needs
}

fn has(agent: &AgentType, capability: &str) -> bool {
    capability_tools(capability)
        .is_none_or(|tools| tools.iter().any(|t| agent.tools.iter().any(|a| a == t)))
}

/// What an agent type can do that is not needed, weighed: a shell and the web weigh most.
fn excess(agent: &AgentType, needs: &[String]) -> u32 {
    CAPABILITIES
        .iter()
        .filter(|(c, _)| !needs.iter().any(|n| n == c) && has(agent, c))
        .map(|(c, _)| match *c {
            "command" => 3,
            "web" => 2,
            _ => 1,
        })
        .sum()
}

fn in_words(capability: &str) -> &'static str {
    match capability {
        "web" => "it uses the web",
        "read_files" => "it reads files",
        "write_files" => "it writes files",
        "spreadsheet" => "it writes a spreadsheet",
        "chart" => "it draws a chart",
        "sql" => "it queries data with SQL",
        "command" => "it runs a command",
        _ => "it needs other tools",
    }
}

/// Moves the subtask to the best-fitting agent type when its own lacks a tool it needs; `None`
/// when its type fits (or no type fits better).
pub(crate) fn fit(st: &mut NewSubtask, types: &[AgentType]) -> Option<Reassignment> {
    let current = types.iter().find(|a| a.name == st.agent_type)?;
    let missing: Vec<&String> = st.needs.iter().filter(|n| !has(current, n)).collect();
    if missing.is_empty() {
        return None;
    }
    let covered = |a: &AgentType| st.needs.iter().filter(|n| has(a, n)).count();
    let best = types
        .iter()
        .filter(|a| covered(a) > covered(current))
        .min_by_key(|a| (st.needs.len() - covered(a), excess(a, &st.needs)))?;
    let reason = missing
        .iter()
        .filter(|n| has(best, n))
        .map(|n| in_words(n))
        .collect::<Vec<_>>()
        .join(", ");
    let from = std::mem::replace(&mut st.agent_type, best.name.clone());
    Some(Reassignment {
        subtask_id: st.id.clone(),
        from,
        to: best.name.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrator::builtin_agent_types;

    fn subtask(agent_type: &str, needs: &[&str], description: &str) -> NewSubtask {
        let named: Vec<String> = needs.iter().map(|n| (*n).to_owned()).collect();
        NewSubtask {
            id: "st-2".into(),
            title: "t".into(),
            description: description.into(),
            agent_type: agent_type.into(),
            depends_on: vec![],
            needs: needs_of(&named, description),
            ..NewSubtask::default()
        }
    }

    #[test]
    fn a_spreadsheet_moves_to_the_analyst_not_to_the_shell() {
        let mut st = subtask("researcher", &[], "Write the table to comparison.xlsx.");
        let moved = fit(&mut st, &builtin_agent_types()).expect("moved");
        assert_eq!(moved.to, "analyst");
        assert_eq!(moved.reason, "it writes a spreadsheet");
        assert_eq!(st.agent_type, "analyst");
    }

    #[test]
    fn fitting_types_stay_and_unknown_needs_are_ignored() {
        let mut st = subtask("researcher", &["web", "teleport"], "Find sources.");
        assert_eq!(st.needs, vec!["web"]);
        assert_eq!(fit(&mut st, &builtin_agent_types()), None);
        let mut st = subtask("analyst", &["command"], "Zip the site.");
        let moved = fit(&mut st, &builtin_agent_types()).expect("moved");
        assert_eq!(
            (moved.to.as_str(), moved.reason.as_str()),
            ("builder", "it runs a command")
        );
    }

    #[test]
    fn when_no_type_has_everything_the_closest_wins() {
        // Web and a shell: no built-in type has both; the researcher (web) is as close as the
        // builder (shell), so a builder stays a builder.
        let mut st = subtask("builder", &["web", "command"], "Fetch and build.");
        assert_eq!(fit(&mut st, &builtin_agent_types()), None);
    }
}
