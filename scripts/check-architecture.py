#!/usr/bin/env python3
"""Keeps docs/architecture.md true to the code ("The house" section):

- the crate edges its table lists are exactly the workspace crates' dependencies on each other
  (Cargo.toml, every target), no more and no fewer;
- every file or folder its code map names under an entry (`remote.rs`, `orchestrator/`,
  `shell/options`) exists under that entry's path;
- every module at the top of a crate (src/NAME.rs, src/NAME/) and every file of src-tauri/ is
  named in its entry, so a new module cannot go unmentioned.

Run by scripts/test.sh; prints what disagrees and exits 1.
"""

import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def house_section(text: str) -> str:
    start = text.index("## The house")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def documented_edges(section: str) -> dict[str, set[str]]:
    edges = {}
    for line in section.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("miteos-"):
            edges[cells[0]] = {d.strip().strip("`") for d in cells[1].split(",") if d.strip("`— -")}
    return edges


def actual_edges() -> dict[str, set[str]]:
    edges = {}
    for manifest in [ROOT / "Cargo.toml", *sorted((ROOT / "crates").glob("*/Cargo.toml"))]:
        data = tomllib.loads(manifest.read_text())
        name = data["package"]["name"]
        tables = [data.get("dependencies", {})]
        tables += [t.get("dependencies", {}) for t in data.get("target", {}).values()]
        edges[name] = {dep for table in tables for dep in table if dep.startswith("miteos-")}
    return edges


def code_map(section: str) -> list[tuple[str, str]]:
    """(path, description) of each entry of the code map: the fenced block whose lines start
    with a path."""
    blocks = re.findall(r"```\n(.*?)```", section, re.S)
    entries = []
    for block in blocks:
        if not re.match(r"^[\w.\-]+(/|\.\w+)", block):
            continue
        for line in block.splitlines():
            head = re.match(r"^(\S+)\s+(.*)$", line)
            if head:
                entries.append([head.group(1), head.group(2)])
            elif entries:
                entries[-1][1] += " " + line.strip()
    return [(path, expand_braces(text)) for path, text in entries]


def expand_braces(text: str) -> str:
    """`commands/ {tasks,plans}.rs` names commands/tasks.rs and commands/plans.rs."""

    def expand(m: re.Match) -> str:
        return " ".join(f"{m.group(1)}{part.strip()}{m.group(3)}" for part in m.group(2).split(","))

    return re.sub(r"([\w/-]*)\{([^{}]+)\}(\.\w+)", expand, text.replace("/ {", "/{"))


NAMED_FILE = re.compile(r"(?<![\w./-])((?:[\w\-]+/)*[\w\-]+\.(?:rs|ts|svelte|mjs|py|sh|json|toml))\b")
NAMED_DIR = re.compile(r"(?<![\w./-])((?:[\w\-]+/)*[\w\-]+)/(?=[\s,;:)({]|$)")


def where(entry: str) -> pathlib.Path:
    return ROOT / entry.rstrip("/") if entry.endswith("/") else ROOT


def exists_under(base: pathlib.Path, name: str, is_dir: bool) -> bool:
    if (base / name).exists() or (ROOT / name).exists():
        return True
    for found in base.rglob(pathlib.PurePath(name).name):
        if any(part in ("node_modules", "target", "dist") for part in found.parts):
            continue
        if str(found).endswith(name) and found.is_dir() == is_dir:
            return True
    return False


def main() -> int:
    problems = []
    section = house_section(DOC.read_text())

    documented, actual = documented_edges(section), actual_edges()
    for crate in sorted(set(documented) | set(actual)):
        if crate not in actual:
            problems.append(f"the table names {crate}, which is no crate of the workspace")
        elif crate not in documented:
            problems.append(f"{crate} is missing from the table of crate edges")
        else:
            for dep in sorted(actual[crate] - documented[crate]):
                problems.append(f"{crate} depends on {dep}, which the table does not show")
            for dep in sorted(documented[crate] - actual[crate]):
                problems.append(f"the table shows {crate} -> {dep}, which Cargo.toml does not have")

    entries = code_map(section)
    for entry, text in entries:
        base = where(entry)
        if entry.endswith("/") and not base.is_dir():
            problems.append(f"the code map's {entry} does not exist")
            continue
        for name in NAMED_FILE.findall(text):
            if not exists_under(base, name, is_dir=False):
                problems.append(f"{entry}: names {name}, which is not there")
        for name in NAMED_DIR.findall(text):
            if not exists_under(base, name, is_dir=True):
                problems.append(f"{entry}: names the folder {name}/, which is not there")

    # Every top-level module of a crate, and every file of the app shell, is named.
    for entry, text in entries:
        src = ROOT / entry / "src" if entry.startswith("crates/") else None
        if entry == "src-tauri/":
            src = ROOT / "src-tauri"
        if src is None or not src.is_dir():
            continue
        modules = sorted(src.iterdir())
        if entry == "src-tauri/":
            modules += sorted((src / "commands").iterdir())
        for module in modules:
            stem = module.stem if module.suffix == ".rs" else module.name
            if stem in ("lib", "main", "mod", "build") or module.name.startswith("."):
                continue
            if module.is_file() and module.suffix != ".rs":
                continue
            if not re.search(rf"(?<![\w-]){re.escape(stem)}(\.rs|/)", text):
                problems.append(f"{entry}: the module {module.relative_to(ROOT)} is not named")

    for problem in problems:
        print(f"docs/architecture.md: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
