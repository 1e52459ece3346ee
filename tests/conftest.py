"""The whole suite: the slowest modules are collected first, so the two xdist workers end together.

`scripts/test` runs `--dist worksteal`: each worker starts with half of the collection and, when its
half is done, takes half of what the other still has queued. A 30-second SIGKILL run collected near the
end of a half is then the last thing running while the other worker idles. Collected first, the slow
modules run at the start and the tail is made of short tests that can be shared out. A stable sort:
tests keep their order within a module (module-scoped servers are built once), and no test's meaning
depends on the order. The list is from the CI durations (`--durations=30` in scripts/test).
"""

from __future__ import annotations

SLOW_FIRST = (
    "tests/field/test_kills.py",
    "tests/vault/test_vault_crash.py",
    "tests/sync/test_faults.py",
    "tests/sync/test_openapi_fuzz.py",
    "tests/ui/test_cli_app_parity_more.py",
    "tests/sync/test_vault_sync.py",
    "tests/field/test_fieldday.py",
    "tests/field/test_load.py",
    "tests/forms/test_robustness.py",
    "tests/sync/test_server_cli_tls.py",
    "tests/field/test_real_county.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
