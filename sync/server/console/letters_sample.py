"""A sample of every 告知书 printed with a template document before it is published: the real printouts
code over the county's published reference data and a made-up household (marked 样例), as a PDF and as
PNG pages (pdftoppm) the preview page shows inline.

Nothing of it is kept: the 文号 come from a counter of this one preview, the QR codes are signed with a
key made for it.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from sync.server.console import errors
from forms.expressions import local_today

SAMPLE_HEAD = "样例户主"
PNG_DPI = 60
PDFTOPPM_SECONDS = 60


class PreviewUnavailable(errors.ConsoleError):
    """The sample letters could not be drawn (no reference data published, or pdftoppm missing)."""

    message_zh = "无法生成告知书样张。"


def _id_number(county: str) -> str:
    from forms.idnumber import check_char

    body = f"{county}19650412001"
    return body + check_char(body)


def sample_visit(village_code: str, area_type: str, township_name: str, village_name: str) -> dict:
    """A made-up household (样例) of *village_code* with one referred need, as an interchange visit."""
    visit_date = local_today().isoformat()
    head = {"member_id": str(uuid.uuid5(uuid.NAMESPACE_OID, "fieldapp-sample-head")), "name": SAMPLE_HEAD,
            "id_number": _id_number(village_code[:6]), "relation": "head", "health": "chronic",
            "labour_capacity": "partial", "marital_status": "married"}
    return {
        "format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
        "household_id": str(uuid.uuid5(uuid.NAMESPACE_OID, "fieldapp-sample-household")),
        "visit_id": str(uuid.uuid5(uuid.NAMESPACE_OID, "fieldapp-sample-visit")), "status": "final",
        "answers": {"visit_date": visit_date, "visit_time": "09:30", "visitors": ["样例走访员"], "village_code": village_code,
                    "area_type": area_type, "address": f"{township_name}{village_name}（样例地址）", "categories": [],
                    "members": [head], "incomes": [], "expenses": [],
                    "needs": [{"need_id": str(uuid.uuid5(uuid.NAMESPACE_OID, "fieldapp-sample-need")), "category": "medical",
                               "description": "（样例）医疗费用负担重。", "disposition": "referred",
                               "department": "medical_insurance", "referred_on": visit_date, "outcome": "", "history": []}]},
    }


def _sample_village(areas: list[dict]) -> tuple[str, str, str, str]:
    townships = {a["code"]: a["name"] for a in areas if a["level"] == "township"}
    for a in areas:
        if a["level"] == "village" and a["parent_code"] in townships:
            return a["code"], a["area_type"] or "rural", townships[a["parent_code"]], a["name"]
    raise PreviewUnavailable("no village registered")


def render_sample_pdf(templates_doc: dict, reference_doc: dict, areas: list[dict], out: Path) -> list[str]:
    """Write one letter of each kind with *templates_doc* to *out*; returns the kinds printed."""
    import printouts
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from forms.reference import reference_from_dict
    from printouts import Change, LetterRequest
    from printouts.documents.base import Document
    from printouts.documents.letters import build_letter
    from printouts.render import render_pdf
    from printouts.templates import parse_templates
    from printouts.visit import read_visit

    village, area_type, township_name, village_name = _sample_village(areas)
    ctx = printouts.PrintContext(signing_key=Ed25519PrivateKey.generate(), templates=parse_templates(templates_doc),
                                 reference=reference_from_dict(reference_doc, "reference (preview)"))
    visit = read_visit(sample_visit(village, area_type, township_name, village_name))
    today = local_today()
    suggestions = [{"rule": "R3", "code": "dibao_candidate"}, {"rule": "R12", "code": "approval_township"}]
    requests = {
        "visit_result": LetterRequest(visit, suggestions=suggestions),
        "review": LetterRequest(visit, due_date=(today + timedelta(days=30)).isoformat()),
        "referral": LetterRequest(visit),
        "change": LetterRequest(visit, changes=[Change("低保金（每月）", "600 元", "650 元")],
                                effective_date=(today + timedelta(days=10)).isoformat()),
    }
    docs: list[Document] = []
    for kind, req in requests.items():
        docs.append(build_letter(kind, visit, ctx, suggestions=req.suggestions or (), due_date=req.due_date,
                                 changes=req.changes, effective_date=req.effective_date))
    render_pdf(docs, out, ctx.styles.font, title="告知书样张")
    ctx.discard_serials()
    return list(requests)


def sample_pages(templates_doc: dict, reference_doc: dict | None, areas: list[dict]) -> tuple[bytes, list[str]]:
    """(the sample PDF, its pages as ``data:image/png;base64,…`` URIs)."""
    if reference_doc is None:
        raise PreviewUnavailable("请先在“参考数据”页发布本县的参考数据（机构名称、热线），告知书样张要用到它")
    from forms.errors import FormsError
    from printouts.errors import PrintoutError

    tool = shutil.which("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="fieldapp-letters-") as tmp:
        pdf = Path(tmp) / "sample.pdf"
        try:
            render_sample_pdf(templates_doc, reference_doc, areas, pdf)
        except (PrintoutError, FormsError) as exc:   # the printouts' and the forms' named errors carry the reason
            raise PreviewUnavailable(getattr(exc, "message_zh", None) or f"{type(exc).__name__}: {exc}"[:300]) from None
        body = pdf.read_bytes()
        if tool is None:
            raise PreviewUnavailable("服务器缺少 pdftoppm（apt-get install poppler-utils）")
        subprocess.run([tool, "-r", str(PNG_DPI), "-png", str(pdf), str(Path(tmp) / "page")], check=True,
                       timeout=PDFTOPPM_SECONDS, capture_output=True)
        pages = sorted(Path(tmp).glob("page*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        uris = ["data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii") for p in pages]
    return body, uris
