"""The command line under hostile files (issue 19): a clear Chinese error and exit 2, never a traceback.

Deeply nested JSON (validate, assess, import, bundle import), a huge form_version, a UTF-8 BOM
(import now accepts what validate accepts), a 10,000-character name and a 40,000-character address
in PDFs, a lone surrogate in the ledger .xlsx.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from fieldapp.cli import main

# The commands here run at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf: 0.8 s of CPU
# less per vault made or unlocked); that the production cost is the default is asserted in test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "docs/examples/R3-dibao-candidate.json").read_text(encoding="utf-8"))


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "first-passphrase")
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "first-passphrase")
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)

    def run(*args):
        code = main(["--data-dir", str(tmp_path / "data"), *[str(a) for a in args]])
        out = capsys.readouterr()
        assert "Traceback" not in out.err and "Error:" not in out.err, out.err[-2000:]
        return code, out.out, out.err

    assert run("vault", "init", "--user", "张三", "--no-office-key")[0] == 0
    assert main(["print", "keygen", str(tmp_path / "k.pem"), str(tmp_path / "kp.pem")]) == 0
    capsys.readouterr()
    run.tmp = tmp_path
    return run


def write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [("validate",), ("assess",), ("import",), ("bundle", "import")])
def test_deeply_nested_json_gets_a_clear_error(cli, command):
    deep = cli.tmp / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = cli(*command, deep)
    assert code == 2 and err.startswith("fieldapp")


def test_a_huge_form_version_is_refused_clearly(cli):
    code, _, err = cli("import", write(cli.tmp / "v.json", dict(EXAMPLE, form_version=10**30)))
    assert code != 0 and "不合格" in err


def test_a_utf8_bom_is_accepted_by_import_as_by_validate(cli):
    path = cli.tmp / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(EXAMPLE, ensure_ascii=False).encode("utf-8"))
    assert cli("validate", path)[0] == 0
    code, out, _ = cli("import", path)
    assert code == 0 and "已导入 1 条" in out


@pytest.mark.parametrize("document, out", [("visit-record", "vr.pdf"), ("ledger", "l.pdf")])
def test_a_name_or_address_too_long_for_a_page_gets_a_clear_error(cli, document, out):
    visit = json.loads(json.dumps(EXAMPLE))
    visit["answers"]["members"][0]["name"] = "王" * 10_000
    visit["answers"]["address"] = "东" * 40_000
    code, _, err = cli("print", document, write(cli.tmp / "long.json", visit), "-o", cli.tmp / out,
                       "--signing-key", cli.tmp / "k.pem")
    assert code == 2 and "文字过长" in err
    assert not (cli.tmp / out).exists()


def test_a_lone_surrogate_does_not_make_the_ledger_unopenable(cli):
    visit = json.loads(json.dumps(EXAMPLE))
    visit["answers"]["members"][0]["name"] = "王\ud800芳"
    path = cli.tmp / "surrogate.json"
    path.write_text(json.dumps(visit), encoding="ascii")          # "\ud800" escaped, as a hostile file has it
    code, _, _ = cli("print", "ledger", path, "-o", cli.tmp / "l.xlsx", "--signing-key", cli.tmp / "k.pem")
    assert code == 0
    with zipfile.ZipFile(cli.tmp / "l.xlsx") as z:
        for name in z.namelist():
            z.read(name).decode("utf-8")                           # what Excel chokes on
    texts = [c.value for ws in openpyxl.load_workbook(cli.tmp / "l.xlsx").worksheets for row in ws.iter_rows() for c in row]
    assert any(isinstance(t, str) and "王\ufffd芳" in t for t in texts)
