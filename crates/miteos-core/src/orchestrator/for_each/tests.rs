use serde_json::json;

use super::*;

#[test]
fn lists_are_read_as_researchers_write_them() {
    let numbered = "Here are the top competitors:\n\n1. **Notion** — all-in-one workspace\n   - pricing: free tier\n2. **Coda**: docs that act like apps\n3) [Confluence](https://atlassian.com) - wiki\n\nThese lead the market.";
    assert_eq!(parse_list(numbered), ["Notion", "Coda", "Confluence"]);
    let bullets = "- Acme Corp\n- Globex\n* Initech\n- acme corp";
    assert_eq!(parse_list(bullets), ["Acme Corp", "Globex", "Initech"]);
    let table = "| Supplier | Country |\n|---|---|\n| Bosch | DE |\n| Denso | JP |";
    assert_eq!(parse_list(table), ["Bosch", "Denso"]);
    let json = "The list: [\"a.com\", \"b.com\", {\"name\": \"c.com\"}]";
    assert_eq!(parse_list(json), ["a.com", "b.com", "c.com"]);
    assert_eq!(
        parse_list("Paris\nBerlin\nRome"),
        ["Paris", "Berlin", "Rome"]
    );
    assert!(
        parse_list("I could not find anything useful about this topic, sorry. The pages were empty and nothing was listed there at all.").is_empty()
    );
}

#[test]
fn a_plan_s_for_each_is_checked() {
    let dep = |s: &str| (s == "st-1" || s == "research").then(|| "st-1".to_owned());
    let mut problems = Vec::new();
    let mut deps = Vec::new();
    let f = checked_for_each(
        "st-2",
        &json!({"from": "research", "columns": ["Pricing", "item", "Pricing"], "deliverable": "out.xlsx"}),
        dep,
        &mut deps,
        &mut problems,
    )
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(deps, ["st-1"], "the list's subtask becomes a dependency");
    assert_eq!(f.from.as_deref(), Some("st-1"));
    assert_eq!(f.columns, ["Pricing"]);
    assert_eq!(f.deliverable.as_deref(), Some("out.xlsx"));

    let f = checked_for_each(
        "st-1",
        &json!(["x", "y", "x"]),
        dep,
        &mut deps,
        &mut problems,
    )
    .unwrap();
    assert_eq!(f.items, ["x", "y"]);
    let f = checked_for_each(
        "st-3",
        &json!("inputs/suppliers.csv"),
        dep,
        &mut deps,
        &mut problems,
    )
    .unwrap();
    assert_eq!(f.from.as_deref(), Some("inputs/suppliers.csv"));
    assert!(problems.is_empty(), "{problems:?}");

    for bad in [
        json!({"columns": ["a"]}),
        json!({"from": "../etc/passwd"}),
        json!({"items": ["a"], "deliverable": "out.exe"}),
        json!({"from": "st-2"}),
        json!(42),
    ] {
        let mut problems = Vec::new();
        checked_for_each("st-2", &bad, dep, &mut Vec::new(), &mut problems);
        assert!(!problems.is_empty(), "{bad} was accepted");
    }
    let many: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("item {i}")).collect();
    let mut problems = Vec::new();
    checked_for_each("st-1", &json!(many), dep, &mut Vec::new(), &mut problems);
    assert_eq!(problems.len(), 1, "{problems:?}");
}
