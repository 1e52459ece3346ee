"""Coverage charts drawn on the server as SVG: one stacked bar per area, each bar a link to that area.

Plain markup (no script, no inline style: the page's CSP allows neither); colours come from
classes in console.css. Text is escaped here, since the SVG is placed into the page as markup.
"""

from __future__ import annotations

from html import escape

ROW_H, LABEL_W, BAR_W, RATE_W, TOP = 26, 190, 760, 150, 8


def coverage_bars(rows: list[dict]) -> str:
    """A horizontal stacked bar chart: per row visited / 无法入户 / 未走访 out of the targets.

    Each row: ``{"name", "href", "target", "visited", "unreachable_total", "not_visited", "rate_permille"}``.
    """
    height = TOP * 2 + ROW_H * max(len(rows), 1)
    width = LABEL_W + BAR_W + RATE_W
    top = max([r["target"] for r in rows] + [1])
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="覆盖情况图">']
    for i, r in enumerate(rows):
        y = TOP + i * ROW_H
        x = LABEL_W
        title = (f"{r['name']}：目标 {r['target']} 户，已走访 {r['visited']}，无法入户 {r['unreachable_total']}，"
                 f"未走访 {r['not_visited']}")
        parts.append(f'<a href="{escape(r["href"], quote=True)}" aria-label="{escape(title, quote=True)}">')
        parts.append(f"<title>{escape(title)}</title>")
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{escape(r["name"][:14])}</text>')
        for cls, value in (("visited", r["visited"]), ("closed", r["unreachable_total"]), ("open", r["not_visited"])):
            w = BAR_W * value / top
            if w > 0:
                parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}"/>')
            x += w
        rate = r["rate_permille"] / 10
        parts.append(f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 17}">{rate:.1f}%（{r["visited"] + r["unreachable_total"]}/{r["target"]}）</text>')
        parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)
