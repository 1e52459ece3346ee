"""In-app preview of a generated PDF, page by page, then print it (Qt print support) or save it as PDF.

Pages are rendered with pdfium (``pypdfium2``) into images: on screen at preview size, and at
the printer's resolution when printing, painted onto a ``QPrinter`` page by page. Printing and
saving are audited through the services facade. The 文号 on a preview's pages are held, not
used: they are committed just before the pages go to the printer or into a file, so a preview
closed without printing uses no number.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea,
                               QVBoxLayout)

from fieldapp.ui.changes import Changes
from forms.expressions import local_today

log = logging.getLogger(__name__)
PREVIEW_DPI = 96
PRINT_DPI = 300


class PdfPages:
    """A PDF held in memory whose pages render to QImages (pdfium; UI thread only)."""

    def __init__(self, data: bytes):
        import pypdfium2

        self.data = data
        self._pdf = pypdfium2.PdfDocument(data)
        self._count = len(self._pdf)  # still known after close (a closed dialog may be retranslated)

    def __len__(self) -> int:
        return self._count

    def image(self, index: int, dpi: int = PREVIEW_DPI) -> QImage:
        """Page ``index`` (from 0) as an RGB image at ``dpi``."""
        page = self._pdf[index]
        try:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)  # RGB(A) byte order, as QImage expects
            pil = bitmap.to_pil().convert("RGB")
        finally:
            page.close()
        raw = pil.tobytes()
        return QImage(raw, pil.width, pil.height, 3 * pil.width, QImage.Format_RGB888).copy()

    def close(self) -> None:
        """Release pdfium's document (once)."""
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def documents_folder() -> Path:
    """The user's documents folder (where a save dialog opens), else the home folder."""
    from PySide6.QtCore import QStandardPaths

    found = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def suggested_file_name(*parts: str, day: str | None = None) -> str:
    """"刘建国户_入户调查记录_2026-12-01.pdf": what, whose and when, safe in any file system."""
    words = [_NOT_IN_NAMES.sub("", p).strip("._") for p in parts if p]
    return "_".join([w for w in words if w] + [day or local_today().isoformat()]) + ".pdf"


