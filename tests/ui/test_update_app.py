"""The county raised the minimum app version: the app says so in Chinese, keeps the visit, and downloads the
new package the server signed (REAL server on 127.0.0.1, real SQLCipher vault)."""

from __future__ import annotations

import uuid

import pytest

from sync.server import releases
from sync.server.storage import open_storage
from tests.sync.conftest import RunningServer, seed_areas
from tests.ui.test_sync_app import app_services, unlock_settled, visit

NOW = "2026-06-01T08:00:00+00:00"


@pytest.fixture
def server(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path}/server.db")
    storage.migrate()
    seed_areas(storage)
    running = RunningServer(storage, releases_dir=tmp_path / "releases").start()
    yield running
    running.stop()
    storage.close()


def test_too_old_app_is_told_where_to_get_the_new_version_and_downloads_it(services_factory, window_factory, qtbot,
                                                                              server, tmp_path, monkeypatch):
    package = tmp_path / "fieldapp_9.0.0_amd64.deb"
    package.write_bytes(b"!<arch>\n" + b"new fieldapp\n" * 20_000)
    releases.publish(server.storage, server.keys, tmp_path / "releases", package, "9.0.0", "deb-amd64", NOW)
    downloads = tmp_path / "Downloads"
    monkeypatch.setattr("fieldapp.ui.update_dialog.download_folder", lambda: downloads)   # the user's Downloads
    monkeypatch.setattr("fieldapp.syncing.this_platform", lambda: "deb-amd64")
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    releases.set_minimum(server.storage, "9.0.0", NOW)
    svc.save_visit(visit(str(uuid.uuid4())), final=False)
    pending = svc.vault.pending_count()

    with qtbot.waitSignal(w.syncer.failed, timeout=60000):
        w.status.sync_button.click()
    box = w.syncer.update_box
    qtbot.waitUntil(box.isVisible, timeout=10000)
    assert "低于县民政局要求的最低版本（9.0.0）" in box.text() and "走访数据仍安全保存在本机" in box.text()
    assert f"{server.url}/v1/app/download/fieldapp_9.0.0_amd64.deb" in box.text()
    assert svc.vault.pending_count() == pending

    next(b for b in box.buttons() if b.objectName() == "updateDownload").click()
    qtbot.waitUntil(lambda: getattr(w, "update_result", None) is not None and w.update_result.isVisible(), timeout=30000)
    assert "新版本 9.0.0 已下载并通过县服务器签名校验" in w.update_result.text()
    assert (downloads / "fieldapp_9.0.0_amd64.deb").read_bytes() == package.read_bytes()
