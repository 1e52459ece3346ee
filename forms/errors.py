"""Exceptions of the form engine: one class per failure, each with a plain Chinese message.

Every class carries ``message_zh`` (shown to village staff) and an English ``str()``.
They are turned into dialogs or CLI messages only at the edge (UI, CLI, server).
"""

from __future__ import annotations


class FormsError(Exception):
    """Base of every error raised by the ``forms`` package."""

    message_zh: str = "表单引擎出错"

    def __init__(self, message_en: str, message_zh: str | None = None):
        super().__init__(message_en)
        if message_zh is not None:
            self.message_zh = message_zh

    @property
    def message_en(self) -> str:
        """The English message (same as ``str(exc)``)."""
        return str(self)

    def message(self, lang: str = "zh") -> str:
        """The message in *lang* ("zh" or "en")."""
        return self.message_en if lang == "en" else self.message_zh


# --- money -------------------------------------------------------------------------


class MoneyError(FormsError):
    """An amount of money could not be read."""


class InvalidAmountError(MoneyError):
    """A yuan amount is not a number, has more than two decimals, or is negative."""


# --- resident ID numbers (GB 11643-1999) -------------------------------------------


class IdNumberError(FormsError):
    """A resident ID number is not valid; ``code`` names the exact failure."""

    code = "id_invalid"


class IdNumberLengthError(IdNumberError):
    """The ID number does not have 18 characters."""

    code = "id_length"


class IdNumberCharacterError(IdNumberError):
    """The ID number has a character other than digits (and a final X)."""

    code = "id_characters"


class IdNumberDateError(IdNumberError):
    """The birth date inside the ID number is not a real date (or lies in the future)."""

    code = "id_birth_date"


class IdNumberChecksumError(IdNumberError):
    """The check character does not match the first 17 digits."""

    code = "id_checksum"


class IdNumberExcelNumberError(IdNumberError):
    """A spreadsheet stored the ID number as a number: Excel keeps 15 significant digits, the rest became 0."""

    code = "id_excel_number"


class IdNumberOldFormatError(IdNumberError):
    """A 15-digit first-generation number that cannot be converted (bad date or characters)."""

    code = "id_old_format"


# --- form definitions ---------------------------------------------------------------


class DefinitionError(FormsError):
    """A form definition file has problems; ``problems`` lists every one with its location."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        summary = f"{source}: {len(self.problems)} problem(s) in form definition:\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )
        super().__init__(summary, f"表单定义 {source} 有 {len(self.problems)} 处错误")


class FormNotFoundError(FormsError):
    """No definition exists for the requested form id / version."""

    def __init__(self, form_id: str, version: int | None):
        self.form_id = form_id
        self.version = version
        label = f"{form_id} v{version}" if version is not None else form_id
        super().__init__(f"unknown form or form version: {label}", f"未知的表单或表单版本：{label}")


class IncompatibleVersionError(DefinitionError):
    """A newer form version changes a question in a way old answers cannot survive."""


class PublishedVersionChangedError(DefinitionError):
    """A form version listed as published in ``published.yaml`` no longer has its recorded content."""


class ExpressionError(FormsError):
    """An expression in a form definition cannot be compiled."""


# --- reference data -----------------------------------------------------------------


class ReferenceDataError(FormsError):
    """A reference-data document is malformed; ``problems`` lists every problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        super().__init__(
            f"{source}: invalid reference data:\n" + "\n".join(f"  - {p}" for p in self.problems),
            f"参考数据 {source} 格式有误（{len(self.problems)} 处）",
        )


class ReferenceFileNotFoundError(ReferenceDataError):
    """The reference-data file does not exist or cannot be read."""

    def __init__(self, source: str, reason: str):
        super().__init__(source, [reason])
        self.message_zh = f"找不到或无法读取参考数据文件：{source}"


class MissingStandardError(FormsError):
    """No dibao standard is in force for the county, area type and date asked for."""

    def __init__(self, county_code: str, area_type: str, on_date):
        self.county_code = county_code
        self.area_type = area_type
        self.on_date = on_date
        area_zh = {"urban": "城市", "rural": "农村"}.get(area_type, area_type)
        super().__init__(
            f"no dibao standard for county {county_code} ({area_type}) in force on {on_date}",
            f"参考数据中没有县级代码 {county_code} 在 {on_date} 有效的{area_zh}低保标准，请县民政部门补充",
        )


# --- visits (interchange) -------------------------------------------------------------


class VisitError(FormsError):
    """A visit document cannot be read."""


class MalformedJsonError(VisitError):
    """The visit file is not valid JSON."""

    def __init__(self, source: str, detail: str, line: int | None = None, column: int | None = None):
        self.source = source
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        where_zh = f"（第 {line} 行第 {column} 列）" if line is not None else ""
        super().__init__(
            f"{source}: not valid JSON{where}: {detail}",
            f"{source} 不是有效的 JSON 文件{where_zh}",
        )


class MalformedYamlError(VisitError):
    """A YAML document (form definition, reference data, mapping) cannot be read."""

    def __init__(self, source: str, detail: str):
        self.source = source
        super().__init__(f"{source}: not valid YAML: {detail}", f"{source} 不是有效的 YAML 文件（{detail}）")


class VisitShapeError(VisitError):
    """The visit document does not follow the interchange format; ``problems`` lists each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        super().__init__(
            f"{source}: not a fieldapp visit document:\n" + "\n".join(f"  - {p}" for p in self.problems),
            f"{source} 不是 fieldapp 走访记录格式（{len(self.problems)} 处问题）",
        )


class UnknownFormVersionError(VisitError):
    """The visit was recorded under a form id / version this installation does not know."""

    def __init__(self, form_id: str, version):
        self.form_id = form_id
        self.version = version
        super().__init__(
            f"visit uses unknown form {form_id!r} version {version!r}; update fieldapp or the form definitions",
            f"走访记录使用了本机没有的表单版本 {form_id} v{version}，请更新程序或表单定义",
        )


class VisitFileError(VisitError):
    """The visit file does not exist or cannot be read."""

    def __init__(self, source: str, reason: str):
        self.source = source
        super().__init__(f"{source}: cannot read file: {reason}", f"无法读取走访记录文件：{source}")
