use super::*;

const BRAND: &str = "---\nname: brand-guidelines\ndescription: >\n  Applies the company's brand colours and typography to documents and pages.\n  Use it when a deliverable should look like the company's own.\nlicense: Apache-2.0\nmetadata:\n  author: example-org\n  version: \"1.0\"\n---\n\n# Brand guidelines\n\nUse #1A2B3C for headings and Inter for text. See references/palette.md.\n";

fn import(files: &[SkillFile], folder: Option<&str>) -> Result<Imported> {
    from_folder(files, folder, "sk-x".into(), "test")
}

#[test]
fn a_standard_skill_imports_as_instructions_with_its_files() {
    let files = [
        SkillFile::text("brand-guidelines/SKILL.md", BRAND),
        SkillFile::text(
            "brand-guidelines/references/palette.md",
            "# Palette\n#1A2B3C",
        ),
        SkillFile::from_bytes(
            "brand-guidelines/assets/logo.png",
            vec![0x89, b'P', 0xff, 0],
        ),
    ];
    let imported = import(&files, None).unwrap();
    let skill = &imported.skill;
    assert_eq!(skill.name, "brand-guidelines");
    assert_eq!(skill.kind, SkillKind::Instructions);
    assert_eq!(skill.status, SkillStatus::Active);
    assert!(
        skill
            .description
            .starts_with("Applies the company's brand colours")
    );
    assert!(skill.instructions.starts_with("# Brand guidelines"));
    assert_eq!(skill.license.as_deref(), Some("Apache-2.0"));
    let paths: Vec<&str> = skill.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["references/palette.md", "assets/logo.png"]);
    assert_eq!(imported.files.len(), 3, "the whole folder is kept");
    assert_eq!(imported.files[2].1, vec![0x89, b'P', 0xff, 0]);
}

#[test]
fn folders_the_standard_refuses_are_refused_with_the_reason() {
    let err =
        |files: &[SkillFile], folder: Option<&str>| import(files, folder).unwrap_err().to_string();
    let md = |front: &str| format!("---\n{front}\n---\n\nDo it.\n");
    assert!(
        err(&[SkillFile::text("SKILL.md", md("description: x"))], None).contains("has no name")
    );
    assert!(err(&[SkillFile::text("SKILL.md", md("name: x"))], None).contains("no description"));
    for bad in [
        "PDF-tools",
        "-pdf",
        "pdf-",
        "pdf--tools",
        "pdf tools",
        "pdf_tools",
    ] {
        let e = err(
            &[SkillFile::text(
                "SKILL.md",
                md(&format!("name: {bad}\ndescription: d")),
            )],
            None,
        );
        assert!(e.contains("is not a skill name"), "{bad}: {e}");
    }
    let long = "d".repeat(1025);
    assert!(
        err(
            &[SkillFile::text(
                "SKILL.md",
                md(&format!("name: a\ndescription: {long}"))
            )],
            None
        )
        .contains("1–1024")
    );
    assert!(
        err(&[SkillFile::text("SKILL.md", BRAND)], Some("brand"))
            .contains("the standard wants them the same")
    );
    assert!(err(&[SkillFile::text("README.md", "hi")], None).contains("has a SKILL.md"));
    for path in [
        "../evil.sh",
        "scripts/../../evil.sh",
        "/etc/passwd",
        "C:\\x",
        "a\\..\\b",
    ] {
        let e = err(
            &[
                SkillFile::text("SKILL.md", BRAND),
                SkillFile::text(path, "x"),
            ],
            None,
        );
        assert!(
            e.contains("not a path inside the skill folder"),
            "{path}: {e}"
        );
    }
    let big = SkillFile::text("assets/big.txt", "x".repeat(MAX_FILE_BYTES + 1));
    assert!(matches!(
        import(&[SkillFile::text("SKILL.md", BRAND), big], None),
        Err(Error::TooLarge(_))
    ));
    assert!(
        err(&[SkillFile::text("SKILL.md", "# no front matter")], None).contains("front matter")
    );
    assert!(
        err(
            &[SkillFile::text(
                "SKILL.md",
                md("name: a\ndescription: d").replace("Do it.", "")
            )],
            None
        )
        .contains("no instructions")
    );
}

#[test]
fn a_zip_unpacks_and_refuses_what_leaves_the_folder() {
    use std::io::Write;
    let zip_of = |entries: &[(&str, &[u8])]| {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    };
    let files = unpack(&zip_of(&[
        ("brand-guidelines/SKILL.md", BRAND.as_bytes()),
        ("brand-guidelines/scripts/check.py", b"print('ok')"),
        ("__MACOSX/brand-guidelines/._SKILL.md", b"junk"),
    ]))
    .unwrap();
    assert_eq!(files.len(), 2);
    let imported = import(&files, None).unwrap();
    assert_eq!(imported.skill.files[0].path, "scripts/check.py");
    let e = unpack(&zip_of(&[
        ("SKILL.md", BRAND.as_bytes()),
        ("../../evil", b"x"),
    ]))
    .unwrap_err();
    assert!(
        e.to_string().contains("not a path inside the skill folder"),
        "{e}"
    );
    assert!(
        unpack(b"not a zip")
            .unwrap_err()
            .to_string()
            .contains("not a zip archive")
    );
}

#[test]
fn a_description_with_an_unquoted_colon_reads_as_other_agents_read_it() {
    let md = "---\nname: meeting-notes\ndescription: Turns a transcript into notes. Use when: the user shares a call\n  recording or its transcript.\nmetadata:\n  author: someone\n---\n\nWrite the notes.\n";
    let skill = import(&[SkillFile::text("SKILL.md", md)], None)
        .unwrap()
        .skill;
    assert_eq!(
        skill.description,
        "Turns a transcript into notes. Use when: the user shares a call recording or its transcript."
    );
    assert!(
        import(&[SkillFile::text("SKILL.md", "---\n: : :\n---\nx\n")], None)
            .unwrap_err()
            .to_string()
            .contains("not YAML")
    );
}
