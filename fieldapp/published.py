"""What the county published, as this laptop uses it: reference data, letter templates, form versions.

The sync client keeps every pulled document in the vault's sync state as
``document/<kind>/<name>/v<version>`` and ``…/latest`` (docs/architecture.md). This module picks
the document the app, the CLI and the printouts use, so all three agree. The built-in demo
files are used only in demo mode; a laptop that has received nothing yet gets an empty
reference (the rules then say what is missing) and no letter templates (printing says so).
No Qt here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from forms.places import county_of, township_of
from fieldapp.errors import AppError

log = logging.getLogger(__name__)

DOCUMENT_PREFIX = "document/"


class TemplatesMissing(AppError):
    """Nothing to print with: the county's letter templates (文号 schemes, offices) have not reached this laptop."""

    message_zh = ("本机还没有县民政局发布的文书模板（告知书文字、文号规则、办理窗口地址和电话），无法打印。")
    hint_zh = "请联网同步以获取模板；同步后仍没有，请联系县民政局用 fieldapp-server publish templates 发布本县模板。"
    message_en = "The county's letter templates (wording, 文号 schemes, office addresses) have not reached this laptop."
    hint_en = "Sync to receive them; if they are still missing, ask the county office to publish them."

    def __init__(self):
        super().__init__("no published letter templates")


class PublishedDocumentInvalid(AppError):
    """A pulled document cannot be used (it was checked by the server, so this means a newer format)."""

    def __init__(self, kind: str, name: str, version: int, detail: str):
        super().__init__(f"published {kind} {name} v{version} unusable: {detail}")
        self.message_zh = f"县里发布的{_KIND_ZH.get(kind, kind)}“{name}”第 {version} 版在本机无法使用：{detail}"
        self.hint_zh = "请把本程序升级到县里要求的版本，或联系县民政局。"


_KIND_ZH = {"reference": "参考数据", "templates": "文书模板", "form": "表单"}


def documents(vault, kind: str) -> list[dict]:
    """The latest version of every published document of *kind*: {name, version, seq, content, published_at}."""
    out = []
    prefix = f"{DOCUMENT_PREFIX}{kind}/"
    for key in vault.sync_state_keys(prefix):
        if not key.endswith("/latest"):
            continue
        try:
            doc = json.loads(vault.get_sync_state(key) or "")
        except ValueError:
            log.warning("unreadable stored document %s", key)
            continue
        doc["name"] = key[len(prefix):-len("/latest")]
        out.append(doc)
    return out


def _newest(docs: list[dict], prefer=None) -> dict | None:
    """The most recently published document, those for which *prefer(doc)* holds first."""
    if not docs:
        return None
    return max(docs, key=lambda d: (bool(prefer(d)) if prefer else False, int(d.get("seq") or 0), int(d.get("version") or 0)))


def reference(vault, *, demo: bool = False, problems: list | None = None):
    """The reference data this laptop uses: the county's published document, the demo set in demo mode, else none.

    With several reference documents, the one giving standards for this laptop's county wins, then
    the most recently published. The result records the document's version (``Reference.version``).

    :param problems: when given, a document this version cannot read (a newer format) is skipped and its
        :class:`PublishedDocumentInvalid` appended here, so the laptop goes on with the next one (or none:
        the rules then say what is missing) instead of refusing to unlock, save or sync
    :raises PublishedDocumentInvalid: the chosen document cannot be read (only when *problems* is None)
    """
    from forms.errors import FormsError
    from forms.reference import Reference, load_reference, reference_from_dict

    county = (vault.get_sync_state("township_code") or "")[:6]

    def covers(doc):
        content = doc.get("content") or {}
        return any(str(s.get("county_code")) == county for s in content.get("dibao_standards") or [] if isinstance(s, dict))

    candidates = documents(vault, "reference")
    while candidates:
        doc = _newest(candidates, covers if county else None)
        candidates = [d for d in candidates if d is not doc]
        name, version = doc["name"], int(doc.get("version") or 0)
        try:
            ref = reference_from_dict(doc.get("content"), source=f"{name} v{version}")
        except FormsError as exc:
            problem = PublishedDocumentInvalid("reference", name, version, exc.message_zh)
            if problems is None:
                raise problem from None
            log.warning("published reference %s v%s unusable: %s", name, version, type(exc).__name__)
            problems.append(problem)
            continue
        return _with_areas(dataclasses.replace(ref, version=version), vault)
    return _with_areas(load_reference() if demo else Reference.none(), vault)


