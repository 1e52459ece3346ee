"""告知书模板 on the console: edited as a form, checked field by field in Chinese, previewed as sample
letters printed by the real printouts code (PDF and PNG pages), published as a new version with the
old ones kept and viewable; only the county administrator previews and publishes. County: 松林县."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from printouts.templates import parse_templates
from sync.server.app import create_app
from sync.server.console.store import ConsoleStore
from tests import county
from tests.console.conftest import ConsoleClient
from tests.console.songlin import load_yaml, seed_songlin
from tests.pdftext import pdf_text
from tests.sync.conftest import make_storage


class FormFields(HTMLParser):
    """The fields a browser would post from the page's form with *action* (inputs, textareas, checked boxes)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields, self._textarea = action, False, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value") or ""])
        elif self.inside and tag == "textarea":
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_of(html: str, action: str = "/console/reference/templates/preview") -> list[list[str]]:
    parser = FormFields(action)
    parser.feed(html)
    assert parser.fields, "form not found"
    return parser.fields


def set_field(fields, name, value, nth=0):
    hits = [f for f in fields if f[0] == name]
    hits[nth][1] = value


def field(fields, name, nth=0):
    return [f for f in fields if f[0] == name][nth][1]


@pytest.fixture
def songlin(request, tmp_path):
    storage = make_storage("sqlite", tmp_path, request)
    seed_songlin(storage)
    yield storage
    storage.close()


def client(storage, name):
    c = ConsoleClient(create_app(storage))
    assert c.login(name).status_code == 303
    return c


def test_the_templates_are_edited_as_a_form_previewed_as_printed_letters_and_published_as_a_new_version(songlin):
    storage = songlin
    storage.publish_document("templates", "letters", load_yaml(county.TEMPLATES), "2026-05-01T00:00:00+00:00")
    admin = client(storage, "songlin-admin")
    page = admin.get("/console/reference/templates")
    assert page.status_code == 200 and "当前发布：第 1 版" in page.text
    fields = form_of(page.text)
    # the form shows the published document: offices per township, 文号, wording
    assert field(fields, "office_short[]", 1) == "城关" and field(fields, "office_code[]", 1) == county.CHENGGUAN
    assert field(fields, "serial_letter") == "{township_short}民政告〔{year}〕{seq:03d}号"
    assert "入户走访" in field(fields, "visit_result_body")
    assert field(fields, "appeal_review_body") == "松林县人民政府"

    set_field(fields, "office_short[]", "城关镇", 1)
    set_field(fields, "serial_letter", "{township_short}民告字〔{year}〕第{seq:04d}号")
    set_field(fields, "visit_result_body", "{visit_date}，松林县城关镇工作人员到您家走访。\n根据了解的情况，您家可申请下列救助：")
    set_field(fields, "appeal_review_days", "90")
    set_field(fields, "dep_name[]", "松林县医保局", [f[1] for f in fields if f[0] == "dep_code[]"].index("medical_insurance"))
    preview = admin.post("/console/reference/templates/preview", dict_of(fields))
    assert preview.status_code == 200, preview.text[:2000]
    assert "检查通过" in preview.text and "发布为第 2 版" in preview.text
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', preview.text)
    assert len(images) == 4        # one page per letter kind
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)

    # the same sample as a PDF: printed by printouts with the new wording and 文号 scheme
    document = re.search(r'name="document" value="([^"]+)"', preview.text).group(1)
    import html

    document = html.unescape(document)
    sample = admin.post("/console/reference/templates/sample", {"document": document})
    assert sample.status_code == 200 and sample.headers["content-type"] == "application/pdf"
    text = pdf_text(sample.content)
    assert "城关镇民告字〔" in text and "第0001号" in text
    assert "松林县城关镇工作人员到您家走访" in text.replace("\n", "")
    assert "样例户主" in text and "松林县医保局" in text
    assert "90日内" in text.replace("\n", "")      # the change letter's appeal route

    published = admin.post("/console/reference/publish", {"kind": "templates", "document": document})
    assert published.status_code == 303
    versions = [(d["kind"], d["name"], d["version"]) for d in storage.list_documents() if d["kind"] == "templates"]
    assert versions == [("templates", "letters", 1), ("templates", "letters", 2)]
    new = ConsoleStore(storage).latest_document("templates")["content"]
    parsed = parse_templates(new)
    assert parsed.offices[county.CHENGGUAN].short == "城关镇" and parsed.appeal_values["review_days"] == 90
    assert parsed.offices[county.SHIQIAO].short == "石桥"          # untouched entries are kept
    assert parsed.township_schemes[county.SHIQIAO]["letter"] == "石乡民告〔{year}〕{seq:03d}号"

    listing = admin.get("/console/reference")
    assert 'href="/console/reference/documents/templates/letters/1"' in listing.text
    old = admin.get("/console/reference/documents/templates/letters/1")
    assert old.status_code == 200 and "short: 城关\n" in html.unescape(old.text) and "民政告" in html.unescape(old.text)
    actions = [e["action"] for e in ConsoleStore(storage).audit_log(actor="songlin-admin")]
    assert {"templates_preview", "templates_sample", "document_publish", "document_view"} <= set(actions)


