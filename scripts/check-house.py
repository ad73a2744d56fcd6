#!/usr/bin/env python3
"""The house's rules, checked on every test run (scripts/test.sh):

1. No Rust source file over 600 lines.
2. No module cycle inside a crate: for every pair of sibling modules (the children of one
   module, or a crate's top-level modules), the "uses" edges between them form no cycle. An
   edge is a path that names another module (`crate::a::b`, `super::x`); a module naming its
   own ancestor or descendant (a facade and its parts) is no edge. Edges between modules deep
   in two subtrees count for the subtrees' roots: `orchestrator::planner -> service` is
   `orchestrator -> service`, which with `service -> orchestrator` is a cycle.

Exits 1 and says what is wrong; prints one line when all holds.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

MAX_LINES = 600
ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "crates", ROOT / "src-tauri", ROOT / "tests"]

PATH_RE = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z_0-9]*)+)")
USE_GROUP_RE = re.compile(r"\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z_0-9]*)*)::\{([^;]*)\}", re.S)
COMMENT_RE = re.compile(r"//[^\n]*")


def module_of(src: Path, file: Path) -> tuple:
    """The module path of `file` inside the crate whose source root is `src`."""
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def crate_roots():
    for manifest in sorted((ROOT / "crates").glob("*/Cargo.toml")):
        yield manifest.parent / "src"
    yield ROOT / "src-tauri"


def resolve(module: tuple, anchor: str, rest: list, modules: set):
    """The module a path names: the longest known module prefix of the absolute path."""
    if anchor == "crate":
        base = []
    elif anchor == "self":
        base = list(module)
    else:
        base = list(module[:-1])
        while rest and rest[0] == "super":
            base = base[:-1]
            rest = rest[1:]
    full = base + rest
    for n in range(len(full), -1, -1):
        if tuple(full[:n]) in modules:
            return tuple(full[:n])
    return None


def edges_of(src: Path):
    files = sorted(src.rglob("*.rs"))
    modules = {module_of(src, f) for f in files}
    edges = set()
    for f in files:
        here = module_of(src, f)
        text = COMMENT_RE.sub("", f.read_text())
        targets = []
        for m in PATH_RE.finditer(text):
            targets.append((m.group(1), m.group(2).split("::")[1:]))
        for m in USE_GROUP_RE.finditer(text):
            head = m.group(2).split("::")[1:]
            for item in re.split(r",", m.group(3)):
                name = item.strip().split("::")[0].split(" ")[0]
                if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", name or ""):
                    targets.append((m.group(1), head + [name]))
        for anchor, rest in targets:
            there = resolve(here, anchor, rest, modules)
            if there is None or there == here:
                continue
            if there[: len(here)] == here or here[: len(there)] == there:
                continue  # a module and its own parts
            common = 0
            while here[common] == there[common]:
                common += 1
            edges.add((here[: common + 1], there[: common + 1]))
    return edges


def cycles(edges):
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main():
    problems = []
    for base in SOURCES:
        for f in sorted(base.rglob("*.rs")):
            if "target" in f.parts or "node_modules" in f.parts:
                continue
            n = sum(1 for _ in f.open())
            if n > MAX_LINES:
                problems.append(f"{f.relative_to(ROOT)} has {n} lines (at most {MAX_LINES})")
    for src in crate_roots():
        for component in cycles(edges_of(src)):
            names = ", ".join("::".join(m) for m in component)
            problems.append(f"module cycle in {src.relative_to(ROOT)}: {names}")
    if problems:
        print("house rules broken:", *problems, sep="\n  ")
        sys.exit(1)
    print("house rules hold: no file over 600 lines, no module cycle")


if __name__ == "__main__":
    main()
