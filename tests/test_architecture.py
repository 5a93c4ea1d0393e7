"""Imports run one way: schema and quantities → records and scoring → pipeline components →
corpus, batch, store, report, annotation, backbone and loading → commands. A module may import its own
layer or lower ones, never a higher one, and no two modules import each other (directly or
through others)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "relief_ner"

LAYERS = [
    ("schema", "quantity", "gazetteer", "divisions", "datelines", "extensions"),
    ("records", "scoring", "evaluate", "output"),
    ("pipeline",),
    ("corpus", "batch", "annotate", "backbone", "loading", "inference", "packaging", "store", "report"),
    ("commands", "cli", ""),
]


def _layer(module: str) -> int:
    first = module.split(".")[1] if "." in module else ""
    for i, names in enumerate(LAYERS):
        if first in names:
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _module_name(path: Path) -> str:
    parts = ("relief_ner",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            elif node.module and node.module.startswith("relief_ner"):
                names = [node.module]
            else:
                continue
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("relief_ner")]
        else:
            continue
        for name in names:
            yield _resolve(name), node.lineno


def _resolve(name: str) -> str:
    """The module a dotted import refers to (`relief_ner.corpus.gold_to_doc` → `relief_ner.corpus`)."""
    parts = name.split(".")
    while parts:
        candidate = PACKAGE.parent.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def _graph():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        graph[_module_name(path)] = {(t, line, path) for t, line in _imports(path)}
    return graph


def test_no_module_imports_a_higher_layer():
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
        for module, edges in _graph().items()
        for target, line, path in edges
        if _layer(target) > _layer(module)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = {m: {t for t, _, _ in edges if t != m and not m.startswith(t + ".")} for m, edges in _graph().items()}
    # a package's __init__ re-exporting its own modules is not a cycle
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_every_registered_function_has_an_entry_point_of_its_name():
    """spacy.load() of a saved pipeline finds relief_ner's functions through entry points
    alone (without `import relief_ner`) only if each is declared under its registered name."""
    import tomllib

    import relief_ner  # noqa: F401  (registers everything)
    import relief_ner.corpus  # noqa: F401  (the training readers)
    from spacy import registry

    declared = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]["entry-points"]
    for group, table in (
        ("spacy_architectures", registry.architectures),
        ("spacy_misc", registry.misc),
        ("spacy_readers", registry.readers),
        ("spacy_scorers", registry.scorers),
        ("spacy_factories", registry.factories),
    ):
        ours = {
            name for name, func in table.get_all().items() if getattr(func, "__module__", "").startswith("relief_ner")
        }
        assert ours <= set(declared.get(group, {})), (group, sorted(ours - set(declared.get(group, {}))))
