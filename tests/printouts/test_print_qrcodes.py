"""QR matrices from the helper process equal those encoded in process; a broken helper falls back."""

from __future__ import annotations

import pytest

from printouts import qrcodes
from printouts.qrmatrix import path_ops, qr_drawing, qr_matrix

@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """The helper is only started on a multi-core machine; these tests check it, whatever the CI has."""
    monkeypatch.setattr(qrcodes.os, "cpu_count", lambda: 2)


CODES = [f"FAV1|letter_review|演镇民救告〔2026〕{i:03d}号|2026-05-20|{'A' * 22}|abcdef12|{'B' * 86}" for i in range(1, 121)]


def test_path_operators_cover_exactly_the_dark_modules():
    m = qr_matrix(CODES[0])
    assert len(m) == 59 and m[0] == bytes(59)  # version 10 (57) + 1-module quiet zone each side
    painted = [[0] * 59 for _ in range(59)]
    for op in path_ops(m).split(" re"):
        if op.strip():
            x, y, w, h = map(int, op.split())
            assert h == 1
            for c in range(x, x + w):
                painted[59 - y - 1][c] = 1
    assert painted == [list(row) for row in m]


def test_helper_process_matches_in_process_encoding():
    job = qrcodes.QrMatrices(CODES, parallel=True)
    assert job._proc is not None  # 120 codes ≥ PARALLEL_MIN: the helper was started
    try:
        assert job.get(0) == qr_drawing(CODES[0])
        assert job.get(119) == qr_drawing(CODES[119])
        assert len(job._done) == 120
    finally:
        job.close()


def test_a_failing_helper_falls_back_to_encoding_here(monkeypatch, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import sys; sys.exit(3)\n", encoding="utf-8")
    monkeypatch.setattr(qrcodes, "HELPER", broken)
    job = qrcodes.QrMatrices(CODES, parallel=True)
    assert job.get(5) == qr_drawing(CODES[5])
    job.close()


def test_small_jobs_do_not_start_a_helper():
    job = qrcodes.QrMatrices(CODES[:3], parallel=True)
    assert job._proc is None
    assert job.get(2) == qr_drawing(CODES[2])


def test_closing_a_running_helper_stops_it():
    job = qrcodes.QrMatrices(CODES * 5, parallel=True)
    proc = job._proc
    job.close()
    assert proc.poll() is not None


def test_codes_streamed_while_a_job_is_built_come_back_in_order():
    job = qrcodes.QrMatrices(parallel=True, expected=len(CODES))
    assert job._proc is not None
    for code in CODES:
        job.add(code)
    job.end_of_codes()
    try:
        assert [job.get(i) for i in (119, 0, 60)] == [qr_drawing(CODES[i]) for i in (119, 0, 60)]
    finally:
        job.close()


def test_a_job_stopped_before_all_codes_were_sent_does_not_hang():
    job = qrcodes.QrMatrices(parallel=True, expected=500)
    for code in CODES[:10]:
        job.add(code)
    proc = job._proc
    job.close()  # as on cancel, before end_of_codes()
    assert proc.poll() is not None
    assert job.get(3) == qr_drawing(CODES[3])  # still answers, encoding here
