"""One catalogue of coded sync errors, shared by the server (HTTP status + JSON body) and the client.

Every failure a device or the admin can meet has its own class with a stable ``code``,
the HTTP status the server answers with, and a plain Chinese (``message_zh``) and English
(``message_en``) message. The server turns them into ``{"code", "message_zh", "message_en"}``;
the client turns such a body back into the same class (:func:`error_from_payload`).
"""

from __future__ import annotations


class SyncError(Exception):
    """Base class of every sync failure; carries a stable code and user messages."""

    code = "SYNC_ERROR"
    http_status = 400
    message_zh = "同步失败。"
    message_en = "Sync failed."

    def __init__(self, detail: str | None = None):
        super().__init__(detail or self.message_en)
        self.detail = detail

    def payload(self) -> dict:
        """The JSON body the server sends for this error."""
        body = {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}
        if self.detail:
            body["detail"] = self.detail
        return body

    @classmethod
    def from_payload(cls, payload: dict) -> "SyncError":
        """The exception a client raises for the server's body *payload* of this code."""
        return cls(payload.get("detail"))


def _coded(name: str, code: str, status: int, zh: str, en: str, doc: str, base=SyncError):
    cls = type(name, (base,), {"code": code, "http_status": status, "message_zh": zh, "message_en": en, "__doc__": doc})
    return cls


# --- request shape and protocol -------------------------------------------------
MalformedRequest = _coded(
    "MalformedRequest", "MALFORMED_REQUEST", 400,
    "请求格式不正确，请更新 fieldapp 或联系县民政局。", "The request is malformed.",
    "The request body or parameters do not match the protocol.")
NotFound = _coded(
    "NotFound", "NOT_FOUND", 404, "请求的内容不存在。", "Not found.", "Unknown path or object.")
ClientTooOld = _coded(
    "ClientTooOld", "CLIENT_TOO_OLD", 426,
    "此电脑上的 fieldapp 版本过旧，请先更新软件再同步。", "This fieldapp is too old for the server: please update.",
    "The client's protocol version is below the server's minimum.")
ServerTooOld = _coded(
    "ServerTooOld", "SERVER_TOO_OLD", 400,
    "县服务器的软件版本过旧，请联系县民政局升级服务器。", "The server is older than this fieldapp: ask the county to update it.",
    "The server's protocol version is below what this client needs.")
ProtocolVersionMissing = _coded(
    "ProtocolVersionMissing", "PROTOCOL_VERSION_MISSING", 400,
    "请求缺少协议版本，请更新 fieldapp。", "The request carries no protocol version.",
    "The X-Fieldapp-Protocol header is missing or not a number.")



class AppVersionTooOld(SyncError):
    """The laptop's app version is below the minimum the county set; carries where to get the new one."""

    code = "APP_VERSION_TOO_OLD"
    http_status = 426
    message_en = "This fieldapp version is below the county's minimum: install the new version, then sync again."

    def __init__(self, detail: str | None = None, version: str | None = None, minimum: str | None = None,
                 download_url: str | None = None):
        super().__init__(detail or f"app version {version or 'unknown'}, county minimum {minimum}")
        self.version, self.minimum, self.download_url = version, minimum, download_url

    @property
    def message_zh(self) -> str:  # type: ignore[override]
        where = f"请从县服务器下载新版本：{self.download_url} ，" if self.download_url else ""
        return (f"此电脑上的 fieldapp 版本（{self.version or '未知'}）低于县民政局要求的最低版本"
                f"（{self.minimum or '未知'}），暂不能同步。走访数据仍安全保存在本机。{where}"
                "也可向乡镇经办机构索取安装包，安装后再同步。")

    def payload(self) -> dict:
        """The coded body plus the version, the minimum and the download address."""
        return {**super().payload(), "version": self.version, "minimum": self.minimum,
                "download_url": self.download_url}

    @classmethod
    def from_payload(cls, payload: dict) -> "AppVersionTooOld":
        return cls(payload.get("detail"), payload.get("version"), payload.get("minimum"), payload.get("download_url"))


