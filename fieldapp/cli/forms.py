"""``fieldapp validate`` and ``fieldapp assess``: check a visit file and print the rules' suggestions.

Both read an interchange-format visit (docs/interchange.md) from a file or ``-`` (stdin).
Library errors become plain messages here, at the edge (Chinese by default, ``--lang en``).
"""

from __future__ import annotations

import json
import sys

EXIT_PROBLEMS = 1  # validate: the visit has errors (or, with --strict, warnings)


def register(subparsers) -> None:
    """Add ``validate`` and ``assess`` to *subparsers*."""
    p = subparsers.add_parser(
        "validate", help="检查走访记录文件 / check a visit file (exit 0 when valid)",
        description="检查一条走访记录（JSON 交换格式）并列出所有问题。Check one visit (interchange JSON) and list every problem. "
                    "Exit code 0 when there is no error, 1 when there are errors, 2 when the file cannot be read.",
    )
    p.add_argument("file", metavar="FILE.json", help="走访记录文件，- 表示标准输入 / visit file, - for stdin")
    p.add_argument("--reference", metavar="REF", help="参考数据文件（默认演示数据）/ reference data file (default: demo set)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="输出语言 / message language (default zh)")
    p.add_argument("--strict", action="store_true", help="有警告也返回非零 / warnings also fail")
    p.add_argument("--json", action="store_true", help="以 JSON 输出问题列表 / print problems as JSON")
    p.set_defaults(handler=run_validate)

    a = subparsers.add_parser(
        "assess", help="按规则 R1–R12 评估走访记录 / run rules R1–R12 on a visit, print JSON",
        description="对一条走访记录运行规则 R1–R12，输出 JSON 评估结果（建议而非决定）。"
                    "Run rules R1–R12 on one visit and print the assessment as JSON (suggestions, not decisions).",
    )
    a.add_argument("file", metavar="FILE.json", nargs="?", help="走访记录文件，- 表示标准输入 / visit file, - for stdin")
    a.add_argument("--household", metavar="ID",
                   help="评估本机数据库中这一户的最近一次走访（用县里发布的参考数据）/ assess this household of the vault "
                        "with the reference data the app uses")
    a.add_argument("--user", help="解锁数据库的本地用户（与 --household 一起用）/ local user (with --household)")
    a.add_argument("--reference", metavar="REF", help="参考数据文件（默认演示数据）/ reference data file (default: demo set)")
    a.add_argument("--amount", metavar="YUAN", help="临时救助金额（元），用于 R8 / temporary-assistance amount in yuan (R8)")
    a.add_argument("--on-date", metavar="YYYY-MM-DD", help="按此日期取低保标准（默认走访日期）/ date for the standard (default: visit date)")
    a.add_argument("--lang", choices=("zh", "en"), default="zh", help="错误信息语言 / language of error messages")
    a.set_defaults(handler=run_assess)


def _fail(exc, lang: str):
    from fieldapp.cli import CliError

    message = exc.message(lang) if hasattr(exc, "message") else str(exc)
    details = getattr(exc, "problems", None)
    if details and lang == "en":
        message = str(exc)
    elif details:
        message += "\n" + "\n".join(f"  - {d}" for d in details)
    return CliError(message, exit_code=2)


def _load(args):
    from forms import interchange, load_reference
    from forms.errors import FormsError

    try:
        visit = interchange.read_visit_file(args.file)
        reference = load_reference(args.reference)
    except FormsError as exc:
        raise _fail(exc, args.lang) from None
    if args.reference is None:
        demo_notice("--reference")
    return visit, reference


def demo_notice(*options: str) -> None:
    """Say on stderr that a file-based command used the built-in demo set (never silently: its figures are not a county's)."""
    given = "、".join(options)
    print(f"注意：未指定 {given}，使用内置演示数据（不是本县的标准或模板）；本机数据库中的户请用 --household，"
          f"按县里发布的数据处理。/ note: no {given} given: the built-in demo set was used (not a county's); "
          "use --household for the vault's households", file=sys.stderr)


def run_validate(args) -> int:
    """Print every problem of the visit; exit 0 when valid."""
    from forms import validate

    visit, reference = _load(args)
    problems = validate(visit, reference=reference, lang=args.lang)
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        tag = {"error": ("错误", "error"), "warning": ("警告", "warning")}
        for p in problems:
            label = tag[p.severity][1 if args.lang == "en" else 0]
            print(f"{label}\t{p.path or '-'}\t{p.message(args.lang)}")
        warnings = len(problems) - len(errors)
        if args.lang == "en":
            summary = f"{len(errors)} error(s), {warnings} warning(s)" if problems else "valid: no problems"
        else:
            summary = f"共 {len(errors)} 个错误、{warnings} 个警告" if problems else "检查通过：没有发现问题"
        print(summary, file=sys.stderr if problems else sys.stdout)
    if errors or (args.strict and problems):
        return EXIT_PROBLEMS
    return 0


def run_assess(args) -> int:
    """Print the assessment (R1–R12) as JSON."""
    import datetime as dt

    from forms import assess, load_reference
    from forms.errors import FormsError
    from forms.money import yuan_to_fen

    from fieldapp.cli import CliError

    if args.household:
        from fieldapp.cli.household import latest_visit, unlocked_services

        svc = unlocked_services(args)
        visit = latest_visit(svc, args.household)
        reference = load_reference(args.reference) if args.reference else svc.reference()
    elif args.file is None:
        raise CliError("请给出走访记录文件，或用 --household 指定本机的一户 (give FILE.json or --household ID)")
    else:
        svc = None
        visit, reference = _load(args)
    try:
        amount = yuan_to_fen(args.amount) if args.amount is not None else None
    except FormsError as exc:
        raise _fail(exc, args.lang) from None
    on_date = None
    if args.on_date:
        try:
            on_date = dt.date.fromisoformat(args.on_date)
        except ValueError:
            raise CliError(f"--on-date: not a date YYYY-MM-DD: {args.on_date}" if args.lang == "en"
                           else f"--on-date 日期格式应为 YYYY-MM-DD：{args.on_date}") from None
    try:
        form = svc.form(visit.get("form_version")) if svc is not None else None
        result = assess(visit, reference, on_date=on_date, temp_amount_fen=amount, form=form)
    except FormsError as exc:
        raise _fail(exc, args.lang) from None
    finally:
        if svc is not None:
            svc.lock()
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    if result.standard_missing:  # never a silent blank: the income rules could not run
        print(result.standard_missing if args.lang != "en" else "no dibao standard in force: the income rules could not run",
              file=sys.stderr)
    return 0
