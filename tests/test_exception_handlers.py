"""The product catches the errors it expects by name: no ``except Exception`` or bare ``except:`` outside the few
true boundaries listed here (file + function, each with its reason). A new broad handler fails this test; a
boundary that is no longer there fails it too, so the list stays true.

``except BaseException:`` that cleans up and re-raises is not counted (it hides nothing); one that does not re-raise
is counted like ``except Exception``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("fieldapp", "forms", "printouts", "sync")

# (file, function) -> why the handler must stay broad. Keep it short: only real boundaries.
ALLOWED = {
    ("fieldapp/vault/migrations.py", "migrate"):
        "any failure of a migration step, a bug too, becomes MigrationFailed (re-raised, cause chained, rolled back)",
    ("fieldapp/ui/main_window.py", "lock"):
        "the vault must lock even if one tab's draft cannot be written (logged by log_unexpected)",
    ("fieldapp/ui/main_window.py", "closeEvent"):
        "closing must lock the vault even if one tab's draft cannot be written (logged by log_unexpected)",
    ("fieldapp/ui/tasks.py", "run"):
        "the TaskRunner's pool thread hands every failure to the UI thread (on_error / the error dialog)",
    ("fieldapp/services_demo.py", "_run"):
        "the demo server's start-up thread hands its failure to whoever waits for the server (logged by type)",
}


def _broad(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    ids = {n.id for n in names if isinstance(n, ast.Name)}
    if "Exception" in ids:
        return True
    return "BaseException" in ids and not any(isinstance(n, ast.Raise) for n in ast.walk(handler))


def broad_handlers() -> list[tuple[str, str, int]]:
    """(file, enclosing function, line) of every broad handler in the product packages."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
            stack: list[str] = []

            def visit(node) -> None:
                named = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                if named:
                    stack.append(node.name)
                if isinstance(node, ast.ExceptHandler) and _broad(node):
                    found.append((rel, stack[-1] if stack else "<module>", node.lineno))
                for child in ast.iter_child_nodes(node):
                    visit(child)
                if named:
                    stack.pop()

            visit(tree)
    return found


def test_the_scanner_sees_a_broad_handler_and_a_bare_except():
    tree = ast.parse("try:\n    pass\nexcept (ValueError, Exception):\n    pass\ntry:\n    pass\nexcept:\n    pass\n"
                     "try:\n    pass\nexcept (KeyError, OSError):\n    pass\n"
                     "try:\n    pass\nexcept BaseException:\n    x = 1\n"
                     "try:\n    pass\nexcept BaseException:\n    x = 1\n    raise\n")
    handlers = sorted((n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)), key=lambda h: h.lineno)
    assert [_broad(h) for h in handlers] == [True, True, False, True, False]


def test_no_broad_exception_handler_outside_the_listed_boundaries():
    unlisted = [f"{f}:{line} in {fn}()" for f, fn, line in broad_handlers() if (f, fn) not in ALLOWED]
    assert not unlisted, "catch the expected errors by name (or list a true boundary with its reason):\n" + "\n".join(unlisted)


def test_every_listed_boundary_still_exists_and_says_why():
    present = {(f, fn) for f, fn, _line in broad_handlers()}
    assert set(ALLOWED) <= present, f"no longer broad, remove from the list: {sorted(set(ALLOWED) - present)}"
    assert all(len(reason) > 20 for reason in ALLOWED.values())