class PackageNotPublished(SyncError):
    """The county server offers no package for this platform."""

    code = "PACKAGE_NOT_PUBLISHED"
    http_status = 404
    message_zh = "县服务器上还没有可下载的新版本安装包，请向乡镇经办机构索取。"
    message_en = "The county server offers no package for this platform."


class PackageSignatureInvalid(SyncError):
    """A downloaded package or its release document does not match the server's signature."""

    code = "PACKAGE_SIGNATURE_INVALID"
    http_status = 502
    message_zh = "下载的安装包签名校验失败，可能已损坏或被篡改，已删除，请勿安装。请联系县民政局。"
    message_en = "The downloaded package does not match the county server's signature: it was deleted."


# --- authentication -------------------------------------------------------------
AuthenticationMissing = _coded(
    "AuthenticationMissing", "AUTH_MISSING", 401,
    "请求未签名，请重新登记此电脑。", "The request is not signed.",
    "Signature headers are missing.")
UnknownDevice = _coded(
    "UnknownDevice", "UNKNOWN_DEVICE", 401,
    "服务器不认识此电脑，请用登记码重新登记。", "This device is not enrolled on the server.",
    "The device id is not registered.")
BadSignature = _coded(
    "BadSignature", "BAD_SIGNATURE", 401,
    "请求签名无效。", "The request signature is invalid.",
    "The Ed25519 signature does not verify.")
ClockSkew = _coded(
    "ClockSkew", "CLOCK_SKEW", 401,
    "此电脑的时间与服务器相差太大，请校准电脑时间后再同步。", "The device clock is too far from the server's: fix the clock.",
    "The request timestamp is outside the allowed window.")
ReplayedRequest = _coded(
    "ReplayedRequest", "REPLAYED_REQUEST", 401,
    "重复的请求已被拒绝，请重试同步。", "A replayed request was refused.",
    "The nonce was already used.")
DeviceRevoked = _coded(
    "DeviceRevoked", "DEVICE_REVOKED", 403,
    "此电脑已被县民政局注销，本地数据已锁定。请联系乡镇经办机构。", "This device was revoked by the county.",
    "The device was revoked; it must lock and destroy its key wraps.")

# --- enrollment -----------------------------------------------------------------
EnrollmentCodeInvalid = _coded(
    "EnrollmentCodeInvalid", "ENROLLMENT_CODE_INVALID", 403,
    "登记码无效，请核对后重新输入。", "The enrollment code is not valid.",
    "The enrollment code is unknown.")
EnrollmentCodeExpired = _coded(
    "EnrollmentCodeExpired", "ENROLLMENT_CODE_EXPIRED", 403,
    "登记码已过期，请向县民政局申请新的登记码。", "The enrollment code has expired.",
    "The enrollment code is past its expiry time.")
EnrollmentCodeUsed = _coded(
    "EnrollmentCodeUsed", "ENROLLMENT_CODE_USED", 403,
    "登记码已被使用过，每个登记码只能用一次。", "The enrollment code was already used.",
    "The enrollment code is single-use and was used.")
EnrollmentThrottled = _coded(
    "EnrollmentThrottled", "ENROLLMENT_THROTTLED", 429,
    "登记码输错次数过多，请 10 分钟后再试，或向县民政局核对登记码。",
    "Too many wrong enrollment codes from this address: try again in 10 minutes.",
    "Too many unknown enrollment codes from one client address in a short time (guessing is slowed down).")

# A code the server refused for good: the person who typed it must type another (throttling is only "wait").
CODE_REFUSED = (EnrollmentCodeInvalid, EnrollmentCodeExpired, EnrollmentCodeUsed)

# --- authorization and data -----------------------------------------------------
OutsideArea = _coded(
    "OutsideArea", "OUTSIDE_AREA", 403,
    "此电脑无权查看或修改本辖区以外的住户。", "The device may not read or change households outside its area.",
    "A change or query touches a village outside the device's area.")
