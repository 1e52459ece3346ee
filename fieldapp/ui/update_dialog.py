"""The county asks for a newer app: say so, and offer to download the package it signed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import QMessageBox


def _tr(text: str) -> str:
    return QCoreApplication.translate("UpdateDialog", text)


def download_folder() -> Path:
    """The user's Downloads folder (else their home)."""
    found = QStandardPaths.writableLocation(QStandardPaths.DownloadLocation)
    return Path(found) if found else Path.home()


def offer_update(window, exc) -> QMessageBox:
    """Show APP_VERSION_TOO_OLD with a 下载新版本 button that downloads and checks the package (non-blocking)."""
    from fieldapp.ui.errors import show_error, user_message

    box = QMessageBox(QMessageBox.Warning, _tr("需要更新软件"), user_message(exc)[0], QMessageBox.Close, window)
    box.setObjectName("updateBox")
    download = box.addButton(_tr("下载新版本"), QMessageBox.AcceptRole)
    download.setObjectName("updateDownload")

    def saved(result) -> None:
        path, release = result
        how = _tr("双击安装包即可安装；或在终端中运行：sudo apt install %1").replace("%1", str(path)) \
            if path.suffix == ".deb" else _tr("双击安装包即可安装。")
        done = QMessageBox(QMessageBox.Information, _tr("新版本已下载"),
                           _tr("新版本 %1 已下载并通过县服务器签名校验：\n%2\n\n%3\n安装后重新打开本程序即可同步，本机数据不受影响。")
                           .replace("%1", str(release["version"])).replace("%2", str(path)).replace("%3", how),
                           QMessageBox.Ok, window)
        done.setObjectName("updateDownloaded")
        done.open()
        window.update_result = done

    def start() -> None:
        window.runner.run(lambda: window.services.download_update(download_folder()), on_success=saved,
                          on_error=lambda e: show_error(window, e, _tr("下载没有完成")), progress_parent=window,
                          label=_tr("正在下载新版本…"))

    download.clicked.connect(start)
    box.open()
    return box
