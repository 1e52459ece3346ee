"""Batch printing: every letter (or consent form…) of a village or of the filtered list, in ONE PDF.

The job runs off the UI thread with a progress bar and a cancel button (a cancelled job leaves
no file and uses no 文号); the result opens in the in-app preview, from where it is printed or
saved. Every job is audited by the services facade.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QRadioButton,
                               QVBoxLayout)

from fieldapp.services_print import BATCH_KINDS

_KIND_LABELS = {
    "visit_result": QT_TRANSLATE_NOOP("BatchPrint", "走访结果及政策告知书"),
    "review": QT_TRANSLATE_NOOP("BatchPrint", "复核告知书"),
    "referral": QT_TRANSLATE_NOOP("BatchPrint", "转介告知书"),
    "consent": QT_TRANSLATE_NOOP("BatchPrint", "家庭经济状况核对授权书"),
    "visit_record": QT_TRANSLATE_NOOP("BatchPrint", "入户调查记录"),
}


def kind_label(kind: str) -> str:
    """The Chinese (or translated) name of a batch document kind."""
    return QCoreApplication.translate("BatchPrint", _KIND_LABELS[kind])


class BatchPrintDialog(QDialog):
    """Choose what to print (document kind) and for whom (a village, or the households now in the list)."""

    def __init__(self, villages: list[tuple[str, str]], filtered_count: int, parent=None):
        super().__init__(parent, objectName="batchPrintDialog")
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox(self, objectName="batchKind")
        for kind in BATCH_KINDS:
            self.kind.addItem(kind_label(kind), kind)
        self.kind_label = QLabel(self)
        form.addRow(self.kind_label, self.kind)
        self.by_village = QRadioButton(self, objectName="batchByVillage")
        self.village = QComboBox(self, objectName="batchVillage")
        for code, name in villages:
            self.village.addItem(name or code, code)
        self.by_list = QRadioButton(self, objectName="batchByList")
        self.filtered_count = filtered_count
        group = QButtonGroup(self)
        group.addButton(self.by_village)
        group.addButton(self.by_list)
        self.by_village.setChecked(True)
        self.by_village.toggled.connect(self.village.setEnabled)
        form.addRow(self.by_village, self.village)
        form.addRow(self.by_list)
        lay.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.retranslate()

    def choice(self) -> tuple[str, str | None]:
        """(document kind, village code or None for the filtered list)."""
        return self.kind.currentData(), (self.village.currentData() if self.by_village.isChecked() else None)

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("批量打印"))
        self.kind_label.setText(self.tr("文书："))
        for i in range(self.kind.count()):
            self.kind.setItemText(i, kind_label(self.kind.itemData(i)))
        self.by_village.setText(self.tr("整个村："))
        self.by_list.setText(self.tr("当前列表中的 %1 户").replace("%1", str(self.filtered_count)))
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("生成"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))


class BatchPrintJob(QObject):
    """One batch: runs on the task runner with a cancellable progress dialog, then opens the preview."""

    finished = Signal(object)  # fieldapp.services_print.BatchResult
    failed = Signal(object)

    def __init__(self, window, kind: str, household_ids: list[str], out: str | None = None, preview: bool = True):
        super().__init__(window)
        self.window, self.kind, self.ids, self.out, self.preview = window, kind, list(household_ids), out, preview
        self.result = None
        self.preview_dialog = None
        services = window.services

        def work(progress):
            return services.print_batch(kind, self.ids, out, progress=lambda d, t: progress.report(d, t) or True)

        self.task = window.runner.run(
            work, pass_progress=True, progress_parent=window, show_after_ms=0,
            label=self.tr("正在生成 %1（%2 户）…").replace("%1", kind_label(kind)).replace("%2", str(len(self.ids))),
            on_success=self._done, on_error=self._failed)
        self.task.done.connect(self._ended)

    def cancel(self) -> None:
        """Stop the job (nothing is written)."""
        self.task.cancel()

    def _ended(self) -> None:
        if self.result is None and self.task.progress.cancelled:
            self.window.status.showMessage(self.tr("已取消打印，没有生成文件。"), 10000)

    def _done(self, result) -> None:
        self.result = result
        render = result.render
        text = self.tr("已生成 %1 份，共 %2 页。").replace("%1", str(len(render.documents))).replace("%2", str(render.pages))
        if result.without_visit or render.skipped:
            text += self.tr("有 %1 户没有可打印的内容，已跳过。").replace(
                "%1", str(result.without_visit + len(render.skipped)))
        self.window.status.showMessage(text, 15000)
        if self.preview:
            from fieldapp.ui.print_preview import PrintPreviewDialog

            data = render.data if render.data is not None else open(render.path, "rb").read()
            self.preview_dialog = PrintPreviewDialog(data, self.window.services, self.kind, len(render.documents),
                                                     self.window, title=kind_label(self.kind),
                                                     held_serials=render.held_serials,
                                                     mutations=self.window.mutations)
            self.preview_dialog.open()
        self.finished.emit(result)

    def _failed(self, exc) -> None:
        from fieldapp.ui.errors import show_error

        show_error(self.window, exc, self.tr("没有生成打印文件"))
        self.failed.emit(exc)
