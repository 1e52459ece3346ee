"""The coverage view (两个全覆盖): per village target vs visited, a bar chart, overdue reviews, open needs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from fieldapp.ui.labels import list_label

DISPOSITIONS = ("pending", "referred", "resolved_on_site", "resolved")


class CoverageChart(QWidget):
    """Horizontal bars per village: target (light) and visited (dark) drawn with QPainter."""

    village_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("coverageChart")
        self.villages: list = []
        self.setMinimumHeight(180)
        self._bar_rects: list[tuple[QRectF, str]] = []

    def set_villages(self, villages: list) -> None:
        """Villages as VillageCoverage items."""
        self.villages = list(villages)
        self.setMinimumHeight(40 + 26 * max(len(self.villages), 1))
        self.update()

    def paintEvent(self, _event):
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        fm = QFontMetrics(self.font())
        self._bar_rects = []
        if not self.villages:
            p.drawText(self.rect(), Qt.AlignCenter, self.tr("暂无数据"))
            return
        name_w = min(max(fm.horizontalAdvance(v.village_name or v.village_code) for v in self.villages) + 12, 200)
        top, row_h = 28, 26
        left = name_w + 8
        right = self.width() - 110
        width = max(right - left, 50)
        biggest = max(v.target for v in self.villages) or 1
        # Legend.
        p.fillRect(QRectF(left, 6, 14, 12), QColor("#c9d8ee"))
        p.drawText(int(left + 18), 17, self.tr("目标户数"))
        p.fillRect(QRectF(left + 110, 6, 14, 12), QColor("#2e6bb8"))
        p.drawText(int(left + 128), 17, self.tr("已走访"))
        for i, v in enumerate(self.villages):
            y = top + i * row_h
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(0, y, name_w, row_h - 6), Qt.AlignRight | Qt.AlignVCenter,
                       fm.elidedText(v.village_name or v.village_code, Qt.ElideRight, name_w))
            full = QRectF(left, y + 3, width * v.target / biggest, row_h - 12)
            done = QRectF(left, y + 3, width * v.visited / biggest, row_h - 12)
            p.fillRect(full, QColor("#c9d8ee"))
            p.fillRect(done, QColor("#2e6bb8"))
            pct = (100 * v.visited // v.target) if v.target else 0  # truncated like the progress bars
            p.setPen(QPen(self.palette().text().color()))
            p.drawText(QRectF(full.right() + 6, y, 110, row_h - 6), Qt.AlignLeft | Qt.AlignVCenter,
                       f"{v.visited}/{v.target}  {pct:.0f}%")
            self._bar_rects.append((QRectF(0, y, self.width(), row_h), v.village_code))
        p.end()

    def mousePressEvent(self, event):
        for rect, code in self._bar_rects:
            if rect.contains(event.position()):
                self.village_clicked.emit(code)
                return
        super().mousePressEvent(event)


class CoveragePage(QWidget):
    """Table + chart + needs summary; emits ``show_households(criteria)`` on click-through."""

    show_households = Signal(dict)

    COLS = ("village", "target", "visited", "progress", "drafts", "overdue", "open_needs", "unreachable", "discovered",
            "review_overdue", "review_submitted", "review_returned", "review_approved")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("coveragePage")
        self.report = None
        self.summary = QLabel(self, objectName="coverageSummary")
        f = self.summary.font()
        f.setPointSize(f.pointSize() + 3)
        f.setBold(True)
        self.summary.setFont(f)
        self.table = QTableWidget(0, len(self.COLS), self, objectName="coverageTable")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.cellClicked.connect(self._cell_clicked)
        self.chart = CoverageChart(self)
        self.chart.village_clicked.connect(lambda code: self.show_households.emit({"village_code": code}))
        self.needs_title = QLabel(self)
        self.needs_box = QVBoxLayout()
        self.need_buttons: dict[str, QPushButton] = {}
        for d in DISPOSITIONS:
            b = QPushButton(self, objectName=f"needs_{d}")
            b.setFlat(True)
            b.setStyleSheet("text-align: left; padding: 4px;")
            b.clicked.connect(lambda _c=False: self.show_households.emit({"open_needs_only": True}))
            self.need_buttons[d] = b
            self.needs_box.addWidget(b)
        self.hint = QLabel(self, wordWrap=True)
        self.hint.setStyleSheet("color: #555;")

        right = QVBoxLayout()
        right.addWidget(self.chart, 1)
        right.addWidget(self.needs_title)
        right.addLayout(self.needs_box)
        right_w = QWidget(self)
        right_w.setLayout(right)
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(right_w)
        split.setSizes([900, 440])   # 13 columns: the table needs the room, the chart scales
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        lay.addLayout(top)
        lay.addWidget(self.hint)
        lay.addWidget(split, 1)
        self.retranslate()

    def refresh(self, services, runner, rows=None) -> None:
        """Recompute the figures off the UI thread (from the list rows when given)."""
        runner.run(lambda: services.coverage(rows), on_success=self.set_report)

    def set_report(self, report) -> None:
        """Show a Coverage report (villages, needs by disposition)."""
        self.report = report
        villages = report.villages
        self.table.setRowCount(len(villages))
        for r, v in enumerate(villages):
            deadline = getattr(report, "review_deadline_days", None)   # without one nothing is 审核超期: "—"
            cells = [v.village_name or v.village_code, v.target, v.visited, None, v.drafts, v.overdue, v.open_needs,
                     v.unreachable, v.discovered, getattr(v, "review_overdue", 0) if deadline else "—",
                     getattr(v, "submitted", 0), getattr(v, "returned", 0), getattr(v, "approved", 0)]
            for c, value in enumerate(cells):
                if c == 3:
                    bar = QProgressBar(self.table)
                    bar.setRange(0, max(v.target, 1))
                    bar.setValue(v.visited)
                    bar.setFormat("%p%")
                    self.table.setCellWidget(r, c, bar)
                    continue
                item = QTableWidgetItem(str(value))
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if c in (1, 2, 5, 6) and value:
                    item.setForeground(QColor("#1a56a0"))
                    item.setToolTip(self.tr("点击查看这些户"))
                self.table.setItem(r, c, item)
        self.chart.set_villages(villages)
        self.retranslate()

    def _cell_clicked(self, row: int, col: int) -> None:
        if self.report is None:
            return
        code = self.report.villages[row].village_code
        criteria = {"village_code": code}
        name = self.COLS[col]
        if name == "visited":
            criteria["visit_status"] = "done"
        elif name == "drafts":
            criteria["visit_status"] = "draft"
        elif name == "overdue":
            criteria["review"] = "overdue"
        elif name == "open_needs":
            criteria["open_needs_only"] = True
        elif name == "unreachable":
            criteria["visit_status"] = "unreachable"
        self.show_households.emit(criteria)

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        headers = [self.tr("村（社区）"), self.tr("目标户数"), self.tr("已走访"), self.tr("进度"), self.tr("草稿"),
                   self.tr("复核逾期"), self.tr("未解决需求"), self.tr("无法入户"), self.tr("主动发现"),
                   self.tr("审核超期"), self.tr("待审核"), self.tr("已退回"), self.tr("已审核通过")]
        self.table.setHorizontalHeaderLabels(headers)
        self.table.horizontalHeaderItem(5).setToolTip(self.tr("按复核计划已到期、尚未重新走访核实的户"))
        self.table.horizontalHeaderItem(9).setToolTip(self.tr("走访后待审核超过县参考数据规定审核期限的户（与县管理平台同一规则）"))
        self.needs_title.setText(self.tr("需求办理情况（点击查看有未解决需求的户）"))
        self.hint.setText(self.tr("两个全覆盖：每个目标户都要走访，每户情况都要摸清。点击数字可查看对应的户。"))
        r = self.report
        deadline = getattr(r, "review_deadline_days", None) if r is not None else None
        if deadline:
            self.hint.setText(self.hint.text() + self.tr("审核超期：待审核超过 %1 天（县参考数据规定的审核期限）。")
                              .replace("%1", str(deadline)))
        elif r is not None:
            self.hint.setText(self.hint.text() + self.tr("县参考数据未设定审核期限，不计审核超期。"))
        if r is None:
            self.summary.setText(self.tr("覆盖情况"))
        else:
            target = sum(v.target for v in r.villages)
            visited = sum(v.visited for v in r.villages)
            closed = sum(getattr(v, "unreachable", 0) for v in r.villages)
            pct = 100 * (visited + closed) / target if target else 0   # the headline rate (forms.coverage)
            if closed:
                self.summary.setText(self.tr("已走访 %1，无法入户 %4 / 目标 %2 户（%3%）").replace("%1", f"{visited:,}")
                                     .replace("%4", f"{closed:,}").replace("%2", f"{target:,}").replace("%3", f"{pct:.1f}"))
            else:
                self.summary.setText(self.tr("已走访 %1 / 目标 %2 户（%3%）").replace("%1", f"{visited:,}")
                                     .replace("%2", f"{target:,}").replace("%3", f"{pct:.1f}"))
        for d, b in self.need_buttons.items():
            n = r.needs_by_disposition.get(d, 0) if r is not None else 0
            b.setText(f"{list_label('disposition', d)}：{n}")
