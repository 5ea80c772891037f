"""The house's plan, pinned: no import circle, lower floors never import upper ones,
no module over 800 lines, and project imports at module level (where a reader sees them), not hidden
inside functions.

The graph is read from the source (every import statement, also those inside functions), module by
module, so a circle that only loads because one import is deferred still counts.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("wsa", "accounts", "documents", "authorities", "applications")
# DESIGN.md: accounts is the ground floor, documents and authorities stand on it, applications and the
# portals on top. `wsa` is the project: settings, URLconf, Celery and the observability plumbing.
FLOOR = {"accounts": 1, "documents": 2, "authorities": 2, "applications": 3}
# Pure packages import nothing of the ORM and nothing of the floors above them, so any floor may use them.
PURE_PACKAGES = ("applications.rules",)
# The project's roots import what they assemble: the URLconf its views, the metrics their collectors.
ASSEMBLERS = ("wsa.urls", "wsa.observability.collectors")
MAX_LINES = 800
MAX_IMPORTS_INSIDE_FUNCTIONS = 30


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path):
    """(target module, inside a function?) for every project import of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(sub) for sub in ast.walk(node) if sub is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target)
            if resolved and resolved != module:
                yield resolved, id(node) in inside


GRAPH = {module: sorted({target for target, _ in _imports(module, path)}) for module, path in MODULES.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def _circles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], [0]
    for start in GRAPH:
        if start in index:
            continue
        work = [(start, iter(GRAPH[start]))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(GRAPH[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_the_graph_is_read():
    assert "applications.models" in MODULES
    assert "applications.models" in GRAPH["applications.admin"] or any(
        target.startswith("applications.") for target in GRAPH["applications.admin"])


def test_no_import_circle():
    """Not even inside one app: a service that must start what stands above it (the procedure after a
    transition, the task that runs it) sends a signal or names the task (wsa.queueing)."""
    assert _circles() == []


def test_a_lower_floor_never_imports_an_upper_one():
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items() if _app(module) in FLOOR
        for target in targets if _app(target) in FLOOR
        and FLOOR[_app(target)] > FLOOR[_app(module)]
        and not target.startswith(PURE_PACKAGES)
    ]
    assert upward == []


def test_the_project_package_imports_apps_only_where_it_assembles_them():
    reaching_up = [f"{module} -> {target}" for module, targets in GRAPH.items()
                   if _app(module) == "wsa" and not module.startswith(ASSEMBLERS)
                   for target in targets if _app(target) in FLOOR]
    assert reaching_up == []


@pytest.mark.parametrize("package", ["applications.rules", "documents.checks"])
def test_pure_packages_import_no_orm_and_no_app(package):
    offending = []
    for module, path in MODULES.items():
        if not module.startswith(package):
            continue
        source = path.read_text(encoding="utf-8")
        if "django.db" in source:
            offending.append(f"{module}: django.db")
        offending += [f"{module} -> {target}" for target in GRAPH[module] if not target.startswith(package)]
    assert offending == []


def test_no_module_is_over_800_lines():
    long = {module: lines for module, path in MODULES.items()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_project_imports_sit_at_module_level():
    inside = [f"{module} -> {target}" for module, path in MODULES.items()
              for target, in_function in _imports(module, path) if in_function]
    assert len(inside) < MAX_IMPORTS_INSIDE_FUNCTIONS, "\n".join(inside)
