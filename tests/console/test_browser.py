"""The console in real Chromium: a county administrator and a township reviewer go through every page,
by keyboard where the main flows allow, with a screenshot of each (docs/screenshots/console-*.png)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.console.browser import VIEWPORT, chromium_or_skip, launch, shot
from tests.console.seed import HOSTILE_NAME, PASSPHRASE, TOWN_A, pid, seed_county
from tests.sync.conftest import RunningServer, make_storage


@pytest.fixture
def running(tmp_path, request):
    storage = make_storage("sqlite", tmp_path, request)
    ids = seed_county(storage)
    server = RunningServer(storage).start()
    yield server, ids
    server.stop()
    storage.close()


@pytest.fixture
def browser():
    sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def new_page(browser):
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    page.set_default_timeout(90_000)   # a sign-in runs Argon2id: on a loaded machine that takes a while
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors = []
    # script errors and CSP refusals; a 401 page after a wrong passphrase is not one
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text
            else None)
    return page, dialogs, errors


def sign_in_by_keyboard(page, url: str, name: str) -> None:
    page.goto(url + "/console/households")
    assert page.url.endswith("/console/login?next=/console/households")
    # the name field takes the focus when the page has loaded (autofocus): typing before then loses keys
    page.wait_for_function("document.activeElement && document.activeElement.name === 'name'")
    page.keyboard.type(name)
    assert page.input_value("input[name=name]") == name
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "passphrase"
    page.fill("input[name=passphrase]", PASSPHRASE)   # Chinese text is set directly, never typed
    with page.expect_navigation():                    # the login URL itself names /console/households (?next=)
        page.keyboard.press("Enter")
    assert urlparse(page.url).path == "/console/households", page.url


def test_a_county_administrator_runs_the_campaign_from_the_browser(running, browser):
    server, ids = running
    page, dialogs, errors = new_page(browser)
    page.goto(server.url + "/console/login")
    page.fill("input[name=name]", "county-admin")
    page.fill("input[name=passphrase]", "wrong passphrase")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error").inner_text() == "账号或口令不正确，或账号已停用。"
    shot(page, "login")
    sign_in_by_keyboard(page, server.url, "county-admin")

    # 走访户: search, open a household, show one full ID number
    page.fill("input[name=q]", "竹山路")
    with page.expect_navigation():   # the search is a form: wait for its answer before reading the page
        page.keyboard.press("Enter")
    assert "找到 1 户" in page.inner_text("main")
    shot(page, "households")
    page.click("text=张桂英")
    assert "320115********002" in page.inner_text("main") and pid("32011519540312002") not in page.content()
    page.locator("button", has_text="显示完整号码").first.click()
    assert pid("32011519540312002") in page.inner_text("main")
    shot(page, "household")

    # 同步冲突: the open conflict, resolved by keeping the device's value
    page.click("nav >> text=同步冲突")
    page.click("text=处理…")
    page.check("input[name=take_address][value=device]")
    shot(page, "conflict")
    page.click("text=保存处理结果")
    assert "没有待处理的冲突" in page.inner_text("main")

    # 参考数据: fill the form, check and preview, publish
    page.click("nav >> text=参考数据")
    page.fill("input[name=reference_id]", "江宁区2025")
    page.fill("input[name=hotline]", "025-12349")
    rows = page.locator("tbody tr")
    rows.nth(0).locator("input[name='county_code[]']").fill("320115")
    rows.nth(0).locator("input[name='effective_from[]']").fill("2025-07-01")
    rows.nth(0).locator("input[name='amount[]']").fill("1060.50")
    rows.nth(1).locator("input[name='county_code[]']").fill("320115")
    rows.nth(1).locator("select[name='area_type[]']").select_option("rural")
    rows.nth(1).locator("input[name='effective_from[]']").fill("2025-07-01")
    rows.nth(1).locator("select[name='period[]']").select_option("annual")
    rows.nth(1).locator("input[name='amount[]']").fill("10800")
    page.fill("input[name=savings_threshold_fen]", "50000")
    page.fill("input[name=utility_threshold_fen]", "600")
    shot(page, "reference")
    page.click("text=检查并预览")
    assert "检查通过" in page.inner_text("main") and "每人每月 1060.5 元" in page.inner_text("main")
    shot(page, "reference-preview")
    page.click("text=发布为第 1 版")
    assert "当前发布：第 1 版" in page.inner_text("main")

    # 台账: the county workbook
    page.click("nav >> text=台账")
    with page.expect_download() as download:
        page.click("text=下载台账")
    assert download.value.suggested_filename == "ledger-320115.xlsx"
    shot(page, "ledger")

    # 设备: an enrollment sheet, then revoking a device with its confirmation
    page.click("nav >> text=设备")
    page.select_option("select[name=role]", "office")
    page.select_option("select[name=township]", TOWN_A)
    page.fill("input[name=label]", "东山街道-经办-01")
    page.click("text=签发并打印登记单")
    code = page.locator(".code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code) and page.locator(".qr svg").count() == 1
    shot(page, "enrollment-sheet")
    from sync.client import SyncClient, enroll
    from sync.memstore import MemoryStore

    laptop = MemoryStore()   # the township office's laptop enrolls with the code from the sheet, then syncs
    enroll(laptop, server.url, code, label="东山街道-经办-01")
    SyncClient(laptop).sync()
    page.goto(server.url + "/console/devices")
    assert "东山街道-经办-01" in page.inner_text("main") and "从未同步" not in page.inner_text("main")
    shot(page, "devices")
    page.click("text=吊销…")
    page.check("input[name=confirm]")
    page.click("button.danger")
    assert "已吊销设备" in page.inner_text("main")
    assert server.storage.get_device(laptop.get_sync_state("device_id"))["revoked_at"]

    # 日志: the audit log and the read log
    page.click("nav >> text=日志")
    assert "show_id_number" in page.inner_text("main") and "device_revoke" in page.inner_text("main")
    shot(page, "logs")
    page.click("text=数据读取日志")
    shot(page, "reads")

    page.click("text=退出")
    assert page.url.endswith("/console/login")
    assert dialogs == [] and errors == []


def test_a_township_reviewer_sees_its_township_and_hostile_names_stay_text(running, browser):
    server, ids = running
    page, dialogs, errors = new_page(browser)
    sign_in_by_keyboard(page, server.url, "reviewer-b")
    page.fill("input[name=q]", "秣陵")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert HOSTILE_NAME in page.inner_text("main")   # shown as the text it is
    page.click(f"a[href='/console/households/{ids['hostile']}']")
    assert HOSTILE_NAME in page.inner_text("h2 + table")
    page.goto(server.url + f"/console/households/{ids['a1']}")   # a guessed URL of another township
    assert "没有找到该记录（或不在您的管辖范围内）" in page.inner_text("main") and "张桂英" not in page.content()
    shot(page, "outside-area")
    assert page.locator("nav >> text=日志").count() == 0
    assert dialogs == []   # no script from a name ever ran
    assert errors == []


def test_the_campaign_pages_roster_coverage_and_review_in_the_browser(running, browser, tmp_path, monkeypatch):
    pytest.importorskip("sync.server.roster_import", reason="the roster functions of issue 14")
    pytest.importorskip("sync.server.review", reason="the review functions of issue 15")
    from tests.console.test_campaign import roster_csv

    server, ids = running
    page, dialogs, errors = new_page(browser)
    sign_in_by_keyboard(page, server.url, "county-admin")
    page.click("nav >> text=花名册")
    roster = tmp_path / "江宁区花名册.csv"
    roster.write_bytes(roster_csv())
    page.set_input_files("input[name=file]", str(roster))
    page.fill("input[name=campaign]", "2026年四个摸清专项行动")
    page.fill("input[name=start]", "2026-04-01")
    with page.expect_navigation():   # a form post: read and photograph the answer, not the page it leaves
        page.click("button:has-text(\"试导入\")")
    assert "拒收 1 行" in page.inner_text("main")
    shot(page, "roster-check")
    with page.expect_navigation():
        page.click("button:has-text(\"确认导入\")")
    shot(page, "roster")

    from tests.console.test_coverage_overdue import publish_reference

    publish_reference(server.storage, 30)   # the county's review deadline: 30 days (the seeded visits are older)
    page.click("nav >> text=覆盖情况")
    assert page.locator("svg.chart a").count() == 2
    assert page.locator("td.overdue").all_inner_texts() == ["2", "2"]   # 审核超期 per township
    assert "4（待审核超过 30 天）" in page.inner_text("dl.facts")
    shot(page, "coverage")
    page.locator("svg.chart a").first.click()            # click-through: township → its villages
    assert "东山社区" in page.inner_text("main")
    page.locator("svg.chart a").first.click()            # village → its households
    assert "户列表" in page.inner_text("main") and "周建华" in page.inner_text("main")
    shot(page, "coverage-village")
    from sync.server.console import pages_campaign

    monkeypatch.setattr(pages_campaign, "COVERAGE_PAGE", 1)   # the village's two households on two pages
    page.reload()
    assert "共 2 户，第 1 / 2 页" in page.inner_text("main")
    first = page.locator("table").last.inner_text()
    for _ in range(80):                                  # by keyboard: Tab to 下一页, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.rel") == "next":
            break
    assert page.evaluate("document.activeElement.textContent") == "下一页"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "第 2 / 2 页" in page.inner_text("main") and "area=" in page.url and "page=2" in page.url
    second = page.locator("table").last.inner_text()
    assert second != first and {"周建华", "张桂英"} <= set(re.findall(r"周建华|张桂英", first + second))
    assert page.locator("a[rel=next]").count() == 0 and page.locator("a[rel=prev]").count() == 2
    shot(page, "coverage-village-page2")

    page.click("text=退出")
    sign_in_by_keyboard(page, server.url, "reviewer-a")
    page.click("nav >> text=审核")
    assert "张桂英" in page.inner_text("main") and "陈秀兰" not in page.inner_text("main")
    shot(page, "review")
    page.focus("input[data-select-all]")                   # by keyboard: select all, then approve
    page.keyboard.press("Space")
    page.focus("button[form=bulk]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=已审核通过")
    assert "没有待审核的走访记录" in page.inner_text("main")
    assert dialogs == [] and errors == []
