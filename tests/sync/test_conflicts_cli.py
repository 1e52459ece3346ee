"""``fieldapp-server conflicts`` prints conflicts at the grain people edit, through the real CLI.

Two laptops set the same member's health to different values: the admin sees the row and the
answer by their labels ("第 2 位成员 · 健康状况: 重病 / 健康"), both values, and who changed each
side when; ``--json`` still gives the records with their paths.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from sync.server.admin import add_area
from sync.server.storage import Scope, open_storage

ROOT = Path(__file__).resolve().parents[2]
COUNTY, TOWNSHIP, VILLAGE = "510123", "510123104", "510123104002"   # 松林县 (a real county's codes, not demo data)


def cli(db: str, *args: str) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "sync.server.cli", "--database", db, *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out


def test_conflicts_are_printed_by_row_and_answer_with_both_values_and_who_when(tmp_path):
    db = f"sqlite:///{tmp_path}/county.db"
    storage = open_storage(db)
    storage.migrate()
    for code, name in ((COUNTY, "松林县"), (TOWNSHIP, "青石镇"), (VILLAGE, "青石村")):
        add_area(storage, code, name)
    scope = Scope("visitor", TOWNSHIP, (VILLAGE,))
    hid, head, son = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())

    def change(base, fields, author, at):
        return {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                "village_code": VILLAGE, "base_revision": base, "fields": fields, "author": author, "at": at}

    members = [{"member_id": head, "name": "王德发", "relation": "head", "health": "healthy"},
               {"member_id": son, "name": "王小明", "relation": "child", "health": "healthy"}]
    storage.push(scope, "laptop-a", [change(0, {"address": "青石村五组 3 号", "members": members}, "走访员甲",
                                            "2026-05-10T02:00:00+00:00")], "2026-05-10T02:05:00+00:00")
    storage.push(scope, "laptop-a", [change(1, {f"members/{son}/health": "serious_illness"}, "走访员甲",
                                            "2026-05-11T03:00:00+00:00")], "2026-05-11T03:05:00+00:00")
    _, notices = storage.push(scope, "laptop-b", [change(1, {f"members/{son}/health": "healthy",
                                                             "address": "青石村五组 3 号"}, "走访员乙",
                                                         "2026-05-11T04:00:00+00:00")], "2026-05-11T04:05:00+00:00")
    storage.close()
    assert [n["kind"] for n in notices] == ["hard"]

    text = cli(db, "conflicts", "--status", "open").stdout
    assert "硬冲突" in text and "待处理" in text and hid in text and VILLAGE in text
    assert "第 2 位成员 · 健康状况: 重病 / 健康" in text        # the server's value first, then the laptop's
    assert "服务器一方: 走访员甲 2026-05-11T03:00:00+00:00" in text
    assert "设备一方: 走访员乙 2026-05-11T04:00:00+00:00" in text
    assert f"members/{son}" not in text                           # no raw paths for people to decode

    (record,) = json.loads(cli(db, "conflicts", "--status", "open", "--json").stdout)
    assert list(record["fields"]) == [f"members/{son}/health"]
    assert (record["fields"][f"members/{son}/health"]["server"], record["fields"][f"members/{son}/health"]["device"]) \
        == ("serious_illness", "healthy")
    assert cli(db, "conflicts", "--status", "resolved").stdout.strip() == "没有冲突记录"