class PrintPreviewDialog(QDialog):
    """Shows page N of M with previous/next, and offers 打印… and 另存为 PDF…."""

    printed = Signal(int)  # pages sent to the printer
    saved = Signal(str)

    def __init__(self, data: bytes, services, kind: str, documents: int, parent=None, title: str = "",
                 held_serials=None, file_name: str = "", mutations=None):
        super().__init__(parent, objectName="printPreviewDialog")
        self.services, self.kind, self.documents, self.doc_title = services, kind, documents, title
        self.held_serials, self.mutations = held_serials, mutations
        self.file_name = file_name or suggested_file_name(title or kind)
        self.pages = PdfPages(data)
        self.page = 0
        self.resize(900, 720)
        lay = QVBoxLayout(self)
        self.scroll = QScrollArea(self)
        self.scroll.setAlignment(Qt.AlignHCenter)
        self.scroll.setWidgetResizable(False)
        self.image = QLabel(self.scroll, objectName="previewImage")
        self.scroll.setWidget(self.image)
        lay.addWidget(self.scroll, 1)
        row = QHBoxLayout()
        self.prev_button = QPushButton(self, objectName="previewPrev")
        self.next_button = QPushButton(self, objectName="previewNext")
        self.page_label = QLabel(self, objectName="previewPage")
        self.print_button = QPushButton(self, objectName="previewPrint")
        self.save_button = QPushButton(self, objectName="previewSave")
        self.close_button = QPushButton(self, objectName="previewClose")
        self.saved_label = QLabel(self, objectName="previewSaved", wordWrap=True)  # where the PDF went
        self.saved_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.saved_label.setStyleSheet("color: #1b7f3b;")
        self.saved_label.hide()
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.print_button.clicked.connect(lambda: self.print_pages())
        self.save_button.clicked.connect(lambda: self.save_pdf())
        self.close_button.clicked.connect(self.reject)
        for w in (self.prev_button, self.page_label, self.next_button):
            row.addWidget(w)
        row.addStretch(1)
        for w in (self.print_button, self.save_button, self.close_button):
            row.addWidget(w)
        lay.addLayout(row)
        lay.addWidget(self.saved_label)
        self.retranslate()
        self.show_page(0)

    def show_page(self, index: int) -> None:
        """Show page ``index`` (from 0)."""
        index = max(0, min(index, len(self.pages) - 1))
        self.page = index
        pix = QPixmap.fromImage(self.pages.image(index))
        self.image.setPixmap(pix)
        self.image.resize(pix.size())
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.pages) - 1)
        self._page_text()

    def _page_text(self) -> None:
        self.page_label.setText(self.tr("第 %1 页，共 %2 页").replace("%1", str(self.page + 1))
                                .replace("%2", str(len(self.pages))))

    def print_pages(self, printer=None) -> int | None:
        """Print every page (asks for the printer unless one is given); ``printed`` says how many.

        With 文号 held, they are committed first on the UI's writer (off the UI thread): the pages are
        printed when that lands, and None is returned now. Without, the pages printed are returned.
        """
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if printer is None:
            printer = QPrinter(QPrinter.HighResolution)
            printer.setDocName(self.doc_title or "fieldapp")
            dialog = QPrintDialog(printer, self)
            if dialog.exec() != QDialog.Accepted:
                return 0
        return self._with_serials(lambda: self._paint(printer))

    def _paint(self, printer) -> int:
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox(QMessageBox.Warning, self.tr("打印"), self.tr("无法连接打印机，请检查打印机后重试。"),
                        QMessageBox.Ok, self).open()
            return 0
        try:
            for i in range(len(self.pages)):
                if i:
                    printer.newPage()
                image = self.pages.image(i, PRINT_DPI)
                target = painter.viewport()  # the printable page in device pixels
                size = image.size().scaled(target.size(), Qt.KeepAspectRatio)
                painter.drawImage(QRect(target.x(), target.y(), size.width(), size.height()), image)
        finally:
            painter.end()
        self.services.audit_output(self.kind, "printer", len(self.pages), self.documents)
        self.printed.emit(len(self.pages))
        return len(self.pages)

    def save_pdf(self, path: str | None = None) -> str | None:
        """Save the PDF (asks where unless ``path`` is given); written atomically, audited; ``saved`` says where.

        With 文号 held, they are committed first on the UI's writer: the file is written when that
        lands, and None is returned now. Without, the path written is returned.
        """
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("保存为 PDF"), str(documents_folder() / self.file_name),
                                                  "PDF (*.pdf)")
            if not path:
                return None
        return self._with_serials(lambda: self._write(Path(path)))

    def _write(self, target: Path) -> str | None:
        tmp = target.with_name(target.name + ".part")
        try:
            tmp.write_bytes(self.pages.data)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            log.warning("PDF not saved: %s", type(exc).__name__)
            QMessageBox(QMessageBox.Warning, self.tr("保存失败"),
                        self.tr("无法保存文件，请换一个文件夹或检查 U 盘是否已插好。"), QMessageBox.Ok, self).open()
            return None
        self.services.audit_output(self.kind, "pdf", len(self.pages), self.documents)
        self.saved_label.setText(self.tr("已保存 %1 页到：%2").replace("%1", str(len(self.pages)))
                                 .replace("%2", str(target)))
        self.saved_label.show()
        self.saved.emit(str(target))
        return str(target)

    def _with_serials(self, then: Callable[[], Any]):
        """Commit the held 文号 before they leave the app, then ``then()``; a message if another job took them.

        The commit is a vault write: it runs on the main window's writer (``mutations``), so the UI keeps
        running while a sync holds the vault. Nothing held (or already committed): ``then()`` at once.
        """
        if not self.held_serials:
            return then()
        held = self.held_serials

        def work() -> Changes:
            self.services.commit_print_serials(held)
            return Changes()

        def done(_changes: Changes) -> None:
            self.held_serials = None   # committed: printing or saving again writes nothing more
            then()

        self.mutations.run(f"serials:{id(self)}", work, on_done=done, on_error=self._serials_refused)
        return None

    def _serials_refused(self, exc: BaseException) -> None:
        # SerialsTaken (another print used these numbers) or a vault error
        from fieldapp.ui.errors import show_error

        show_error(self, exc, self.tr("文号已被使用"))

    def done(self, result: int) -> None:
        self.pages.close()
        super().done(result)

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("打印预览") + (f" — {self.doc_title}" if self.doc_title else ""))
        self.prev_button.setText(self.tr("上一页"))
        self.next_button.setText(self.tr("下一页"))
        self.print_button.setText(self.tr("打印…"))
        self.save_button.setText(self.tr("另存为 PDF…"))
        self.close_button.setText(self.tr("关闭"))
        if hasattr(self, "page"):
            self._page_text()
