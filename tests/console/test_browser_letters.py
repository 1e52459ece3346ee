"""告知书模板 in real Chromium for 松林县 (510123): the county administrator edits the templates in the form,
sees a field problem in Chinese, previews the sample letters printed by the real printouts code,
publishes version 2 and opens version 1 again (docs/screenshots/console-reference-*.png)."""

from __future__ import annotations

import pytest

from tests import county
from tests.console.browser import VIEWPORT, chromium_or_skip, launch, shot
from tests.console.seed import PASSPHRASE
from tests.console.songlin import load_yaml, seed_songlin
from tests.sync.conftest import RunningServer, make_storage


@pytest.fixture
def running(tmp_path, request):
    storage = make_storage("sqlite", tmp_path, request)
    seed_songlin(storage)
    storage.publish_document("templates", "letters", load_yaml(county.TEMPLATES), "2026-05-01T00:00:00+00:00")
    server = RunningServer(storage).start()
    yield server
    server.stop()
    storage.close()


@pytest.fixture
def browser():
    sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def test_a_county_administrator_edits_previews_and_publishes_the_letter_templates(running, browser):
    server = running
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(90_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text
            else None)
    page.goto(server.url + "/console/login?next=/console/reference")
    page.fill("input[name=name]", "songlin-admin")
    page.fill("input[name=passphrase]", PASSPHRASE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/reference")
    page.click("text=编辑告知书模板")
    page.wait_for_url("**/console/reference/templates")
    assert page.input_value("input[name='office_short[]'] >> nth=1") == "城关"

    # a 文号 rule without its sequence number: refused, the reason next to the field
    page.fill("input[name=serial_letter]", "{township_short}民告字〔{year}〕号")
    page.click("button:has-text('检查并预览样张')")
    problem = page.locator("label:has(input[name=serial_letter]) + .field-error")
    assert problem.inner_text() == "告知书文号：必须含序号 {seq}（如 {seq:03d}）"
    problem.scroll_into_view_if_needed()
    shot(page, "reference-letters-problem")

    page.fill("input[name=serial_letter]", "{township_short}民告字〔{year}〕第{seq:04d}号")
    page.fill("input[name='office_short[]'] >> nth=1", "城关镇")
    page.fill("textarea[name=visit_result_body]", "{visit_date}，松林县城关镇工作人员到您家走访。根据了解的情况，您家可按下表申请救助：")
    page.fill("input[name=appeal_review_days]", "90")
    page.locator("fieldset", has_text="入户走访结果及政策告知书").first.scroll_into_view_if_needed()
    shot(page, "reference-letters")
    page.click("button:has-text('检查并预览样张')")
    assert "检查通过" in page.inner_text("main")
    images = page.locator("img.sample-page")
    assert images.count() == 4
    assert all(images.nth(i).evaluate("img => img.complete && img.naturalWidth > 300") for i in range(4))
    images.first.scroll_into_view_if_needed()
    shot(page, "reference-letters-preview")
    with page.expect_download() as download:
        page.click("text=下载样张 PDF")
    assert download.value.suggested_filename == "letters-sample.pdf"
    page.click("text=发布为第 2 版")
    page.wait_for_url("**/console/reference?published=2")
    assert "告知书模板\n\n当前发布：第 2 版" in page.inner_text("main")
    page.locator("h2", has_text="已发布的版本").scroll_into_view_if_needed()
    versions = page.locator("table", has_text="发布时间").last.inner_text()
    assert "告知书模板\tletters\t第 1 版" in versions and "告知书模板\tletters\t第 2 版" in versions
    shot(page, "reference-versions")
    page.click("a[href='/console/reference/documents/templates/letters/1']")
    assert "民政告〔{year}〕{seq:03d}号" in page.inner_text("pre.document")
    assert errors == []
