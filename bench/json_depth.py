"""The JSON depth check at the server's door (issue 19): its CPU cost against parsing the same push body.

Every JSON body the server takes is checked for nesting before it is parsed
(:func:`sync.protocol.raw_json_depth_exceeds`). This bench builds a push of 1,000 visit-sized changes
(a full batch, members and needs nested as the form nests them), and times in the same run, in CPU
time: the depth check, and ``json.loads`` of the same bytes (what the server does anyway). Target: the
check costs at most a third of the parse.

    .venv/bin/python bench/json_depth.py            # 1,000 changes, 20 rounds
    .venv/bin/python bench/json_depth.py --quick    # 1,000 changes, 3 rounds
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.protocol import MAX_MESSAGE_DEPTH, raw_json_depth_exceeds  # noqa: E402


def push_body(changes: int) -> bytes:
    """A push of *changes* household changes shaped like real ones (members, needs with history)."""
    batch = []
    for i in range(changes):
        hid = str(uuid.uuid4())
        members = {str(uuid.uuid4()): {"name": f"王{i}号", "relation": "head", "id_number": "410523194001010011",
                                       "health": ["chronic"], "income_fen": 120000} for _ in range(3)}
        needs = {str(uuid.uuid4()): {"kind": "medical", "disposition": "referred",
                                     "history": [{"at": "2026-05-12", "by": "张三", "note": "已转介"}]}}
        batch.append({"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                      "village_code": "410523100001", "base_revision": 0,
                      "fields": {"address": "东村三组 12 号", "members": members, "needs": needs,
                                 "categories": ["dibao_a", "disabled_hardship"]},
                      "author": "张三", "at": "2026-05-12T06:30:00+00:00"})
    return json.dumps({"changes": batch}, ensure_ascii=False).encode("utf-8")


def cpu(fn, rounds: int) -> float:
    start = time.process_time()
    for _ in range(rounds):
        fn()
    return (time.process_time() - start) / rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 20")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 20
    body = push_body(1000)
    assert not raw_json_depth_exceeds(body, MAX_MESSAGE_DEPTH)
    check = cpu(lambda: raw_json_depth_exceeds(body, MAX_MESSAGE_DEPTH), rounds)
    parse = cpu(lambda: json.loads(body), rounds)
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    ratio = check / parse
    print(f"push body {len(body) / 1e6:.2f} MB: depth check {check * 1000:.1f} ms CPU, json.loads {parse * 1000:.1f} ms CPU")
    print(f"RESULT body_mb={len(body) / 1e6:.2f} check_ms_cpu={check * 1000:.1f} parse_ms_cpu={parse * 1000:.1f} "
          f"check_over_parse={ratio:.2f} target_max=0.33 ok={ratio <= 0.33} loadavg={load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
