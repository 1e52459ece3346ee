"""设备 in real Chromium for 松林县: each laptop's app version, those below the county's minimum in red
(docs/screenshots/console-devices-versions.png)."""

from __future__ import annotations

from sync.client import SyncClient, enroll
from sync.server import releases
from sync.server.admin import issue_enrollment_code
from sync.memstore import MemoryStore
from tests import county
from tests.console.browser import VIEWPORT, chromium_or_skip, launch, shot
from tests.console.seed import PASSPHRASE
from tests.console.songlin import seed_songlin
from tests.sync.conftest import RunningServer, make_storage


def test_the_devices_page_shows_each_laptops_version_and_marks_the_old_ones(tmp_path, request):
    sync_playwright = chromium_or_skip()
    storage = make_storage("sqlite", tmp_path, request)
    seed_songlin(storage)
    server = RunningServer(storage).start()
    try:
        for label, village, version in (("东街-01", county.DONGJIE, "0.9.7"), ("柏树-01", county.BAISHU, "1.2.0")):
            store = MemoryStore()
            code = issue_enrollment_code(storage, "visitor", county.CHENGGUAN, [village], 1.0, label=label)[0]
            enroll(store, server.url, code)
            with SyncClient(store, app_version=version) as client:
                client.sync()
        store = MemoryStore()
        enroll(store, server.url, issue_enrollment_code(storage, "office", county.SHIQIAO, [], 1.0, label="石桥-经办")[0])
        releases.set_minimum(storage, "1.0.0", "2026-06-01T08:00:00+00:00")
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
            page.set_default_timeout(90_000)
            page.goto(server.url + "/console/login?next=/console/devices")
            page.fill("input[name=name]", "songlin-admin")
            page.fill("input[name=passphrase]", PASSPHRASE)
            page.keyboard.press("Enter")
            page.wait_for_url(server.url + "/console/devices")
            rows = {r.locator("td").first.inner_text(): r for r in page.locator("tbody tr").all()}
            assert rows["东街-01"].locator("td.bad").inner_text() == "0.9.7（低于最低版本 1.0.0）"
            assert rows["柏树-01"].locator("td.bad").count() == 0 and "1.2.0" in rows["柏树-01"].inner_text()
            assert rows["石桥-经办"].locator("td.bad").inner_text() == "未知（低于最低版本 1.0.0）"
            assert "本县要求的最低软件版本：1.0.0" in page.inner_text("main")
            page.locator("h2", has_text="已登记的设备").scroll_into_view_if_needed()
            shot(page, "devices-versions")
            browser.close()
    finally:
        server.stop()
        storage.close()
