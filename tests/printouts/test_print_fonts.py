"""The CJK font search order: configured path, $FIELDAPP_CJK_FONT, system paths; clear errors."""

from __future__ import annotations

import pytest

from printouts import fonts
from printouts.errors import CJKFontNotFoundError, CJKFontUnusableError

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def test_configured_path_wins_over_env_and_system(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "elsewhere.ttf"))
    choice = fonts.find_cjk_font(WQY + "#0")
    assert (choice.path, choice.subfont_index, choice.source) == (WQY, 0, "config")


def test_env_var_is_used_when_nothing_is_configured(monkeypatch):
    monkeypatch.setenv(fonts.ENV_VAR, WQY)
    assert fonts.find_cjk_font().source == "env"


def test_missing_configured_font_is_an_error_not_a_fallback(monkeypatch, tmp_path):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    with pytest.raises(CJKFontUnusableError) as err:
        fonts.find_cjk_font(tmp_path / "nope.ttc")
    assert "不存在" in err.value.message_zh


def test_no_font_anywhere_names_the_places_searched(monkeypatch):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "known_font_paths", lambda: [("/nonexistent/a.ttc", 0), ("/nonexistent/b.ttf", 0)])
    with pytest.raises(CJKFontNotFoundError) as err:
        fonts.find_cjk_font()
    assert err.value.searched == ["/nonexistent/a.ttc", "/nonexistent/b.ttf"]
    assert "FIELDAPP_CJK_FONT" in err.value.message_zh


def test_a_font_without_chinese_glyphs_is_refused():
    latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    with pytest.raises(CJKFontUnusableError) as err:
        fonts.load_ttfont(fonts.FontChoice(latin, 0, "config"), "DejaVuProbe")
    assert "缺少汉字字形" in err.value.message_zh


def test_a_non_font_file_is_refused(tmp_path):
    bogus = tmp_path / "fake.ttf"
    bogus.write_bytes(b"not a font at all" * 10)
    with pytest.raises(CJKFontUnusableError):
        fonts.load_ttfont(fonts.FontChoice(str(bogus), 0, "config"), "BogusProbe")
