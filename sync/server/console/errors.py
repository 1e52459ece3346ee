"""The web console's errors: one class per failure, each with the Chinese message the page shows."""

from __future__ import annotations


class ConsoleError(Exception):
    """Base class of console failures; ``message_zh`` is what the office worker reads."""

    http_status = 400
    message_zh = "操作失败。"

    def __init__(self, detail: str | None = None):
        super().__init__(detail or type(self).__name__)
        self.detail = detail


class UnknownRole(ConsoleError):
    """The role is not one of the console's three roles."""

    message_zh = "角色只能是 county_admin（县级管理员）、county_viewer（县级查看）或 township_reviewer（乡镇审核）。"


class TownshipRequired(ConsoleError):
    """A township reviewer needs a 9-digit township that exists; other roles take none."""

    message_zh = "乡镇审核账号必须指定一个已登记的 9 位乡镇代码；县级账号不指定乡镇。"


class WeakPassphrase(ConsoleError):
    """The passphrase is too short to resist guessing."""

    message_zh = "口令至少 12 个字符。"


class UserExists(ConsoleError):
    """A console user of that name exists already."""

    http_status = 409
    message_zh = "该账号已存在。"


class UnknownUser(ConsoleError):
    """No console user of that name."""

    http_status = 404
    message_zh = "没有这个账号。"


class LoginFailed(ConsoleError):
    """Wrong name or passphrase, or a disabled account (the page does not say which)."""

    http_status = 401
    message_zh = "账号或口令不正确，或账号已停用。"


class LoginThrottled(ConsoleError):
    """Too many failed logins from this address or for this account: wait before trying again."""

    http_status = 429
    message_zh = "登录失败次数过多，请 15 分钟后再试。"


class NotSignedIn(ConsoleError):
    """No session, an expired or ended session, or the account was disabled."""

    http_status = 401
    message_zh = "请先登录（会话已过期或已退出）。"


class CsrfRejected(ConsoleError):
    """A form was posted without the session's CSRF token."""

    http_status = 403
    message_zh = "页面已过期或来源不明，请刷新页面后重试。"


class NotAllowed(ConsoleError):
    """The account's role may not do this."""

    http_status = 403
    message_zh = "您的账号没有此项操作的权限。"


class NotFoundInArea(ConsoleError):
    """Unknown, or outside the account's area (the same answer, so ids cannot be probed)."""

    http_status = 404
    message_zh = "没有找到该记录（或不在您的管辖范围内）。"


class InvalidInput(ConsoleError):
    """A form field is missing or malformed; the detail names it."""

    message_zh = "填写的内容有误。"


class FeatureMissing(ConsoleError):
    """This server has not got the part of the campaign the page needs (the roster or the review module)."""

    http_status = 404
    message_zh = "本服务器尚未安装此功能（花名册或审核模块），请升级县服务器。"
