"""Who may write what, whatever a change or bundle says about itself.

The village a change is labelled with is the device's claim; the area that counts is the one of
the household the change touches, as the server already stores it. Change ids and bundle ids are
chosen by devices, so one device can reuse another's: they are bound to their device here, so a
copied id never makes another device's work a "duplicate" or fail its batch.
"""

from __future__ import annotations

import re
import uuid

from sync import errors
from sync.server.storage.base import Scope

# A fixed namespace: the same (device, id) always maps to the same server-side id, so re-pushes stay idempotent.
_ALIAS_NAMESPACE = uuid.UUID("5b0f6c0e-2f61-4d0e-9a55-19a1c0ffee19")
BUNDLE_ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEVICE_ID_PATTERN = BUNDLE_ID_PATTERN


def device_alias(device_id: str, own_id: str) -> str:
    """The server-side id of *own_id* when another device already used it (stable per device)."""
    return str(uuid.uuid5(_ALIAS_NAMESPACE, f"{device_id}:{own_id}"))


def check_household_area(scope: Scope, change: dict, records: dict) -> None:
    """Refuse a change whose household (or existing record) lies outside *scope*; store it under the household's village.

    *records* maps ``(entity, entity_id)`` to the stored (or earlier in this batch) records. The
    change's own ``village_code`` is only a label: a visit of a household is filed under that
    household's village, and an existing record cannot be moved to another household.

    :raises errors.OutsideArea: the household or the record is in a village outside the scope
    """
    household = records.get(("household", change["household_id"]))
    if household is not None:
        if not scope.allows(household["village_code"]):
            raise errors.OutsideArea("the household belongs to a village outside this device's area")
        if change["entity"] == "visit":
            change["village_code"] = household["village_code"]
    record = records.get((change["entity"], change["entity_id"]))
    if record is not None and record["household_id"] != change["household_id"]:
        raise errors.OutsideArea("the record belongs to another household")


def safe_bundle_id(bundle_id: object) -> str:
    """A bundle id fit for a file name and a database key (a lower-case UUID), or BundleMalformed."""
    if not isinstance(bundle_id, str) or not BUNDLE_ID_PATTERN.match(bundle_id):
        raise errors.BundleMalformed("bundle_id is not a UUID")
    return bundle_id
