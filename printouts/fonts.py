"""Finding and registering the TrueType CJK font embedded (subset) in every PDF.

Search order (the first candidate that exists is used; see docs/printouts.md):

1. the path passed in by the caller (the app's setting), then ``$FIELDAPP_CJK_FONT``;
   a ``.ttc`` collection member is chosen with ``#N`` (``simsun.ttc#0``).
   A configured font that is unusable is an error, never skipped.
2. known system paths: WenQuanYi Micro Hei / Zen Hei (Debian/Ubuntu, Fedora),
   Windows SimSun / Microsoft YaHei / SimHei, macOS Arial Unicode.

reportlab embeds only TrueType outlines (glyf); CFF-based .otf fonts such as
Noto Sans CJK are rejected with :class:`CJKFontUnusableError`.

Rare characters (生僻字 such as 䶮, in CJK Extension A/B) are missing from the main fonts.
:func:`fallback_fonts` registers TrueType fonts that have them (``$FIELDAPP_CJK_FALLBACK_FONTS``,
paths separated by ``os.pathsep``, else Hanazono Mincho on Debian or SimSun-ExtB on Windows); a
character the main font lacks is printed in the first of them that has it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from printouts.errors import CJKFontNotFoundError, CJKFontUnusableError

ENV_VAR = "FIELDAPP_CJK_FONT"
FONT_NAME = "FieldappCJK"
# Characters every document prints; a font missing one of them would draw boxes.
PROBE_TEXT = "家庭经济状况核对授权书入户调查记录告知书工作台账第页共签名〔〕号"


def _windows_fonts() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def known_font_paths() -> list[tuple[str, int]]:
    """Return the system font candidates in search order as (path, subfont index)."""
    win = _windows_fonts()
    return [
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
        ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
        (str(win / "simsun.ttc"), 0),
        (str(win / "msyh.ttc"), 0),
        (str(win / "simhei.ttf"), 0),
        ("/Library/Fonts/Arial Unicode.ttf", 0),
        ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", 0),
    ]


@dataclass(frozen=True)
class FontChoice:
    """The font file chosen and where the choice came from (config, env or system)."""

    path: str
    subfont_index: int
    source: str


def _split_index(spec: str) -> tuple[str, int]:
    path, sep, idx = spec.rpartition("#")
    if sep and idx.isdigit():
        return path, int(idx)
    return spec, 0


def find_cjk_font(configured: str | os.PathLike | None = None) -> FontChoice:
    """Pick the CJK font by the documented search order; raise if none exists."""
    for source, spec in (("config", configured), ("env", os.environ.get(ENV_VAR))):
        if spec:
            path, index = _split_index(str(spec))
            if not Path(path).is_file():
                raise CJKFontUnusableError(path, "文件不存在")
            return FontChoice(path, index, source)
    candidates = known_font_paths()
    for path, index in candidates:
        if Path(path).is_file():
            return FontChoice(path, index, "system")
    raise CJKFontNotFoundError([p for p, _ in candidates])


def load_ttfont(choice: FontChoice, name: str = FONT_NAME) -> TTFont:
    """Open *choice* as a reportlab TTFont and check it covers the Chinese we print."""
    try:
        font = TTFont(name, choice.path, subfontIndex=choice.subfont_index)
    except TTFError as exc:
        raise CJKFontUnusableError(choice.path, f"不是可嵌入的 TrueType 字体：{exc}") from exc
    except (OSError, ValueError) as exc:
        raise CJKFontUnusableError(choice.path, f"无法读取：{exc}") from exc
    missing = [ch for ch in PROBE_TEXT if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise CJKFontUnusableError(choice.path, "缺少汉字字形：" + "".join(missing[:8]))
    return font


FALLBACK_ENV_VAR = "FIELDAPP_CJK_FALLBACK_FONTS"
FALLBACK_NAME = "FieldappCJKRare"


def known_fallback_paths() -> list[tuple[str, int]]:
    """Fonts with the CJK extension characters, in search order (path, subfont index)."""
    win = _windows_fonts()
    return [
        ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", 0),   # BMP incl. Extension A
        ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", 0),   # Extension B and later
        (str(win / "simsunb.ttf"), 0),                            # SimSun-ExtB
        (str(win / "mingliub.ttc"), 0),
    ]


_fallbacks: list[tuple[str, frozenset[int]]] | None = None


def fallback_fonts() -> list[tuple[str, frozenset[int]]]:
    """The registered fallback fonts as (reportlab name, covered code points), found once."""
    global _fallbacks
    with _lock:
        if _fallbacks is None:
            env = os.environ.get(FALLBACK_ENV_VAR)
            specs = [_split_index(p) for p in env.split(os.pathsep) if p] if env else known_fallback_paths()
            found = []
            for path, index in specs:
                if not Path(path).is_file():
                    continue
                name = f"{FALLBACK_NAME}{len(found)}"
                try:
                    font = TTFont(name, path, subfontIndex=index)
                except (TTFError, OSError, ValueError):
                    continue  # an unusable fallback only means fewer rare characters
                pdfmetrics.registerFont(font)
                found.append((name, frozenset(font.face.charToGlyph)))
            _fallbacks = found
        return _fallbacks


_registered: dict[tuple[str, int], str] = {}
_lock = threading.Lock()


def register_cjk_font(configured: str | os.PathLike | None = None) -> str:
    """Find, check and register the CJK font with reportlab; return its registered name."""
    choice = find_cjk_font(configured)
    key = (choice.path, choice.subfont_index)
    with _lock:  # print jobs run on worker threads
        if key not in _registered:
            name = FONT_NAME if not _registered else f"{FONT_NAME}{len(_registered)}"
            pdfmetrics.registerFont(load_ttfont(choice, name))
            _registered[key] = name
        return _registered[key]
