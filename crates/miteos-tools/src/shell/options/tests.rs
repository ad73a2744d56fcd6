//! The option tables held against commands people and pages write.

use super::*;

fn check(dir: &Path, command: &str) -> Verdict {
    let argv = shlex::split(command).unwrap();
    verdict(&argv, dir).expect("a program of the default list")
}

#[test]
fn every_default_program_has_a_table() {
    for program in crate::shell::DEFAULT_ALLOW_LIST {
        assert!(
            SPECS.iter().any(|s| s.program == *program),
            "{program} runs without asking, so it needs a table"
        );
    }
}

#[test]
fn ordinary_commands_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), "b\na\n").unwrap();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    for ok in [
        "wc -l data.csv",
        "sort -t, -k2 -n -o sorted.csv data.csv",
        "sort --output=sorted.csv data.csv",
        "head -5 data.csv",
        "head -n5 data.csv",
        "grep -c 'Coda Pro' data.csv",
        "grep -rn --include=*.csv x .",
        "zip -r site.zip site",
        "cp data.csv copy.csv",
        "mkdir -p reports/q3",
        "echo hello -n",
        "date +%Y-%m-%d",
        "date -u -d 2024-01-01 +%s",
        "jq -r --arg name x .a data.csv",
        "seq -s, 1 -1 -10",
        "ls -la",
        "touch new.txt",
        "cut -d, -f1 data.csv",
    ] {
        assert_eq!(check(dir.path(), ok), Verdict::Run, "{ok}");
    }
}

#[test]
fn options_that_run_programs_never_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), "b\na\n").unwrap();
    std::fs::write(dir.path().join("a.zip"), "x").unwrap();
    for refused in [
        "zip -T -TT 'sh -c id' a.zip data.csv",
        "zip a.zip data.csv -TT 'sh -c id'",
        "zip --unzip-command='sh -c id' -T a.zip data.csv",
        "sort --compress-program=sh data.csv",
        "unzip -: a.zip",
    ] {
        assert!(
            matches!(check(dir.path(), refused), Verdict::Refuse(_)),
            "{refused}"
        );
    }
    for asks in [
        "sort --compress=sh data.csv",
        "date -f/etc/passwd",
        "date --file=/etc/passwd",
        "grep -f/etc/passwd data.csv",
        "grep -e x /etc/passwd",
        "cat missing.txt",
        "cp data.csv /tmp/x",
        "cat ~/notes",
        "touch -r/etc/shadow x",
        "jq --rawfile x /etc/passwd . data.csv",
        "sort -T/tmp data.csv",
        "date --set=2020-01-01",
        "wc --files0-from=/etc/passwd",
        "head -n",
    ] {
        assert!(
            matches!(check(dir.path(), asks), Verdict::Ask(_)),
            "{asks}: {:?}",
            check(dir.path(), asks)
        );
    }
}
