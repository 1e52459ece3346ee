"""Every way the vault can fail, one class per failure, each with a plain Chinese message.

The UI and CLI show ``message_zh``; the English text (``str(exc)``) is for logs and
never contains names, ID numbers or amounts.
"""

from __future__ import annotations

from pathlib import Path


class VaultError(Exception):
    """Base class of every vault failure."""

    message_zh = "本地数据库出错。"

    def __init__(self, message: str | None = None, *, message_zh: str | None = None):
        super().__init__(message or self.__class__.__doc__)
        if message_zh is not None:
            self.message_zh = message_zh


class VaultNotFound(VaultError):
    """No vault exists in the data folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(f"no vault at {self.path}", message_zh=f"在 {self.path} 没有找到本地数据库，请先初始化。")


class VaultExists(VaultError):
    """A vault already exists where a new one was to be created."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(f"a vault already exists at {self.path}", message_zh=f"{self.path} 已有本地数据库，不能重复创建。")


class VaultLocked(VaultError):
    """The vault is locked: unlock it with a passphrase first."""

    message_zh = "数据库已锁定，请先输入密码解锁。"


class WrongPassphrase(VaultError):
    """The passphrase does not unwrap this user's key."""

    def __init__(self, user: str, failures: int, retry_after: float):
        self.user = user
        self.failures = failures
        self.retry_after = retry_after
        wait = f"，请 {int(retry_after + 0.999)} 秒后再试" if retry_after > 0 else ""
        super().__init__(
            f"wrong passphrase ({failures} failed attempts)",
            message_zh=f"密码不正确（已连续错误 {failures} 次{wait}）。",
        )


class UnlockThrottled(VaultError):
    """Too many wrong passphrases: the next attempt is only allowed after a delay."""

    def __init__(self, user: str, retry_after: float):
        self.user = user
        self.retry_after = retry_after
        super().__init__(
            f"unlock throttled for {retry_after:.1f} s",
            message_zh=f"密码错误次数过多，请 {int(retry_after + 0.999)} 秒后再试。",
        )


class UnknownUser(VaultError):
    """The user has no key on this laptop."""

    def __init__(self, user: str):
        self.user = user
        super().__init__("unknown local user", message_zh=f"本机没有用户“{user}”。")


class UserExists(VaultError):
    """A user of that name already exists on this laptop."""

    def __init__(self, user: str):
        self.user = user
        super().__init__("user already exists", message_zh=f"用户“{user}”已存在。")


class LastUser(VaultError):
    """Removing the only remaining user would leave the laptop without a login."""

    message_zh = "不能删除最后一个本机用户。"


class WeakPassphrase(VaultError):
    """The passphrase is too short."""

    def __init__(self, minimum: int):
        super().__init__(f"passphrase shorter than {minimum} characters", message_zh=f"密码至少需要 {minimum} 个字符。")


class KeyFileCorrupt(VaultError):
    """The key file beside the database is damaged, truncated or was edited."""

    def __init__(self, path: Path, detail: str):
        self.path = Path(path)
        super().__init__(f"key file {self.path} is damaged: {detail}", message_zh=f"密钥文件 {self.path} 已损坏或被改动，无法使用。")


class VaultCorrupt(VaultError):
    """The database file is damaged, truncated, was edited, or belongs to another key."""

    def __init__(self, path: Path, detail: str):
        self.path = Path(path)
        super().__init__(f"database file {self.path} is damaged: {detail}", message_zh=f"数据库文件 {self.path} 已损坏或被改动，无法读取。")


class DiskFull(VaultError):
    """The disk (or the user's quota) is full: the save was not made; earlier data is intact."""

    def __init__(self, path: Path, detail: str = ""):
        self.path = Path(path)
        super().__init__(f"no space left for {self.path} {detail}".strip(),
                         message_zh=f"磁盘空间不足，本次没有保存（{self.path.parent}）。请清理磁盘空间后再保存；已保存的数据不受影响。")


class DiskWriteFailed(VaultError):
    """The operating system refused a write (I/O error or file-size limit): the save was not made."""

    def __init__(self, path: Path, detail: str = ""):
        self.path = Path(path)
        super().__init__(f"write to {self.path} failed {detail}".strip(),
                         message_zh=f"写入磁盘失败，本次没有保存（{self.path}）。可能是磁盘空间不足、文件过大或磁盘故障；已保存的数据不受影响。")


class ReadOnlyVault(VaultError):
    """The data folder or its files cannot be written (read-only medium, permissions)."""

    def __init__(self, path: Path, detail: str = ""):
        self.path = Path(path)
        super().__init__(f"{self.path} is read-only {detail}".strip(),
                         message_zh=f"数据文件夹 {self.path} 是只读的（或没有写入权限），无法保存。请检查文件夹权限或存储设备。")


class SchemaTooNew(VaultError):
    """The vault was written by a newer version of fieldapp."""

    def __init__(self, found: int, known: int):
        self.found = found
        self.known = known
        super().__init__(
            f"vault schema version {found} is newer than this program knows ({known})",
            message_zh=f"数据库由更新版本的程序创建（版本 {found}，本程序只支持到 {known}），请先升级程序。",
        )


class MigrationFailed(VaultError):
    """A schema migration failed and was rolled back."""

    def __init__(self, version: int, detail: str):
        self.version = version
        super().__init__(f"migration to version {version} failed: {detail}", message_zh=f"数据库升级到版本 {version} 失败，已撤销，数据未改动。")


class OfficeKeyInvalid(VaultError):
    """The office key is unreadable or does not match this vault's recovery wrap."""

    message_zh = "县级民政部门的密钥无效，或与本机数据库不匹配。"


class RecordNotFound(VaultError):
    """No record with that id."""

    def __init__(self, entity: str, entity_id: str):
        self.entity = entity
        self.entity_id = entity_id
        super().__init__(f"no {entity} {entity_id}", message_zh="找不到该记录。")


class InvalidRecord(VaultError):
    """A record handed to the vault does not have the expected shape."""

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(f"invalid record: {detail}", message_zh=f"记录格式不正确：{detail}")


class AuditChainBroken(VaultError):
    """The audit log was edited or entries were removed."""

    def __init__(self, seq: int, detail: str):
        self.seq = seq
        super().__init__(f"audit log broken at entry {seq}: {detail}", message_zh=f"操作日志第 {seq} 条被改动或删除，日志不可信。")


class ExportDecryptFailed(VaultError):
    """An encrypted export could not be opened: wrong passphrase/key or damaged file."""

    message_zh = "无法解密导出文件：密码或密钥不正确，或文件已损坏。"


class KeyFileBusy(VaultError):
    """Another program kept the key file locked (changing users or passphrases) for too long."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(f"key file {self.path} is locked by another program",
                         message_zh="另一个程序正在修改本机的用户或密码，请稍后再试。")
