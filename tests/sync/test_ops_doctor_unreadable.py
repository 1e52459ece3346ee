"""``fieldapp-server doctor`` names a database it cannot read (by the drivers' errors) instead of crashing."""

from __future__ import annotations

from sync.server import ops


def test_a_file_that_is_not_a_database_and_an_unknown_scheme_are_reported(tmp_path):
    garbage = tmp_path / "county.db"
    garbage.write_bytes(b"not a database at all " * 200)
    garbage.chmod(0o600)
    for url in (f"sqlite:///{garbage}", "mysql://127.0.0.1/county"):
        found = {f.check: f for f in ops.doctor(url)}
        assert found["数据库"].status == "fail" and "无法打开数据库" in found["数据库"].message_zh, url
