"""The layer rules of docs/ARCHITECTURE.md, checked over the import graph (every ``import``
in every module of the packages, read with :mod:`ast`, also those inside functions):

* handlers -> services -> db: ``db`` imports nothing of the bot, the handlers or Telegram;
  handlers reach the database through services only (they may import the record types
  ``db`` returns, never the :class:`~db.Database` or a connection);
* services (``bot/`` without its transport edges) never import ``telegram`` or ``handlers``;
* services never import the :class:`~db.Database` or a connection: each declares the few
  queries it needs as a small ``Protocol`` (``QuizStore``, ``AlertStore``, ...), which the
  SQLite implementation satisfies (so a second backend is a drop-in); only the
  composition root ``bot.services`` names the whole ``Database``;
* ``fakeapi`` is its own package: it imports nothing of the bot;
* handlers never read the database through ``services.db``: every check and change is a
  service method (``handler_db_uses``);
* no import cycles among the modules imported at load time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "db", "fakeapi")

TRANSPORT_EDGES = {
    "bot.__main__",  # the command line: builds the application
    "bot.app",  # the application: PTB wiring, the clock tick job
    "bot.context",  # PTB's context type carrying the services
    "bot.flood",  # PTB's rate limiter hook
    "bot.outbox",  # the sender: calls the Bot API
    "bot.outbox_media",  # the sender's voice notes, QR pictures and edits
    "bot.polling",  # getUpdates and the update queue
    "bot.sending",  # the sender's rules: they read Telegram's errors
    "bot.webhook",  # the webhook endpoint and its inbox
}
"""The modules of ``bot/`` that talk to Telegram; everything else in ``bot/`` is a service
or a rule. (``bot.simulator`` drives the fake Bot API and is an edge too.)"""

COMPOSITION_ROOT = "bot.services"
"""The one service-side module that holds the whole ``Database`` (to hand it to each
service as the narrow store that service declares)."""

DATABASE_MODULES = ("db.Database", "db.base", "db.connection")
"""The database object and its connection: what only edges and the composition root see."""

HANDLER_DB_MODULES = {"db.models", "db.meetings", "db.attendance"}
"""What handlers may import from ``db``: the record types and constants services return."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(
    module: str, source: str, *, is_package: bool = False, load_time: bool = False
) -> Iterator[str]:
    """Every module ``source`` imports (``from a import b`` yields ``a`` and ``a.b``).
    ``load_time``: only imports run when the module is loaded (not in functions, not
    under ``if TYPE_CHECKING``)."""
    tree = ast.parse(source)
    nodes: Iterable[ast.AST]
    if load_time:
        nodes = [
            n
            for n in tree.body
            if isinstance(n, ast.Import | ast.ImportFrom)
            or (isinstance(n, ast.Try) and any(isinstance(b, ast.Import) for b in n.body))
        ]
    else:
        nodes = ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            if target == "__future__":
                continue
            yield target
            for alias in node.names:
                yield f"{target}.{alias.name}"


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def violations(module: str, imported: Iterable[str]) -> list[str]:
    """The layer rules ``module`` breaks by importing ``imported``."""
    found: list[str] = []
    for name in imported:
        if under(module, "db") and under(name, "bot", "handlers", "fakeapi", "telegram"):
            found.append(f"{module} (db) imports {name}")
        if under(module, "fakeapi") and under(name, "bot", "handlers", "db"):
            found.append(f"{module} (fakeapi) imports {name}")
        service = under(module, "bot") and not (
            module in TRANSPORT_EDGES or under(module, "bot.simulator")
        )
        if service and under(name, "telegram", "handlers", "fakeapi"):
            found.append(f"{module} (a service) imports {name}")
        if service and module != COMPOSITION_ROOT and under(name, *DATABASE_MODULES):
            found.append(f"{module} (a service) imports {name}: declare a store Protocol")
        if under(module, "handlers") and under(name, "db"):
            top = ".".join(name.split(".")[:2])
            if top not in HANDLER_DB_MODULES:
                found.append(f"{module} (a handler) imports {name}")
    return sorted(set(found))


def test_the_checker_sees_a_broken_rule() -> None:
    """The checks below can fail: each rule, broken on purpose, is reported."""
    source = "from telegram import Bot\nfrom handlers.registry import Call\nimport db\n"
    assert violations("bot.attendance.alerts", imports_of("bot.attendance.alerts", source))
    assert violations("db.outbox", imports_of("db.outbox", "from bot.schedule import x\n"))
    assert violations("fakeapi.core", imports_of("fakeapi.core", "from db import Database\n"))
    assert violations("handlers.groups", imports_of("handlers.groups", source))
    assert violations("handlers.groups", ["db.connection"])
    assert violations("bot.quiz", imports_of("bot.quiz", "from db import Database\n"))
    assert not violations("bot.quiz", ["db.models.Participant", "db.quiz"])
    assert not violations("bot.services", ["db.Database"])
    assert not violations("handlers.groups", ["db.models.Group", "bot.auth"])
    relative = imports_of("db.outbox", "from .base import x\n")
    assert "db.base" in set(relative)


def test_every_module_keeps_the_layer_rules() -> None:
    found: list[str] = []
    for module, path in modules().items():
        source = path.read_text(encoding="utf-8")
        imported = imports_of(module, source, is_package=path.name == "__init__.py")
        found += violations(module, imported)
    assert found == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk of ``graph`` meets, each as the path around it."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def handler_db_uses(module: str, source: str) -> list[str]:
    """``module:line`` of every ``<something>.db`` a handler reads (the services' database)."""
    return [
        f"{module}:{node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "db"
    ]


def test_the_handler_check_sees_a_database_call() -> None:
    source = "async def f(call):\n    await call.services.db.group(1)\n"
    assert handler_db_uses("handlers.x", source) == ["handlers.x:2"]
    assert handler_db_uses("handlers.x", "call.services.meetings.group(1)\n") == []


def test_handlers_talk_to_services_only() -> None:
    found: list[str] = []
    for module, path in modules().items():
        if under(module, "handlers"):
            found += handler_db_uses(module, path.read_text(encoding="utf-8"))
    assert found == []


def test_no_import_cycles_at_load_time() -> None:
    known = modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        source = path.read_text(encoding="utf-8")
        names = imports_of(module, source, is_package=path.name == "__init__.py", load_time=True)
        graph[module] = {n for n in names if n in known and n != module}
    # a package imports its own submodules to re-export them: not a cycle of layers
    for module in graph:
        graph[module] = {
            n for n in graph[module] if not (n.startswith(module + ".") and module in PACKAGES)
        }
    assert find_cycles(graph) == []


def test_test_modules_share_steps_through_the_support_package() -> None:
    """A test module imports helpers from ``tests/support/``, never from another test
    module (so a test file can move or go without breaking others)."""
    found = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        module = module_name(path)
        for name in imports_of(module, path.read_text(encoding="utf-8")):
            if under(name, "tests") and name.split(".")[1].startswith("test_"):
                found.append(f"{module} imports {name}")
    assert found == []