def _with_areas(ref, vault):
    """Add the places of the published ``areas`` documents (``areas import``) that the reference does not list,
    so their names show in lists, coverage and printouts (office names stay the reference data's)."""
    from forms.reference import County, Township, Village

    docs = documents(vault, "areas")
    if not docs:
        return ref
    villages = dict(ref._villages)
    counties = list(ref.counties)
    for doc in sorted(docs, key=lambda d: int(d.get("seq") or 0)):
        rows = [r for r in (doc.get("content") or {}).get("areas") or [] if isinstance(r, dict)]
        by_level = {lv: [r for r in rows if r.get("level") == lv] for lv in ("county", "township", "village")}
        for c in by_level["county"]:
            if any(x.code == c["code"] for x in counties):
                continue
            townships = []
            for t in (t for t in by_level["township"] if str(t["code"]).startswith(c["code"])):
                vs = tuple(Village(v["code"], str(v.get("name", "")), v.get("area_type") or "rural", t["code"], c["code"])
                           for v in by_level["village"] if str(v["code"]).startswith(t["code"]))
                townships.append(Township(t["code"], str(t.get("name", "")), "", vs))
            counties.append(County(c["code"], str(c.get("name", "")), "", tuple(townships)))
        for v in by_level["village"]:
            if v["code"] not in villages and v.get("area_type") in ("urban", "rural"):
                villages[v["code"]] = Village(v["code"], str(v.get("name", "")), v["area_type"], township_of(v["code"]), county_of(v["code"]))
    return dataclasses.replace(ref, counties=tuple(counties), _villages=villages)


def templates(vault, *, demo: bool = False):
    """The letter templates this laptop prints with (published, or the demo set in demo mode).

    :raises TemplatesMissing: nothing published has reached this laptop (and it is not the demo).
    """
    import printouts
    from printouts.errors import TemplateError
    from printouts.templates import parse_templates

    doc = _newest(documents(vault, "templates"))
    if doc is None:
        if demo:
            return printouts.load_templates()
        raise TemplatesMissing()
    try:
        return parse_templates(doc.get("content"))
    except TemplateError as exc:
        raise PublishedDocumentInvalid("templates", doc["name"], int(doc.get("version") or 0), str(exc)) from None


def forms_folder(vault, data_dir: Path, form_id: str, problems: list | None = None) -> Path | None:
    """A folder with the shipped form definitions plus the published versions of *form_id*, or None when none was published.

    The forms loader checks each published version against the earlier ones, as the server did.

    :param problems: when given, a published version this app cannot load (a newer format) is left out of the
        folder and its :class:`PublishedDocumentInvalid` appended here: the laptop goes on with the versions it can
        read instead of failing on every form it opens
    """
    import shutil

    from forms.errors import FormsError
    from forms.loader import DEFINITIONS_DIR, load_form

    published = [d for d in documents_all_versions(vault, "form") if d["name"] == form_id]
    if not published:
        return None
    folder = Path(data_dir) / "published-forms"
    folder.mkdir(parents=True, exist_ok=True)
    for shipped in DEFINITIONS_DIR.glob("*.yaml"):
        target = folder / shipped.name
        if not target.exists() or target.read_bytes() != shipped.read_bytes():
            shutil.copy(shipped, target)
    for d in published:
        content = d.get("content") or {}
        version = content.get("version")
        if not isinstance(version, int) or (DEFINITIONS_DIR / f"{form_id}.v{version}.yaml").exists():
            continue  # a shipped version is never replaced by a download
        target = folder / f"{form_id}.v{version}.yaml"
        text = json.dumps(content, ensure_ascii=False)  # JSON is YAML
        if not target.exists() or target.read_text("utf-8") != text:
            target.write_text(text, encoding="utf-8")
    if problems is not None:
        published_versions = sorted({d["content"]["version"] for d in published if isinstance((d.get("content") or {})
                                     .get("version"), int) and not (DEFINITIONS_DIR / f"{form_id}.v{d['content']['version']}.yaml").exists()})
        for version in published_versions:
            try:
                load_form(form_id, version, definitions_dir=folder)
            except FormsError as exc:
                log.warning("published form %s v%s unusable: %s", form_id, version, type(exc).__name__)
                (folder / f"{form_id}.v{version}.yaml").unlink(missing_ok=True)
                problems.append(PublishedDocumentInvalid("form", form_id, version, exc.message_zh))
    return folder


def documents_all_versions(vault, kind: str) -> list[dict]:
    """Every stored version of every published document of *kind* (not only the latest)."""
    out = []
    prefix = f"{DOCUMENT_PREFIX}{kind}/"
    for key in vault.sync_state_keys(prefix):
        if key.endswith("/latest"):
            continue
        try:
            doc = json.loads(vault.get_sync_state(key) or "")
        except ValueError:
            continue
        doc["name"] = key[len(prefix):].rsplit("/v", 1)[0]
        out.append(doc)
    return out


def area_names(vault) -> dict[str, str]:
    """Names of the county's areas from the published ``areas`` documents (``fieldapp-server areas import``)."""
    names: dict[str, str] = {}
    for doc in sorted(documents(vault, "areas"), key=lambda d: int(d.get("seq") or 0)):
        for row in (doc.get("content") or {}).get("areas") or []:
            if isinstance(row, dict) and isinstance(row.get("code"), str) and isinstance(row.get("name"), str):
                names[row["code"]] = row["name"]
    return names


def status(vault, *, demo: bool = False) -> dict:
    """What this laptop has received, for 工具 and the status bar: name and version of each kind, or None."""
    out = {}
    for kind in ("reference", "templates", "form", "areas"):
        doc = _newest(documents(vault, kind))
        out[kind] = None if doc is None else {"name": doc["name"], "version": doc.get("version"),
                                              "published_at": doc.get("published_at")}
    out["demo"] = demo
    return out
