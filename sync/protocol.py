"""Protocol constants and message shapes shared by the client and the server.

The wire format is JSON over HTTPS. Every request carries ``X-Fieldapp-Protocol``;
authenticated requests carry the headers of :mod:`sync.signing`. The change and pulled
change shapes are the contract of docs/architecture.md ("Records and the change log").
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from forms.interchange import json_nesting_exceeds, value_nesting_exceeds

PROTOCOL_VERSION = 1          # what this code speaks
MIN_PROTOCOL_VERSION = 1      # the oldest client protocol the server still accepts
PROTOCOL_HEADER = "X-Fieldapp-Protocol"
MAX_PUSH_BATCH = 1000         # changes per push request
MAX_PULL_LIMIT = 2000         # changes per pull page
MAX_SERIAL_BLOCK = 200        # 文号 per reservation
ENTITIES = ("household", "visit")

UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
VILLAGE_PATTERN = r"^[0-9]{12}$"


def canonical_json(value: Any) -> bytes:
    """Deterministic UTF-8 JSON (sorted keys, no spaces): what signatures and hashes cover."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Change(_Strict):
    """One outbox change as pushed by a device (architecture doc)."""

    change_id: str = Field(pattern=UUID_PATTERN)
    entity: Literal["household", "visit"]
    entity_id: str = Field(pattern=UUID_PATTERN)
    household_id: str = Field(pattern=UUID_PATTERN)
    village_code: str = Field(pattern=VILLAGE_PATTERN)
    base_revision: int = Field(ge=0, le=2**53)
    fields: dict[str, Any]
    device_id: str | None = Field(default=None, max_length=80)   # the server records the authenticated device
    author: str | None = Field(default="", max_length=200)
    at: str = Field(min_length=1, max_length=40)


class PushRequest(_Strict):
    """A batch of changes; applied atomically."""

    changes: list[Change]


class KnownRequest(_Strict):
    """Change ids the device is about to push: the server says which it already stored."""

    change_ids: list[str] = Field(max_length=MAX_PUSH_BATCH * 10)


class Accepted(BaseModel):
    """The server's verdict on one pushed change."""

    change_id: str
    seq: int
    revision: int
    status: Literal["applied", "duplicate", "conflict"]


class ConflictNotice(BaseModel):
    """A soft or hard conflict as both sides see it."""

    conflict_id: str
    seq: int
    kind: Literal["soft", "hard"]
    status: Literal["open", "merged", "resolved"]
    entity: str
    entity_id: str
    household_id: str
    village_code: str
    base_revision: int
    change_id: str
    device_id: str
    fields: dict[str, Any]
    concurrent: list[str] = []
    created_at: str
    resolved_by: str | None = None
    resolved_at: str | None = None
    resolution: dict[str, Any] | None = None


class PushResponse(BaseModel):
    """Per-change verdicts and the conflicts this batch opened."""

    accepted: list[Accepted]
    conflicts: list[ConflictNotice]


class KnownResponse(BaseModel):
    """The offered change ids the server already stored (ids only: a re-push must stay cheap)."""

    known: list[str]


class PulledChange(BaseModel):
    """A change as pulled: field values after the merge, with the server's seq and revision."""

    seq: int
    change_id: str
    entity: str
    entity_id: str
    household_id: str
    village_code: str
    revision: int
    fields: dict[str, Any]
    device_id: str
    author: str
    at: str


class Document(BaseModel):
    """A named reference document, form version or letter-template set published by the county."""

    seq: int
    kind: Literal["reference", "form", "templates", "areas"]  # areas: names from `areas import`
    name: str
    version: int
    content: Any
    published_at: str


class OfficeRecoveryKey(BaseModel):
    """The county office's recovery public key (X25519 PEM), versioned and signed by the server (sync/officekey.py)."""

    version: int
    public_key_pem: str
    signature: str
    set_at: str


class PullResponse(BaseModel):
    """One page of everything new in the device's area since its cursor."""

    changes: list[PulledChange]
    conflicts: list[ConflictNotice]
    documents: list[Document]
    cursor: int
    more: bool
    office_recovery_key: OfficeRecoveryKey | None = None


class SerialRequest(_Strict):
    """A device asks for the next block of 文号 of one kind for its township and a year."""

    kind: str = Field(pattern=r"^[a-z_]{1,40}$")
    township_code: str = Field(pattern=r"^[0-9]{9}$")
    year: int = Field(ge=2000, le=2200)
    count: int = Field(ge=1, le=MAX_SERIAL_BLOCK)
    at_least: int = Field(default=1, ge=1, le=10**9)  # numbers this device already issued on its own stay behind