RoleNotAllowed = _coded(
    "RoleNotAllowed", "ROLE_NOT_ALLOWED", 403,
    "只有乡镇经办机构的电脑可以处理冲突。", "Only township office devices may do this.",
    "The device's role does not allow this action.")
BatchTooLarge = _coded(
    "BatchTooLarge", "BATCH_TOO_LARGE", 413,
    "一次同步的数据太多，请更新 fieldapp。", "The batch is too large.",
    "More changes in one push than the server accepts.")
ChangeIdReused = _coded(
    "ChangeIdReused", "CHANGE_ID_REUSED", 409,
    "变更编号重复但内容不同，数据可能已损坏。", "A change id was reused for a different change.",
    "A change id already stored refers to a different record.")
ConflictNotFound = _coded(
    "ConflictNotFound", "CONFLICT_NOT_FOUND", 404,
    "冲突记录不存在。", "No such conflict.", "The conflict id is unknown or outside the area.")
ConflictAlreadyResolved = _coded(
    "ConflictAlreadyResolved", "CONFLICT_ALREADY_RESOLVED", 409,
    "此冲突已经处理过了。", "The conflict was already resolved.", "The conflict is not open.")
ChangeInvalid = _coded(
    "ChangeInvalid", "CHANGE_INVALID", 422,
    "上传的走访记录格式不正确，县服务器没有接收这一批数据。数据仍保存在本机，请更新 fieldapp 后再同步。",
    "A pushed visit record is malformed; the batch was not stored (it is still on the laptop).",
    "A visit change has unknown fields, wrong types, or a final visit's answers do not fit the interchange schema.")
AuditAnchorMismatch = _coded(
    "AuditAnchorMismatch", "AUDIT_ANCHOR_MISMATCH", 409,
    "此电脑的操作日志与县服务器保存的记录不一致，日志可能被改写。请联系县民政局。",
    "This laptop's audit log no longer matches what the county server recorded: it may have been rewritten.",
    "An audit chain head contradicts one the server stored earlier for this device.")
UnknownArea = _coded(
    "UnknownArea", "UNKNOWN_AREA", 400,
    "区划代码不存在，请先创建该乡镇或村。", "Unknown division code.",
    "The division code was not created on the server.")
InvalidDocument = _coded(
    "InvalidDocument", "INVALID_DOCUMENT", 400,
    "发布的文档无效。", "The published document is invalid.", "A reference/form document failed its checks.")
OfficeKeyInvalid = _coded(
    "OfficeKeyInvalid", "OFFICE_KEY_INVALID", 400,
    "县级恢复公钥无效或签名不符，已拒绝。", "The office recovery key is not a valid X25519 public key, or its signature does not verify.",
    "An office recovery key that is not an X25519 public key (admin), or not signed by the server (laptop).")

# --- review (审核) -----------------------------------------------------------------
class ReviewNotAllowed(SyncError):
    """The device's role may not review visits (visitor laptops record, they do not review)."""

    code, http_status = "REVIEW_NOT_ALLOWED", 403
    message_zh = "只有乡镇经办机构或县民政局可以审核走访记录。"
    message_en = "Only township offices and the county may review visits."


class VisitNotFound(SyncError):
    """The visit id is unknown on the server (never synced, or mistyped)."""

    code, http_status = "VISIT_NOT_FOUND", 404
    message_zh = "县服务器上没有这条走访记录，请先同步。"
    message_en = "No such visit on the server: sync first."


class ReviewNotPending(SyncError):
    """The visit is not waiting for review: a draft, or already approved or returned."""

    code, http_status = "REVIEW_NOT_PENDING", 409
    message_zh = "这条走访记录不在待审核状态（草稿、已审核通过或已退回），不能再审核。"
    message_en = "The visit is not waiting for review (a draft, or already approved or returned)."


