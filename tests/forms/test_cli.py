"""``fieldapp validate`` and ``fieldapp assess`` run through the real entry point."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def fieldapp(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "fieldapp", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})


def test_validate_a_valid_file_exits_zero():
    out = fieldapp("validate", str(EXAMPLES / "R3-dibao-candidate.json"))
    assert out.returncode == 0, out.stderr
    assert "检查通过" in out.stdout


def test_validate_prints_problems_in_chinese_and_english_and_fails():
    out = fieldapp("validate", str(EXAMPLES / "invalid-id-checksum.json"))
    assert out.returncode == 1
    assert "错误\tmembers[0].id_number\t家庭成员（第 1 行）·“公民身份号码”：身份证号校验位不符" in out.stdout
    out = fieldapp("validate", "--lang", "en", str(EXAMPLES / "invalid-id-checksum.json"))
    assert out.returncode == 1
    assert "error\tmembers[0].id_number\tResident ID number: check character does not match" in out.stdout


def test_validate_json_output_and_stdin():
    text = (EXAMPLES / "invalid-no-household-head.json").read_text(encoding="utf-8")
    out = fieldapp("validate", "--json", "-", stdin=text)
    assert out.returncode == 1
    assert [p["code"] for p in json.loads(out.stdout)] == ["constraint"]


@pytest.mark.parametrize(
    "name, fragment",
    [("invalid-malformed.json", "不是有效的 JSON 文件（第 2 行第 42 列）"),
     ("invalid-unknown-form-version.json", "本机没有的表单版本 four_clarifications v9"),
     ("invalid-not-a-visit.json", "不是 fieldapp 走访记录格式")],
)
@pytest.mark.parametrize("command", ["validate", "assess"])
def test_unreadable_files_give_a_clear_error_not_a_traceback(command, name, fragment):
    out = fieldapp(command, str(EXAMPLES / name))
    assert out.returncode == 2
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr


def test_assess_prints_the_assessment_json():
    out = fieldapp("assess", str(EXAMPLES / "R6-gradual-exit.json"), "--amount", "2280")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["per_capita_income_fen"] == 76000
    assert data["gradual_exit"]["months_max"] == 6
    assert data["temp_assistance"]["level"] == "township"
    assert data["review"]["rule"] == "R7"


def test_assess_from_stdin_with_a_reference_file(tmp_path):
    ref = tmp_path / "county.yaml"
    ref.write_text(
        "hotline: '12349'\ntemp_assistance_multiplier: 2\ncounty_approval_limit_fen: 2000000\n"
        "savings_threshold_fen: 1000000\nutility_threshold_fen: 30000\ndibao_standards:\n"
        "  - {county_code: '990101', area_type: urban, effective_from: 2026-01-01, monthly_fen: 80000}\n",
        encoding="utf-8")
    text = (EXAMPLES / "R3-dibao-candidate.json").read_text(encoding="utf-8")
    out = fieldapp("assess", "-", "--reference", str(ref), "--amount", "1600.01", stdin=text)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["standard"]["standard_fen"] == 80000
    assert data["demo_reference"] is False
    assert data["temp_assistance"]["level"] == "county"  # 1,600.01 > 2 × 800.00


def test_assess_with_a_missing_standard_or_reference_file(tmp_path):
    out = fieldapp("assess", str(EXAMPLES / "R3-dibao-candidate.json"), "--on-date", "2020-01-01")
    assert out.returncode == 0, out.stderr  # the other rules still ran; the income ones say why not
    assert "没有县级代码 990101 在 2020-01-01 有效的城市低保标准" in out.stderr
    data = json.loads(out.stdout)
    assert data["standard"]["code"] == "standard_missing" and "dibao_standard" in data["missing_inputs"]
    out = fieldapp("assess", str(EXAMPLES / "R3-dibao-candidate.json"), "--reference", str(tmp_path / "none.yaml"))
    assert out.returncode == 2
    assert "找不到或无法读取参考数据文件" in out.stderr


def test_assess_rejects_a_bad_amount():
    out = fieldapp("assess", str(EXAMPLES / "R3-dibao-candidate.json"), "--amount", "12.345")
    assert out.returncode == 2
    assert "金额最多保留两位小数" in out.stderr


def test_help_exists_for_both_commands():
    for command in ("validate", "assess"):
        out = fieldapp(command, "--help")
        assert out.returncode == 0 and "FILE.json" in out.stdout


def test_a_file_assessed_without_reference_data_says_the_demo_set_was_used():
    out = fieldapp("assess", str(EXAMPLES / "R6-gradual-exit.json"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["demo_reference"] is True
    assert "未指定 --reference，使用内置演示数据" in out.stderr and "--household" in out.stderr
    out = fieldapp("assess", str(EXAMPLES / "R6-gradual-exit.json"), "--reference", str(ROOT / "forms/reference/demo.yaml"))
    assert out.returncode == 0 and "演示数据" not in out.stderr
