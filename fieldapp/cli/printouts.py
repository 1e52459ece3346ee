"""``fieldapp print …`` (consent forms, visit records, letters, the ledger) and ``fieldapp verify-letter``.

Reads interchange visit files (docs/interchange.md) and writes one PDF (or .xlsx for the
ledger). The signing key is a file the operator names; serial numbers start at
``--first-seq`` (the app keeps its counters in the vault). Errors become plain messages here.
"""

from __future__ import annotations

import sys
from pathlib import Path

LETTER_KINDS = ("visit_result", "review", "referral", "change")


def _common(p) -> None:
    p.add_argument("files", nargs="*", metavar="FILE.json", help="走访记录文件（交换格式）/ visit files (interchange JSON)")
    p.add_argument("--household", action="append", metavar="ID",
                   help="打印本机数据库中这一户（可重复；用县里发布的模板、参考数据和本机的签名密钥、文号）/ a household "
                        "of the vault (repeatable), printed as the app prints it")
    p.add_argument("--user", help="解锁数据库的本地用户（与 --household 一起用）/ local user (with --household)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="输出文件 / output file")
    p.add_argument("--signing-key", metavar="KEY",
                   help="签名私钥文件（Ed25519，PEM 或 base64；打印文件时必需）/ Ed25519 private key file for the QR code "
                        "(needed with FILE.json)")
    p.add_argument("--templates", metavar="YAML", help="告知书模板（默认演示模板）/ letter templates (default: demo)")
    p.add_argument("--reference", metavar="REF", help="参考数据文件（默认演示数据）/ reference data (default: demo)")
    p.add_argument("--font", metavar="TTF", help="中文字体文件（.ttf/.ttc[#N]）/ CJK TrueType font (default: search order)")
    p.add_argument("--issue-date", metavar="YYYY-MM-DD", help="落款日期（默认今天）/ issue date (default today)")
    p.add_argument("--first-seq", type=int, default=1, metavar="N", help="文号起始序号 / first serial sequence number")


def register(subparsers) -> None:
    """Add ``print`` (with consent, visit-record, letter, ledger, keygen) and ``verify-letter``."""
    p = subparsers.add_parser("print", help="打印授权书、入户调查记录、告知书、工作台账 / print documents",
                              description="从走访记录文件生成 PDF（台账也可生成 .xlsx）。Make PDFs (or the ledger .xlsx) from visit files.")
    sub = p.add_subparsers(dest="document", metavar="DOCUMENT", required=True)

    c = sub.add_parser("consent", help="家庭经济状况核对授权书 / consent forms")
    _common(c)
    c.add_argument("--copies", type=int, choices=(1, 3), default=1, help="一式几份 / copies (1 or 3)")
    c.add_argument("--assistance", metavar="TEXT", help="申请的救助项目 / the assistance applied for")
    c.set_defaults(handler=run_print, document="consent")

    v = sub.add_parser("visit-record", help="入户调查记录 / visit records")
    _common(v)
    v.set_defaults(handler=run_print, document="visit-record")

    l = sub.add_parser("letter", help="告知书 / notification letters")
    _common(l)
    l.add_argument("--kind", required=True, choices=LETTER_KINDS, help="告知书种类 / letter kind")
    l.add_argument("--due-date", metavar="YYYY-MM-DD", help="复核截止日期（默认按规则 R7）/ review due date (default: R7)")
    l.add_argument("--change", nargs=3, action="append", metavar=("ITEM", "BEFORE", "AFTER"),
                   help="变更事项（可重复）/ a changed item (repeatable)")
    l.add_argument("--effective-date", metavar="YYYY-MM-DD", help="变更生效日期 / date the change takes effect")
    l.set_defaults(handler=run_print, document="letter")

    g = sub.add_parser("ledger", help="工作台账（.xlsx 或 .pdf）/ the ledger (.xlsx or .pdf)")
    _common(g)
    g.add_argument("--group-by", choices=("village", "township"), default="village", help="按村或乡镇分表 / group by")
    g.set_defaults(handler=run_print, document="ledger")

    k = sub.add_parser("keygen", help="生成签名密钥对（演示/测试用）/ make an Ed25519 key pair (PEM)")
    k.add_argument("private", metavar="PRIVATE.pem")
    k.add_argument("public", metavar="PUBLIC.pem")
    k.set_defaults(handler=run_keygen)

    verify = subparsers.add_parser(
        "verify-letter", help="核验文书二维码真伪 / check a document's QR code",
        description="核验扫描或粘贴的文书二维码内容是否由受信任的密钥签发。Check that a scanned/pasted code was signed by a trusted key. "
                    "Exit 0 genuine, 1 not genuine, 2 unusable input.")
    verify.add_argument("code", nargs="?", default="-", help="二维码文字，- 或省略表示从标准输入读取 / code text, - for stdin")
    source = verify.add_mutually_exclusive_group()
    source.add_argument("--image", metavar="PNG/JPG", help="从扫描图片中读取二维码 / read the code(s) from a scanned image")
    source.add_argument("--pdf", metavar="PDF", help="从 PDF 文件中读取所有二维码 / read every code from a PDF")
    verify.add_argument("--public-key", action="append", required=True, metavar="FILE",
                        help="受信任的公钥文件（PEM 或每行一个 base64），可重复 / trusted public key file(s)")
    verify.set_defaults(handler=run_verify)


def _error(exc):
    from fieldapp.cli import CliError

    return CliError(getattr(exc, "message_zh", None) or str(exc), exit_code=2)


def _context(args):
    from printouts import MemoryCounter, PrintContext, load_templates
    from printouts.keys import read_private_key

    from forms import load_reference

    from fieldapp.cli.forms import demo_notice

    kwargs = {}
    if args.issue_date:
        kwargs["issue_date"] = args.issue_date
    defaulted = [opt for opt, given in (("--templates", args.templates), ("--reference", args.reference)) if not given]
    if defaulted:
        demo_notice(*defaulted)
    return PrintContext(signing_key=read_private_key(args.signing_key), templates=load_templates(args.templates),
                        reference=load_reference(args.reference), counter=MemoryCounter(args.first_seq),
                        font_path=args.font, **kwargs)


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr)


