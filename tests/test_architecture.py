"""The shape of the code, read from the source (AST only, nothing is imported).

Every `import` and `from ... import` counts, at module level and inside functions, relative or absolute.
Tests, migrations and conftest.py are not part of the graph. An app is a direct subpackage of mengkeju;
the top-level modules (settings, urls, cli, wsgi) are the shell that wires the apps and stay out of the
app graph. A package's __init__ importing its own submodules (re-exporting them) is not a cycle.
"""

import ast
import os
from collections import defaultdict, deque
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "mengkeju"
SKIPPED_DIRS = {"tests", "migrations", "__pycache__", "build", "dist", "var", "node_modules"}
MAX_LINES = 800
FRAMEWORKS = ("django", "rest_framework", "django_filters", "drf_spectacular")


@dataclass(frozen=True)
class Import:
    target: str  # absolute dotted name as written (resolved if relative)
    path: Path
    line: int

    def __str__(self):
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def kept(directory: Path) -> bool:
    return directory.name not in SKIPPED_DIRS and not directory.name.startswith(".")


def python_files(top: Path):
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if kept(Path(folder) / d))
        for name in sorted(files):
            if name.endswith(".py") and name != "conftest.py":
                yield Path(folder) / name


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str) -> list[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, path, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            # `from x import y` imports x.y when y is a module; resolve() falls back to x otherwise.
            found += [Import(f"{source}.{alias.name}", path, node.lineno) for alias in node.names]
    return found


class Code:
    """Every module of the package and what each imports."""

    def __init__(self):
        self.files = {module_name(p): p for p in python_files(ROOT / PACKAGE)}
        self.imports = {m: imports_of(p, m) for m, p in self.files.items()}

    def resolve(self, target: str) -> str | None:
        """The package module that an imported name lives in (longest known prefix), None if outside."""
        parts = target.split(".")
        while parts:
            if ".".join(parts) in self.files:
                return ".".join(parts)
            parts.pop()
        return None

    def edges(self):
        """(importer, imported module, Import) for every import of a module of the package."""
        for module, imports in self.imports.items():
            for imp in imports:
                target = self.resolve(imp.target)
                if target is not None and target != module:
                    yield module, target, imp


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or not (ROOT / parts[0] / parts[1] / "__init__.py").is_file():
        return None  # mengkeju itself or a shell module (settings, urls, cli, wsgi)
    return parts[1]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of nodes that reach each other (only groups of two or more)."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def shortest_path(graph, start, goal, within):
    previous, queue = {start: None}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = previous[node]
            return path[::-1]
        for nxt in sorted(graph.get(node, ())):
            if nxt in within and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """For each edge inside a strongly connected group, the shortest cycle through it (a, b, ..., a)."""
    found = {}
    for group in strongly_connected(graph):
        members = set(group)
        for a in group:
            for b in sorted(graph[a] & members):
                loop = [a, *shortest_path(graph, b, a, members)]
                turn = loop.index(min(loop[:-1]))  # one spelling per cycle, whatever edge found it
                found.setdefault(tuple(loop[turn:-1] + loop[:turn]), None)
    return [[*c, c[0]] for c in found]


def report(cycle_list, sites) -> str:
    """Each cycle on one line, then each edge of them once with the file:line of its imports."""
    lines = [f"  {' -> '.join(cycle)}" for cycle in cycle_list]
    edges = sorted({(a, b) for cycle in cycle_list for a, b in pairwise(cycle)})
    lines.append("where:")
    lines += [f"  {a} -> {b}: {', '.join(sites[a, b])}" for a, b in edges]
    return "\n".join(lines)


def graph_of(pairs):
    graph, sites = defaultdict(set), defaultdict(list)
    for a, b, imp in pairs:
        graph[a].add(b)
        graph.setdefault(b, set())
        if str(imp) not in sites[a, b]:
            sites[a, b].append(str(imp))
    return graph, sites


CODE = Code()


def test_no_cycle_between_apps():
    pairs = []
    for module, target, imp in CODE.edges():
        a, b = app_of(module), app_of(target)
        if a and b and a != b:
            pairs.append((a, b, imp))
    graph, sites = graph_of(pairs)
    found = cycles(graph)
    assert not found, "apps import each other in a cycle:\n" + report(found, sites)


def test_no_cycle_between_modules_of_one_app():
    pairs = []
    for module, target, imp in CODE.edges():
        app = app_of(module)
        if app is None or app != app_of(target):
            continue
        if CODE.files[module].name == "__init__.py" and target.startswith(module + "."):
            continue  # a package re-exporting its own submodules
        pairs.append((module, target, imp))
    graph, sites = graph_of(pairs)
    found = cycles(graph)
    assert not found, "modules of one app import each other in a cycle:\n" + report(found, sites)


def outside_imports(app: str):
    """Imports in mengkeju.<app> of anything of the package outside that app."""
    prefix = f"{PACKAGE}.{app}"
    for module, target, imp in CODE.edges():
        if app_of(module) == app and not (target == prefix or target.startswith(prefix + ".")):
            yield f"{imp}: {module} imports {target}"


def test_core_imports_no_app():
    wrong = list(outside_imports("core"))
    assert not wrong, "mengkeju.core is the bottom layer, it imports nothing else of mengkeju:\n" + "\n".join(
        wrong
    )


def test_retrieval_is_independent_of_django_and_the_apps():
    wrong = list(outside_imports("retrieval"))
    for module, imports in CODE.imports.items():
        if app_of(module) == "retrieval":
            wrong += [
                f"{imp}: {module} imports {imp.target.rpartition('.')[0] or imp.target}"
                for imp in imports
                if imp.target.split(".")[0] in FRAMEWORKS
            ]
    assert not wrong, "mengkeju.retrieval stands alone (no Django, no other app):\n" + "\n".join(wrong)


def test_no_module_is_over_800_lines():
    roots = [p for p in ROOT.iterdir() if p.is_dir() and kept(p)]
    files = [*ROOT.glob("*.py"), *(f for r in roots for f in python_files(r))]
    sizes = {f: len(f.read_text(encoding="utf-8").splitlines()) for f in files}
    over = [f"{f.relative_to(ROOT)}: {n} lines" for f, n in sorted(sizes.items()) if n > MAX_LINES]
    assert not over, f"modules over {MAX_LINES} lines (split them):\n" + "\n".join(over)


def test_the_graph_reader_sees_what_it_should():
    """Guards the checks above against a reader that silently finds nothing."""
    assert f"{PACKAGE}.catalog.models" in CODE.files and f"{PACKAGE}.settings" in CODE.files
    assert not any(".tests" in m or ".migrations" in m for m in CODE.files)
    assert CODE.resolve(f"{PACKAGE}.catalog.models.Achievement") == f"{PACKAGE}.catalog.models"
    assert CODE.resolve("django.db.models") is None
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}}
    assert strongly_connected(graph) == [["a", "b", "c"], ["e", "f"]]
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "f", "e"]]
