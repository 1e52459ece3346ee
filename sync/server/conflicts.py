"""Conflicts as people read them: which row and answer, both values, who and when.

A plain function for every place that shows a conflict (the office laptop, the web console, the
admin CLI): ``conflict_lines(conflict, record_fields)``. The labels come from the form definition.
"""

from __future__ import annotations

from forms.grain import describe_path, describe_value

__all__ = ["conflict_lines", "conflict_text"]

KIND_ZH = {"hard": "硬冲突", "soft": "已自动合并"}
STATUS_ZH = {"open": "待处理", "merged": "已合并", "resolved": "已处理"}


def _form():
    from forms.loader import load_form

    return load_form("four_clarifications")


def conflict_lines(conflict: dict, fields: dict | None = None, lang: str = "zh") -> list[dict]:
    """One line per conflicting path of a conflict notice.

    :param conflict: a conflict notice (``fields`` = ``{path: {"server", "device", …}}``)
    :param fields: the household's current fields (to number the rows as they are now), if known
    :returns: ``[{"path", "where", "server", "device", "server_author", "server_at", "device_author",
        "device_at", "text"}]`` where ``text`` reads "第 2 位成员 · 健康状况: 重病 / 健康" (server value first)
    """
    form = _form()
    fields = fields or {}
    lines = []
    for path, item in (conflict.get("fields") or {}).items():
        item = item if isinstance(item, dict) else {"device": item}
        if conflict.get("entity") == "household":
            where = describe_path(form, fields, path, lang)
            server = describe_value(form, path, item.get("server"), lang)
            device = describe_value(form, path, item.get("device"), lang)
        else:
            where, server, device = path, str(item.get("server")), str(item.get("device"))
        lines.append({"path": path, "where": where, "server": server, "device": device,
                      "server_author": item.get("server_author") or item.get("server_device") or "",
                      "server_at": item.get("server_at") or "",
                      "device_author": item.get("device_author") or conflict.get("device_id") or "",
                      "device_at": item.get("device_at") or conflict.get("created_at") or "",
                      "text": f"{where}: {server} / {device}" if "server" in item else f"{where}: {device}"})
    return lines


def conflict_text(conflict: dict, fields: dict | None = None) -> str:
    """A conflict as the admin CLI prints it: a heading, then per path the row-grain line and who/when.

    ``硬冲突 <id> · 待处理 · 户 <household> · 村 <village> · <created>`` then e.g.
    ``  第 2 位成员 · 健康状况: 重病 / 健康`` and ``    服务器一方: 走访员甲 2026-05-12… | 设备一方: …``.
    """
    head = " · ".join([f"{KIND_ZH.get(conflict.get('kind'), conflict.get('kind') or '')} {conflict.get('conflict_id', '')}",
                       STATUS_ZH.get(conflict.get("status"), conflict.get("status") or ""),
                       f"户 {conflict.get('household_id', '')}", f"村 {conflict.get('village_code', '')}",
                       conflict.get("created_at") or ""])
    out = [head]
    for line in conflict_lines(conflict, fields):
        out.append(f"  {line['text']}")
        who = f"设备一方: {line['device_author'] or '未知'} {line['device_at']}".rstrip()
        if conflict.get("kind") == "hard":
            who = f"服务器一方: {line['server_author'] or '未知'} {line['server_at']}".rstrip() + " | " + who
        out.append(f"    {who}")
    if conflict.get("status") == "resolved":
        out.append(f"  处理人: {conflict.get('resolved_by') or ''} {conflict.get('resolved_at') or ''}".rstrip())
    return "\n".join(out)
