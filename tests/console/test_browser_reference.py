"""审核期限 on the 参考数据 form in real Chromium for 松林县 (510123): a wrong value refused in Chinese with what was
typed kept, then 14 days previewed and published as the next version (docs/screenshots/console-reference-deadline.png)."""

from __future__ import annotations

from sync.server.console.store import ConsoleStore
from tests.console.browser import VIEWPORT, chromium_or_skip, launch, shot
from tests.console.seed import PASSPHRASE
from tests.console.songlin import seed_songlin
from tests.sync.conftest import RunningServer, make_storage


def test_the_county_sets_its_review_deadline_on_the_reference_form(tmp_path, request):
    sync_playwright = chromium_or_skip()
    storage = make_storage("sqlite", tmp_path, request)
    seed_songlin(storage)                      # version 1 of 松林县's reference data, without a review deadline
    server = RunningServer(storage).start()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
            page.set_default_timeout(90_000)
            page.goto(server.url + "/console/login?next=/console/reference")
            page.fill("input[name=name]", "songlin-admin")
            page.fill("input[name=passphrase]", PASSPHRASE)
            page.keyboard.press("Enter")
            page.wait_for_url(server.url + "/console/reference")
            field = page.locator("input[name=review_deadline_days]")
            assert field.input_value() == ""
            assert "留空表示不设期限" in page.inner_text("#review-deadline-help")

            field.fill("两周")                 # not a number of days
            with page.expect_navigation():
                page.click("button:has-text('检查并预览')")
            assert "审核期限（天）：“两周”应为 1 至 365 之间的整数天数；不设期限请留空" in page.inner_text("[role=alert]")
            assert page.locator("input[name=review_deadline_days]").input_value() == "两周"

            page.fill("input[name=review_deadline_days]", "14")
            page.locator("#review-deadline-help").evaluate("e => e.scrollIntoView({block: 'center'})")
            shot(page, "reference-deadline")
            with page.expect_navigation():
                page.click("button:has-text('检查并预览')")
            main = page.inner_text("main")
            assert "检查通过" in main and "审核期限 14 天" in main
            with page.expect_navigation():
                page.click("button:has-text('发布为第 2 版')")
            assert "当前发布：第 2 版" in page.inner_text("main")
            assert page.locator("input[name=review_deadline_days]").input_value() == "14"
            browser.close()
        latest = ConsoleStore(storage).latest_document("reference")
        assert latest["version"] == 2 and latest["content"]["review_deadline_days"] == 14
    finally:
        server.stop()
        storage.close()