def run_print(args) -> int:
    """Render the requested documents for every visit file into one output file."""
    import printouts
    from forms import interchange
    from forms.errors import FormsError
    from printouts.errors import PrintoutError

    from fieldapp.cli import CliError

    if args.household:
        if args.files:
            raise CliError("--household 与走访记录文件不能同时使用 (give FILE.json or --household, not both)")
        return _print_households(args)
    if not args.files or not args.signing_key:
        raise CliError("请给出走访记录文件和 --signing-key，或用 --household 指定本机的户 "
                       "(give FILE.json with --signing-key, or --household ID)")
    try:
        visits = [interchange.read_visit_file(f) for f in args.files]
        ctx = _context(args)
        out = Path(args.output)
        if args.document == "consent":
            result = printouts.print_consent(visits, ctx, out, copies=args.copies, assistance=args.assistance,
                                             progress=_progress)
        elif args.document == "visit-record":
            result = printouts.print_visit_records(visits, ctx, out, progress=_progress)
        elif args.document == "letter":
            changes = [printouts.Change(*c) for c in args.change or []]
            requests = [printouts.LetterRequest(v, due_date=args.due_date, changes=changes,
                                                effective_date=args.effective_date) for v in visits]
            result = printouts.print_letters(args.kind, requests, ctx, out, progress=_progress)
        elif out.suffix.lower() == ".xlsx":
            exported = printouts.export_ledger_xlsx(visits, ctx, out, group_by=args.group_by)
            print(f"已生成 {exported.path}：{len(exported.groups)} 个工作表，{len(exported.household_ids)} 户")
            return 0
        else:
            result = printouts.print_ledger(visits, ctx, out, group_by=args.group_by, progress=_progress)
    except (PrintoutError, FormsError) as exc:
        raise _error(exc) from None
    print(f"已生成 {result.path}：{result.pages} 页，{len(result.documents)} 份")
    for d in result.documents:
        print(f"{d.doc_type}\t{d.serial}\t{d.household_id}\t{d.pages} 页")
    for household_id, reason in result.skipped:
        print(f"跳过\t{household_id}\t{reason}")
    return 0


_APP_KIND = {"consent": "consent", "visit-record": "visit_record"}


def _print_households(args) -> int:
    """Households of the vault, printed through the app's own pipeline (published templates, vault 文号)."""
    from fieldapp.cli.household import unlocked_services
    from fieldapp.errors import CODED_ERRORS
    from printouts.errors import PrintoutError

    svc = unlocked_services(args)
    try:
        out = Path(args.output)
        if args.document == "ledger":
            exported = svc.export_ledger(out, household_ids=args.household)
            print(f"已生成 {exported.path}：{len(exported.household_ids)} 户")
            return 0
        kind = args.kind if args.document == "letter" else _APP_KIND[args.document]
        result = svc.print_batch(kind, args.household, out).render
    except (PrintoutError, *CODED_ERRORS) as exc:  # templates missing, nothing to print, font missing …
        raise _error(exc) from None
    finally:
        svc.lock()
    print(f"已生成 {result.path}：{result.pages} 页，{len(result.documents)} 份")
    for d in result.documents:
        print(f"{d.doc_type}\t{d.serial}\t{d.household_id}\t{d.pages} 页")
    return 0


def run_keygen(args) -> int:
    """Write a new Ed25519 key pair as PEM files."""
    from printouts.keys import write_key_pair

    try:
        write_key_pair(args.private, args.public)
    except FileExistsError:
        from fieldapp.cli import CliError

        raise CliError(f"{args.private} 已存在，不会覆盖 / exists, not overwritten") from None
    print(f"已生成密钥对：{args.private}（私钥，妥善保管）{args.public}（公钥，可分发用于核验）")
    return 0


def run_verify(args) -> int:
    """Say clearly whether each code is genuine: exit 0 all genuine, 1 any not, 2 unusable input."""
    from fieldapp.cli import CliError
    from printouts import verify_code
    from printouts.errors import CodeFormatError, PrintoutError, SigningKeyError
    from printouts.keys import read_public_keys
    from printouts.scan import read_codes_from_image, read_codes_from_pdf

    try:
        keys = [k for path in args.public_key for k in read_public_keys(path)]
        if args.pdf or args.image:
            codes = read_codes_from_pdf(args.pdf) if args.pdf else read_codes_from_image(args.image)
            if not codes:
                raise CliError("没有在文件中找到本系统文书的二维码 / no document code found", exit_code=2)
        else:
            codes = [sys.stdin.read() if args.code == "-" else args.code]
    except SigningKeyError as exc:
        raise _error(exc) from None
    except PrintoutError as exc:
        raise _error(exc) from None
    bad = 0
    for code in codes:
        try:
            print(verify_code(code, keys).summary_zh())
        except CodeFormatError as exc:
            if len(codes) == 1:
                raise _error(exc) from None
            bad += 1
            print(f"不可信：{exc.message_zh}")
        except PrintoutError as exc:
            bad += 1
            print(f"不可信：{exc.message_zh}")
    if bad:
        raise CliError(f"核验未通过 / NOT genuine: {bad}/{len(codes)}", exit_code=1)
    return 0
