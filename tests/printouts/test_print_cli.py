"""`fieldapp print …` and `fieldapp verify-letter` end to end: real files in, PDFs/xlsx out, exit codes."""

from __future__ import annotations

import json

import openpyxl
import pytest

from fieldapp.cli import main
from printouts import verify_code
from printouts.keys import read_private_key, read_public_keys
from printfixtures import base_visit, big_visit, flat, need_tool, pdf_text


@pytest.fixture
def files(tmp_path):
    paths = []
    for i, visit in enumerate([base_visit(), big_visit()]):
        path = tmp_path / f"visit{i}.json"
        path.write_text(json.dumps(visit, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    assert main(["print", "keygen", str(tmp_path / "k.pem"), str(tmp_path / "k.pub")]) == 0
    return paths, str(tmp_path / "k.pem"), str(tmp_path / "k.pub")


def test_print_consent_forms_in_three_copies(files, tmp_path, capsys):
    visits, key, _ = files
    out = tmp_path / "consent.pdf"
    rc = main(["print", "consent", *visits, "-o", str(out), "--signing-key", key, "--copies", "3",
               "--issue-date", "2026-05-20", "--first-seq", "41"])
    assert rc == 0
    stdout = capsys.readouterr().out
    assert "演镇核授〔2026〕0041号" in stdout and "演镇核授〔2026〕0042号" in stdout
    text = pdf_text(out)
    assert "第 3 联（共 3 联）" in text and "欧阳子轩" in text


def test_print_each_letter_kind_and_the_visit_record(files, tmp_path):
    visits, key, _ = files
    common = ["--signing-key", key, "--issue-date", "2026-05-20"]
    assert main(["print", "letter", "--kind", "visit_result", *visits, "-o", str(tmp_path / "a.pdf"), *common]) == 0
    assert main(["print", "letter", "--kind", "review", *visits, "-o", str(tmp_path / "b.pdf"), *common]) == 0
    assert main(["print", "letter", "--kind", "referral", visits[0], "-o", str(tmp_path / "c.pdf"), *common]) == 0
    assert main(["print", "letter", "--kind", "change", visits[0], "-o", str(tmp_path / "d.pdf"), *common,
                 "--change", "低保金（每月）", "620.00 元", "480.00 元", "--effective-date", "2026-06-01"]) == 0
    assert main(["print", "visit-record", *visits, "-o", str(tmp_path / "e.pdf"), *common]) == 0
    assert "入户走访结果及政策告知书" in flat(pdf_text(tmp_path / "a.pdf"))
    assert "单独申请低保（单人户）" in flat(pdf_text(tmp_path / "a.pdf"))  # base visit: a seriously ill member
    assert "2026年11月20日前" in flat(pdf_text(tmp_path / "b.pdf"))  # big_visit: class A, 12 months
    assert "演示县医疗保障局" in flat(pdf_text(tmp_path / "c.pdf"))
    assert "行政复议" in flat(pdf_text(tmp_path / "d.pdf"))
    assert "入户调查记录" in pdf_text(tmp_path / "e.pdf")


def test_print_ledger_as_xlsx_and_pdf(files, tmp_path):
    visits, key, _ = files
    assert main(["print", "ledger", *visits, "-o", str(tmp_path / "t.xlsx"), "--signing-key", key]) == 0
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames[0] == "汇总"
    assert main(["print", "ledger", *visits, "-o", str(tmp_path / "t.pdf"), "--signing-key", key]) == 0
    assert "工作台账" in pdf_text(tmp_path / "t.pdf")


def test_a_change_letter_without_changes_is_a_clear_error(files, tmp_path, capsys):
    visits, key, _ = files
    rc = main(["print", "letter", "--kind", "change", visits[0], "-o", str(tmp_path / "x.pdf"), "--signing-key", key])
    assert rc == 2
    assert "变更事项" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_missing_font_is_a_clear_error(files, tmp_path, capsys):
    visits, key, _ = files
    rc = main(["print", "consent", visits[0], "-o", str(tmp_path / "x.pdf"), "--signing-key", key,
               "--font", str(tmp_path / "missing.ttc")])
    assert rc == 2
    assert "字体" in capsys.readouterr().err


def test_verify_letter_says_genuine_or_not(files, tmp_path, capsys, monkeypatch):
    visits, key, pub = files
    import printouts
    from printouts import LetterRequest, MemoryCounter, PrintContext

    ctx = PrintContext(signing_key=read_private_key(key), counter=MemoryCounter(), issue_date="2026-05-20")
    code = printouts.print_letters("review", [LetterRequest(base_visit())], ctx, None).documents[0].code
    assert verify_code(code, read_public_keys(pub))

    assert main(["verify-letter", code, "--public-key", pub]) == 0
    assert "真实有效" in capsys.readouterr().out

    tampered = code.replace("2026-05-20", "2026-05-21")
    assert main(["verify-letter", tampered, "--public-key", pub]) == 1
    assert "不可信" in capsys.readouterr().out

    other_pub = tmp_path / "other.pub"
    main(["print", "keygen", str(tmp_path / "other.pem"), str(other_pub)])
    capsys.readouterr()
    assert main(["verify-letter", code, "--public-key", str(other_pub)]) == 1
    assert "不在受信任的密钥列表" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(code + "\n"))
    assert main(["verify-letter", "--public-key", pub]) == 0

    assert main(["verify-letter", "not a code", "--public-key", pub]) == 2


def test_verify_letter_reads_every_code_from_a_pdf_and_a_scan(files, tmp_path, capsys):
    visits, key, pub = files
    pdf = tmp_path / "letters.pdf"
    assert main(["print", "letter", "--kind", "review", *visits, "-o", str(pdf), "--signing-key", key,
                 "--issue-date", "2026-05-20"]) == 0
    capsys.readouterr()

    assert main(["verify-letter", "--pdf", str(pdf), "--public-key", pub]) == 0
    out = capsys.readouterr().out
    assert out.count("真实有效") == 2
    assert "演镇民救告〔2026〕001号" in out and "演镇民救告〔2026〕002号" in out

    import subprocess

    need_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "scan")], check=True)
    assert main(["verify-letter", "--image", str(tmp_path / "scan.png"), "--public-key", pub]) == 0
    assert "演镇民救告〔2026〕001号" in capsys.readouterr().out

    main(["print", "keygen", str(tmp_path / "o.pem"), str(tmp_path / "o.pub")])
    capsys.readouterr()
    assert main(["verify-letter", "--pdf", str(pdf), "--public-key", str(tmp_path / "o.pub")]) == 1
    assert capsys.readouterr().out.count("不可信") == 2

    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (200, 200), 255).save(blank)
    assert main(["verify-letter", "--image", str(blank), "--public-key", pub]) == 2


def test_printing_files_with_the_built_in_demo_set_says_so(files, tmp_path, capsys):
    from pathlib import Path

    visits, key, _ = files
    root = Path(__file__).resolve().parents[2]
    assert main(["print", "visit-record", visits[0], "-o", str(tmp_path / "a.pdf"), "--signing-key", key]) == 0
    assert "未指定 --templates、--reference，使用内置演示数据" in capsys.readouterr().err
    assert main(["print", "visit-record", visits[0], "-o", str(tmp_path / "b.pdf"), "--signing-key", key,
                 "--templates", str(root / "printouts/templates/letters.demo.yaml"),
                 "--reference", str(root / "forms/reference/demo.yaml")]) == 0
    assert "演示数据" not in capsys.readouterr().err