class ReviewCommentRequired(SyncError):
    """A return needs a comment naming what to fix (and per-field comments must name fields and say something)."""

    code, http_status = "REVIEW_COMMENT_REQUIRED", 400
    message_zh = "退回走访记录时必须填写退回意见，写明需要修改的内容。"
    message_en = "Returning a visit needs a comment saying what to fix."


# --- bundles --------------------------------------------------------------------
BundleMalformed = _coded(
    "BundleMalformed", "BUNDLE_MALFORMED", 400,
    "U 盘数据包格式不正确或已损坏。", "The bundle file is not a fieldapp bundle or is damaged.",
    "The bundle cannot be parsed.")
BundleTampered = _coded(
    "BundleTampered", "BUNDLE_TAMPERED", 400,
    "U 盘数据包已被篡改，已拒绝导入。", "The bundle was modified after it was written: refused.",
    "The bundle's signature or encryption tag does not verify.")
BundleForeign = _coded(
    "BundleForeign", "BUNDLE_FOREIGN", 400,
    "U 盘数据包不是发给本服务器（或本电脑）的，已拒绝导入。", "The bundle is addressed to another server or device, or its sender is unknown.",
    "The bundle's sender or recipient is not ours.")

# --- client side (never sent by the server) -------------------------------------
ServerUnreachable = _coded(
    "ServerUnreachable", "SERVER_UNREACHABLE", 503,
    "无法连接县服务器，请检查网络后重试。数据已安全保存在本机。", "The server cannot be reached.",
    "No network, or the connection broke; nothing was lost.")
TlsVerifyFailed = _coded(
    "TlsVerifyFailed", "TLS_VERIFY_FAILED", 495,
    "服务器证书验证失败，可能连接到了假冒的服务器。请联系县民政局。", "The server's certificate could not be verified.",
    "The TLS certificate does not chain to the pinned CA.")
NotEnrolled = _coded(
    "NotEnrolled", "NOT_ENROLLED", 400,
    "此电脑尚未登记到县服务器，请先登记。", "This laptop is not enrolled yet.",
    "No device key in the local sync state.")
UnexpectedResponse = _coded(
    "UnexpectedResponse", "UNEXPECTED_RESPONSE", 502,
    "服务器返回了无法识别的应答，请稍后重试。", "The server gave an unexpected answer.",
    "The server answered with something not in the protocol.")
InternalError = _coded(
    "InternalError", "INTERNAL_ERROR", 500,
    "服务器内部错误，请稍后重试。", "Internal server error.", "An unexpected server failure.")

# --- target roster (花名册) ---------------------------------------------------------
class RosterUnreadable(SyncError):
    """The roster file cannot be read at all (not .xlsx/CSV, no header row found, a required column missing)."""

    code = "ROSTER_UNREADABLE"
    http_status = 422
    message_zh = "无法读取花名册文件。"
    message_en = "The roster file cannot be read."

    def __init__(self, detail: str | None = None, message_zh: str | None = None):
        super().__init__(detail)
        if message_zh:
            self.message_zh = message_zh


class RosterCampaignMissing(SyncError):
    """No campaign named for the roster and none set in the published reference data."""

    code = "ROSTER_CAMPAIGN_MISSING"
    http_status = 422
    message_zh = "请用 --campaign 指定专项行动名称（参考数据中也没有当前专项行动）。"
    message_en = "Name the campaign (--campaign): the reference data sets none."


CATALOGUE: dict[str, type[SyncError]] = {
    cls.code: cls for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, SyncError) and cls is not SyncError
}


def error_from_payload(status: int, payload: object) -> SyncError:
    """Turn a server's JSON error body back into the matching exception instance."""
    if isinstance(payload, dict) and isinstance(payload.get("code"), str) and payload["code"] in CATALOGUE:
        # only text travels on into the exception: a tampered body (a list for a detail or a URL) is no crash
        return CATALOGUE[payload["code"]].from_payload({k: v for k, v in payload.items() if isinstance(v, str)})
    return UnexpectedResponse(f"HTTP {status}")