def dict_of(fields) -> dict:
    """The fields as the client posts them: repeated ``name[]`` fields as lists, in page order."""
    out: dict = {}
    for name, value in fields:
        if name.endswith("[]"):
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def test_every_field_is_checked_and_the_problems_are_shown_in_chinese_next_to_it(songlin):
    storage = songlin
    admin = client(storage, "songlin-admin")
    page = admin.get("/console/reference/templates")
    assert "尚未发布告知书模板" in page.text and "演示" not in page.text   # the first draft names this county
    fields = form_of(page.text)
    assert field(fields, "appeal_review_body") == "松林县人民政府"
    set_field(fields, "visit_result_body", "{户主}您好，请到{office_address}办理。")
    set_field(fields, "serial_consent", "松林核〔{year}〕号")
    set_field(fields, "appeal_review_days", "六十")
    set_field(fields, "office_short[]", "东街", 1)        # a township with a short name but no address or phone
    set_field(fields, "review_title", "")
    answer = admin.post("/console/reference/templates/preview", dict_of(fields))
    assert answer.status_code == 400
    text = answer.text
    assert "有 5 处需要修改" in text
    assert "入户走访结果及政策告知书正文：占位符 {户主} 只能是简单名称" in text or "未知占位符：{户主}" in text
    assert "授权书编号：必须含序号 {seq}" in text
    assert "申请复议期限（日）：应为 1–365 的整数" in text
    assert f"{county.CHENGGUAN}：请填写窗口地址、窗口电话，或三项都留空以使用默认" in text
    assert "复核告知书标题：不能为空" in text
    # what was typed stays in the form
    assert "{户主}您好" in text
    assert not storage.list_documents() or all(d["kind"] != "templates" for d in storage.list_documents())


def test_a_preview_without_published_reference_data_says_what_to_do(request, tmp_path):
    storage = make_storage("sqlite", tmp_path, request)
    seed_songlin(storage, reference=False)
    admin = client(storage, "songlin-admin")
    fields = form_of(admin.get("/console/reference/templates").text)
    answer = admin.post("/console/reference/templates/preview", dict_of(fields))
    assert answer.status_code == 400 and "请先在“参考数据”页发布本县的参考数据" in answer.text


def test_only_the_county_administrator_previews_and_publishes_templates(songlin):
    storage = songlin
    for name in ("songlin-viewer", "chengguan-reviewer"):
        c = client(storage, name)
        page = c.get("/console/reference/templates")
        assert page.status_code == 200 and ">检查并预览样张</button>" not in page.text
        fields = form_of(page.text)
        assert c.post("/console/reference/templates/preview", dict_of(fields)).status_code == 403
        assert c.post("/console/reference/templates/sample", {"document": "{}"}).status_code == 403
        assert c.post("/console/reference/publish", {"kind": "templates", "document": "{}"}).status_code == 403
    assert all(d["kind"] != "templates" for d in storage.list_documents())


