"""Exceptions of the printouts package: one class per failure, each with a Chinese message for the UI."""

from __future__ import annotations


class PrintoutError(Exception):
    """Base class: every printouts failure carries ``message_zh`` for the user."""

    message_zh = "打印失败。"

    def __init__(self, detail: str = "", message_zh: str | None = None):
        super().__init__(detail or self.__class__.__doc__ or self.__class__.__name__)
        if message_zh is not None:
            self.message_zh = message_zh


class CJKFontNotFoundError(PrintoutError):
    """No usable TrueType CJK font was found in the search order."""

    def __init__(self, searched: list[str]):
        self.searched = list(searched)
        super().__init__(
            "no TrueType CJK font found; searched: " + "; ".join(self.searched),
            "找不到可用的中文字体（TrueType）。请安装文泉驿微米黑（fonts-wqy-microhei），"
            "或在设置中 / 环境变量 FIELDAPP_CJK_FONT 指定字体文件路径。",
        )


class CJKFontUnusableError(PrintoutError):
    """A configured font file exists but cannot be embedded or lacks Chinese glyphs."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(
            f"font {path!r} is not usable: {reason}",
            f"指定的字体文件无法使用（{reason}）：{path}。请指定 TrueType 轮廓的中文字体（.ttf/.ttc）。",
        )


class MissingGlyphError(PrintoutError):
    """The font has no glyph for some characters to print (rare characters in a name): they would print as boxes."""

    def __init__(self, chars: str, font: str):
        self.chars, self.font = chars, font
        listed = "、".join(f"{c}（U+{ord(c):04X}）" for c in chars)
        super().__init__(
            f"font {font} has no glyph for {listed}",
            f"当前中文字体缺少这些字的字形：{listed}，打印出来会是方框。"
            "请在设置中（或用 FIELDAPP_CJK_FONT）指定包含这些字的 TrueType 字体后再打印。",
        )


class VisitDataError(PrintoutError):
    """The interchange document is not a usable ``fieldapp.visit``."""

    def __init__(self, detail: str):
        super().__init__(detail, f"走访数据不完整或格式不对，无法打印：{detail}")


class TextTooLongError(PrintoutError):
    """A text in the record (a name, an address) is too long to fit on a page."""

    def __init__(self, detail: str):
        super().__init__(detail, "走访记录中有一项文字过长（例如上万字的姓名或地址），无法排入一页。请核对并修改该记录后再打印。")


class NothingToPrintError(PrintoutError):
    """The visit gives this document nothing to say (e.g. a referral notice without referred needs)."""

    def __init__(self, detail: str):
        super().__init__(detail, f"无需打印：{detail}")


class TemplateError(PrintoutError):
    """The county letter-template document is invalid."""

    def __init__(self, detail: str):
        super().__init__(detail, f"告知书模板配置有误：{detail}")


class SerialSchemeError(PrintoutError):
    """The serial-number (文号) scheme cannot produce a number for this township."""

    def __init__(self, detail: str):
        super().__init__(detail, f"文号规则配置有误：{detail}")


class PrintCancelled(PrintoutError):
    """The user cancelled a batch print; nothing was written."""

    message_zh = "已取消打印，未生成文件。"


class CodeFormatError(PrintoutError):
    """The pasted or scanned code is not a fieldapp document code."""

    def __init__(self, detail: str):
        super().__init__(detail, "这不是本系统打印的文书二维码内容，或内容不完整。")


class NoCodeFoundError(PrintoutError):
    """No document code of ours was found in the image or PDF given."""

    def __init__(self, detail: str):
        super().__init__(detail, "没有在文件中找到本系统文书的二维码（请确认扫描清晰、二维码完整）。")


class ScanToolMissingError(PrintoutError):
    """A tool needed to read a scanned file is not installed."""

    def __init__(self, tool: str):
        self.tool = tool
        super().__init__(f"{tool} is not installed", f"缺少读取文件所需的工具 {tool}（Debian：poppler-utils）。")


class UnknownSigningKeyError(PrintoutError):
    """The code was signed by a key that is not among the trusted public keys."""

    def __init__(self, key_id: str):
        self.key_id = key_id
        super().__init__(
            f"signed by unknown key {key_id}",
            f"签名密钥（{key_id}）不在受信任的密钥列表中，无法确认真伪。",
        )


class SignatureInvalidError(PrintoutError):
    """The signature does not match: the code was altered or forged."""

    def __init__(self, detail: str = "signature does not verify"):
        super().__init__(detail, "签名不符：二维码内容被改动或伪造，此文书不可信。")


class SigningKeyError(PrintoutError):
    """The key handed in for signing is not an Ed25519 private key."""

    def __init__(self, detail: str):
        super().__init__(detail, "签名密钥不可用（需要 Ed25519 私钥）。")


class SerialsTaken(PrintoutError):
    """The 文号 shown in a preview were issued by another print job before this one was printed."""

    def __init__(self, detail: str = ""):
        super().__init__(detail, "预览中的文号已被另一次打印使用。为避免文号重复，请关闭预览后重新生成再打印。")
        self.message_en = ("The document numbers (文号) in this preview were used by another print job. "
                           "Close the preview and make it again, so that no number is issued twice.")
