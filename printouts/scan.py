"""Reading document codes back from a scan: a photo/scan image, or a PDF (rendered by pdftoppm).

Decoding uses zxing-cpp (a compiled QR reader shipped as a wheel). Only codes that look
like ours (``FAV1|…``) are returned; checking them is :func:`printouts.verify_code`'s job.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from printouts.errors import NoCodeFoundError, ScanToolMissingError
from printouts.signing import PREFIX


def read_codes_from_image(image) -> list[str]:
    """Our codes found in *image* (a path or a PIL image), in reading order."""
    import zxingcpp
    from PIL import Image

    try:
        picture = image if isinstance(image, Image.Image) else Image.open(image)
        picture.load()
    except (OSError, ValueError) as exc:
        raise NoCodeFoundError(f"cannot read image {image}: {exc}") from exc
    found = zxingcpp.read_barcodes(picture.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in found if r.text.startswith(PREFIX + "|")]


def read_codes_from_pdf(path: str | Path, dpi: int = 200) -> list[str]:
    """Our codes on every page of the PDF at *path* (pages rendered with pdftoppm at *dpi*)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ScanToolMissingError("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="fieldapp-scan-") as tmp:
        done = subprocess.run([tool, "-r", str(dpi), "-gray", "-png", str(path), f"{tmp}/page"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise NoCodeFoundError(f"pdftoppm could not read {path}: {done.stderr.strip()[:200]}")
        codes: list[str] = []
        for page in sorted(Path(tmp).glob("page*.png")):
            codes += read_codes_from_image(page)
    return codes
