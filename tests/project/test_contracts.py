"""The architecture contracts (import-linter, in ``make lint`` and CI) hold,
and they fire: an import from the spine into a programme breaks them."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT = Path(sys.executable).parent / "lint-imports"


def lint():
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_contracts_hold_and_fire_on_a_spine_to_programme_import():
    kept = lint()
    assert kept.returncode == 0, kept.stdout[-2000:]
    probe = ROOT / "workflows" / "core" / "contract_probe.py"
    probe.write_text(
        '"""A deliberate violation (test only)."""\n\n'
        "from workflows.dibao import models  # noqa: F401\n",
        encoding="utf-8",
    )
    try:
        broken = lint()
    finally:
        probe.unlink()
    assert broken.returncode != 0
    assert "workflows.core is not allowed to import workflows.dibao" in broken.stdout


def package_of(module):
    """``roles`` for every module of roles (one package: the foundation);
    ``workflows.core``, ``workflows.dibao`` … for the spine's and the
    programmes' packages; ``workflows`` for the app's own top modules."""
    parts = module.split(".")
    if parts[0] == "workflows" and len(parts) > 2:
        return ".".join(parts[:2])
    if parts[0] == "workflows" and len(parts) == 2:
        sub = ROOT / "workflows" / parts[1]
        return module if sub.is_dir() else "workflows"
    return parts[0]


def strongly_connected(graph, modules):
    """Tarjan's components of the import graph (imports inside functions
    count: grimp reads every import statement of a module)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = iter(range(10**9))

    def visit(root):
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = next(counter)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in modules:
                    continue
                if child not in index:
                    index[child] = low[child] = next(counter)
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child)
                    work.append((child, iter(sorted(imported))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    found.append(component)

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_spans_two_packages():
    import grimp

    graph = grimp.build_graph("project", "roles", "workflows")
    modules = {m for m in graph.modules if ".migrations" not in m}
    spanning = [
        sorted(c)
        for c in strongly_connected(graph, modules)
        if len({package_of(m) for m in c}) > 1
    ]
    assert spanning == [], spanning


def test_the_cycle_check_finds_a_cycle_across_packages():
    import grimp

    graph = grimp.build_graph("roles", "workflows")
    graph.add_import(importer="roles.scope", imported="workflows.core.selectors")
    modules = set(graph.modules)
    spanning = [
        c
        for c in strongly_connected(graph, modules)
        if len({package_of(m) for m in c}) > 1
    ]
    assert any({"roles.scope", "workflows.core.selectors"} <= c for c in spanning)
