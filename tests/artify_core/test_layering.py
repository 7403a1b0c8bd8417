"""The shape of the code: the import-linter contracts of pyproject.toml ([tool.importlinter]), as
written and with every registry's ``"module:function"`` strings counted as imports.

A registry names its builders by string so that listing them imports nothing heavy; the string
is still a dependency, which neither Python's import machinery nor ``lint-imports`` sees. Here
each becomes an import of the module that defines the registry, and the contracts must hold.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import grimp
from importlinter import api  # noqa: F401 - configures import-linter's adapters
from importlinter.adapters.building import GraphBuilder
from importlinter.application import use_cases
from importlinter.application.app_config import settings

from artify_core.foundation.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def test_the_contracts_hold():
    """``lint-imports`` as CI and a developer run it."""
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    run = subprocess.run([sys.executable, "-c", command, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def registries() -> dict[str, Registry]:
    """``"module:NAME"`` → each registry assigned at module level in artify_core."""
    found = {}
    for path in sorted((ROOT / "artify_core").rglob("*.py")):
        source = path.read_text()
        if "Registry(" not in source:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.parse(source).body:
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            value = getattr(node, "value", None)
            if isinstance(target, ast.Name) and isinstance(value, ast.Call) \
                    and ast.unparse(value.func).endswith("Registry"):
                registry = getattr(importlib.import_module(module), target.id)
                assert isinstance(registry, Registry), f"{module}.{target.id}"
                found[f"{module}:{target.id}"] = registry
    return found


def registry_imports() -> set[tuple[str, str]]:
    """(module defining a registry, module a builder or an extra of it names): the imports the strings stand for."""
    edges = set()
    for where, registry in registries().items():
        module = where.partition(":")[0]
        for name in registry:
            entry = registry.entry(name)
            # A builder already used is resolved in place: its module is the one the string named.
            targets = [entry.target if isinstance(entry.target, str) else f"{entry.target.__module__}:"]
            targets += [v for v in entry.extras.values() if isinstance(v, str) and ":" in v]
            edges.update((module, target.partition(":")[0]) for target in targets)
    edges = {(a, b) for a, b in edges if a != b}  # a registry naming its own module imports nothing
    return edges


def test_every_registry_is_found():
    assert {"artify_core.models:MODELS", "artify_core.models.bases:BASE_MODELS",
            "artify_core.models.arbitrary.backends:BACKENDS", "artify_core.models.gatys.spec:BACKBONES",
            "artify_core.segmentation.masks:MASK_SOURCES", "artify_core.temporal.estimators:FLOW_ESTIMATORS",
            "artify_core.temporal.ops:FRAME_OPS", "artify_core.storage:STORES"} <= set(registries())


def test_every_registry_string_names_something_importable():
    for where, registry in registries().items():
        for name in registry:
            entry = registry.entry(name)
            for target in [entry.target, *entry.extras.values()]:
                if isinstance(target, str) and ":" in target:
                    module, _, attribute = target.partition(":")
                    assert hasattr(importlib.import_module(module), attribute), f"{where} {name!r}: {target}"


def test_no_registry_string_leads_back_to_its_registry():
    """A builder module that imports, at any depth, the module registering it is an import cycle."""
    graph = grimp.build_graph("artify_core", cache_dir=None)
    cycles = []
    for registry_module, target in sorted(registry_imports()):
        chain = graph.find_shortest_chain(importer=target, imported=registry_module, as_packages=False)
        if chain:
            cycles.append(f"{registry_module} registers {target}, which imports it back: {' -> '.join(chain)}")
    assert not cycles, "\n".join(cycles)


class WithRegistryStrings(GraphBuilder):
    """Grimp's graph plus an import for each registry string."""

    added: set[tuple[str, str]] = set()

    def build(self, root_package_names, cache_dir, include_external_packages=False,
              exclude_type_checking_imports=False):
        graph = super().build(root_package_names, None, include_external_packages, exclude_type_checking_imports)
        for importer, imported in registry_imports():
            graph.add_import(importer=importer, imported=imported)
            self.added.add((importer, imported))
        return graph


def test_the_contracts_hold_with_registry_strings_as_imports():
    plain, builder = settings.GRAPH_BUILDER, WithRegistryStrings()
    settings.configure(GRAPH_BUILDER=builder)
    try:
        kept = use_cases.lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)
    finally:
        settings.configure(GRAPH_BUILDER=plain)
    assert builder.added, "no registry string was added to the graph"
    assert kept, "a contract is broken once registry strings count as imports (report above)"
