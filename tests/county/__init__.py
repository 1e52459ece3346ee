"""松林县 (510123): a test county that shares nothing with the demo — its own code, names, standards,
templates and office names. Its files here are what the county publishes in the tests."""

from __future__ import annotations

from pathlib import Path

from forms.idnumber import check_char

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference.yaml"
TEMPLATES = HERE / "letters.yaml"
AREAS_CSV = HERE / "areas.csv"  # GB18030, in the 统计用区划代码 shape

COUNTY = "510123"
CHENGGUAN = "510123001"          # 城关镇
SHIQIAO = "510123002"            # 石桥乡
DONGJIE = "510123001001"         # 东街社区 (urban)
BAISHU = "510123001201"          # 柏树村 (rural)
HEBA = "510123002201"            # 河坝村 (rural)
URBAN_BEFORE, URBAN_AFTER = 81000, 85000   # monthly fen, the standard changes on 2026-07-01
RURAL_BEFORE, RURAL_AFTER = 60000, 63000   # 7,200 and 7,560 yuan a year ÷ 12


def id_number(birth: str, seq: int, area: str = COUNTY) -> str:
    """A valid 18-character ID number: address code, birth date YYYYMMDD, sequence, check character."""
    body = f"{area}{birth}{seq:03d}"
    return body + check_char(body)
