"""``fieldapp-server review …``: the county reviews visits of any township from the command line.

The same functions as the sync API and the web console (:mod:`sync.server.review`), acting as
the county (``county-admin``), limited to ``--area`` (a county or township code prefix).
"""

from __future__ import annotations



def _reviewer(args):
    from sync.server.review import county_reviewer

    return county_reviewer(args.area or "", args.reviewer)


def cmd_queue(args, storage, out):
    """Print the visits waiting for review with their suggestions and problems."""
    from sync.server.review import queue

    out(queue(storage, _reviewer(args), village_code=args.village, limit=args.limit))


def cmd_approve(args, storage, out):
    """Approve the given visits (or --all waiting in --village / --area)."""
    from sync.server.review import approve, queue

    ids = list(args.visit_ids)
    if args.all:
        ids += [q["visit_id"] for q in queue(storage, _reviewer(args), village_code=args.village, limit=1000, details=False)]
    result = approve(storage, _reviewer(args), ids)
    out(result)
    return 1 if result["skipped"] else 0


def cmd_return(args, storage, out):
    """Return one visit with a comment; --field ID=COMMENT names a field to fix."""
    from sync.server.review import return_visit

    fields = {}
    for item in args.field or []:
        name, _, text = item.partition("=")
        fields[name] = text
    out(return_visit(storage, _reviewer(args), args.visit_id, args.comment, fields))


def cmd_history(args, storage, out):
    """Print a visit's review state and every event."""
    from sync.server.review import history

    out(history(storage, _reviewer(args), args.visit_id))


def register(add) -> None:
    """Add the ``review`` command with its actions (``add(name, func, help)`` from :mod:`sync.server.cli`)."""
    sp = add("review", None, "review visits as the county: queue, approve, return with a comment, history")
    actions = sp.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    def action(name, func, help_):
        q = actions.add_parser(name, help=help_, description=help_)
        q.add_argument("--area", default="", help="county or township code prefix (default: every township)")
        q.add_argument("--reviewer", default="县民政局", help="the reviewer's name kept with each event")
        q.set_defaults(func=_run(func))
        return q

    q = action("queue", cmd_queue, "visits waiting for review (待审核) with suggestions and problems")
    q.add_argument("--village", help="only this 12-digit village")
    q.add_argument("--limit", type=int, default=500)
    q = action("approve", cmd_approve, "approve visits (审核通过); exit 1 if some were no longer waiting")
    q.add_argument("visit_ids", nargs="*", metavar="VISIT_ID")
    q.add_argument("--all", action="store_true", help="every visit waiting in --area / --village")
    q.add_argument("--village", help="with --all: only this 12-digit village")
    q = action("return", cmd_return, "return a visit to its visitor (退回) with a comment naming what to fix")
    q.add_argument("visit_id")
    q.add_argument("--comment", required=True, help="what to fix (required)")
    q.add_argument("--field", action="append", metavar="QUESTION=COMMENT", help="a comment shown next to one field")
    q = action("history", cmd_history, "a visit's review state and every review event")
    q.add_argument("visit_id")


def _run(func):
    def run(args):
        from sync.server.cli import _print, _storage

        return func(args, _storage(args), _print)
    return run


__all__ = ["register"]
