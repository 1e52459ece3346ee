"""``fieldapp review``: the township office reviews visits from a script; a visitor lists what came back.

The same services as the window (``services.reviews``); approvals and returns go to the county
server and are audited on this laptop.
"""

from __future__ import annotations

import json

from fieldapp.cli import CliError, add_user_arg


def _run(args, work) -> int:
    from fieldapp.cli.sync import _run as run_unlocked

    return run_unlocked(args, work)


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_returned(args) -> int:
    def work(services):
        for r in services.reviews.returned():
            fields = "；".join(f"{k}：{v}" for k, v in sorted(r.field_comments.items()))
            print(f"{r.household_id}  {r.visit_id}  退回意见：{r.comment}" + (f"（{fields}）" if fields else ""))
        return 0
    return _run(args, work)


def cmd_queue(args) -> int:
    def work(services):
        _print(services.reviews.queue(args.village))
        return 0
    return _run(args, work)


def cmd_approve(args) -> int:
    def work(services):
        ids = list(args.visit_ids)
        if args.all:
            ids += [q["visit_id"] for q in services.reviews.queue(args.village)]
        if not ids:
            raise CliError("没有要审核的走访 (nothing to approve)", exit_code=1)
        result = services.reviews.approve(ids)
        print(f"审核通过 (approved) {len(result['approved'])} 条，跳过 (skipped) {len(result['skipped'])} 条")
        return 1 if result["skipped"] else 0
    return _run(args, work)


def cmd_return(args) -> int:
    def work(services):
        fields = dict(item.partition("=")[::2] for item in args.field or [])
        event = services.reviews.return_visit(args.visit_id, args.comment, fields)
        print(f"已退回 (returned) {event['visit_id']}")
        return 0
    return _run(args, work)


def register(subparsers) -> None:
    """Add ``review returned | queue | approve | return``."""
    p = subparsers.add_parser("review", help="review visits (township office) or list returned visits (审核)")
    sub = p.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    q = sub.add_parser("returned", help="visits the township office returned to this laptop, with the comments")
    add_user_arg(q)
    q.set_defaults(handler=cmd_returned)
    q = sub.add_parser("queue", help="office laptops: visits waiting for review, with suggestions and problems")
    q.add_argument("--village", help="only this 12-digit village")
    add_user_arg(q)
    q.set_defaults(handler=cmd_queue)
    q = sub.add_parser("approve", help="office laptops: approve visits (exit 1 if some were no longer waiting)")
    q.add_argument("visit_ids", nargs="*", metavar="VISIT_ID")
    q.add_argument("--all", action="store_true", help="every visit waiting (in --village)")
    q.add_argument("--village", help="with --all: only this 12-digit village")
    add_user_arg(q)
    q.set_defaults(handler=cmd_approve)
    q = sub.add_parser("return", help="office laptops: return a visit with a comment naming what to fix")
    q.add_argument("visit_id")
    q.add_argument("--comment", required=True, help="what to fix (required)")
    q.add_argument("--field", action="append", metavar="QUESTION=COMMENT", help="a comment shown next to one field")
    add_user_arg(q)
    q.set_defaults(handler=cmd_return)