class SerialBlock(BaseModel):
    """Numbers first..last (inclusive) are this device's alone."""

    kind: str
    township_code: str
    year: int
    first: int
    last: int


class DuplicateHousehold(BaseModel):
    """One household holding a member ID number that another household also holds."""

    household_id: str
    village_code: str


class DuplicateMember(BaseModel):
    """A member ID number found in two or more households: flagged for the township office, never merged."""

    id_number: str
    households: list[DuplicateHousehold]


class AuditAnchor(_Strict):
    """The head of the device's hash-chained audit log: its last entry's number and hash."""

    seq: int = Field(ge=0, le=2**53)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class AuditAnchorStored(BaseModel):
    """Whether the head was new to the server."""

    stored: bool


class AuditAnchors(BaseModel):
    """Every head the server holds for the device, oldest first."""

    anchors: list[dict]


class EnrollRequest(_Strict):
    """A laptop's enrollment: the one-time code and its two public keys."""

    code: str = Field(min_length=4, max_length=64)
    signing_public_key: str = Field(min_length=40, max_length=60)
    sealing_public_key: str = Field(min_length=40, max_length=60)
    label: str = Field(default="", max_length=200)


class EnrollResponse(BaseModel):
    """The registered device, its area and the server's public keys."""

    device_id: str
    role: Literal["visitor", "office"]
    township_code: str
    villages: list[str]
    server_signing_key: str
    server_sealing_key: str
    office_recovery_key: OfficeRecoveryKey | None = None


class Hello(BaseModel):
    """Unauthenticated server description: protocol range, clock and keys."""

    protocol_version: int
    min_protocol_version: int
    server_time: str
    server_signing_key: str
    server_sealing_key: str
    min_app_version: str | None = None      # laptops below it are refused with APP_VERSION_TOO_OLD
    data_epoch: str | None = None           # changes when the database is restored from a backup
    restored_seq: int | None = None         # the last seq the restored backup held (laptops pull again from it)
    backed_up_at: str | None = None         # start of the last completed backup: changes acknowledged before it are safe


class AppRelease(BaseModel):
    """An app package the county offers; ``signature`` (server key) covers every field but download_path."""

    version: str
    platform: str
    file_name: str
    size: int
    sha256: str
    published_at: str
    signature: str
    download_path: str


class ResolveRequest(_Strict):
    """An office user's resolution: the value chosen (or merged) for each conflicting field."""

    fields: dict[str, Any]
    author: str = Field(default="", max_length=200)


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer."""

    code: str
    message_zh: str
    message_en: str
    detail: str | None = None


def keys_are_valid(signing_public: str, sealing_public: str) -> bool:
    """Whether both texts are well-formed 32-byte public keys."""
    from sync.keys import sealing_public_key, signing_public_key

    try:
        signing_public_key(signing_public)
        sealing_public_key(sealing_public)
    except ValueError:
        return False
    return True


# --- JSON limits on the wire: every request the server takes and every answer the laptop reads -------------
MAX_JSON_DEPTH = 32     # a visit's answers nest 4 levels (answers → members → member → value)
MAX_MESSAGE_DEPTH = MAX_JSON_DEPTH + 8   # a whole message: a pull page or receipt holds fields 3-4 levels down
# A change's fields as compact JSON text, in characters. A visit is about 2,000; a bigger record would be
# stored by every laptop of its area and shown in every list (refused at entry on the laptop, at push on the server).
MAX_FIELDS_CHARS = 1_000_000


def json_depth_exceeds(value, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed *value* nests lists/objects deeper than *max_depth* (iterative: no recursion limit)."""
    return value_nesting_exceeds(value, max_depth)


def raw_json_depth_exceeds(data: bytes, max_depth: int = MAX_MESSAGE_DEPTH) -> bool:
    """Whether JSON text *data* nests deeper than *max_depth*, judged before parsing (the files' rule, forms.interchange)."""
    return json_nesting_exceeds(data, max_depth)


def loads_bounded(data: bytes | str, error: type, max_depth: int = MAX_MESSAGE_DEPTH):
    """``json.loads`` that raises the coded *error* (a :class:`sync.errors.SyncError`) for bad JSON, bad UTF-8
    or nesting deeper than *max_depth* — checked before parsing, so no deep value reaches the parser."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if raw_json_depth_exceeds(raw, max_depth):
        raise error(f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise error("not JSON") from None
    except RecursionError:
        raise error("JSON nested too deeply") from None
    return value
