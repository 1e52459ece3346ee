"""The app versions the county accepts and the packages it offers (see sync/appversion.py).

Settings live in the database (every worker process sees the same minimum at once); package
files live in the releases folder (``--releases-dir``), described by signed rows in the database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sync import errors
from sync.appversion import (APP_VERSION_HEADER, PLATFORMS, SAFE_FILE_NAME, file_digest, is_below, parse_version,
                             sign_release)

MIN_VERSION = "min_app_version"
DOWNLOAD_URL = "app_download_url"          # optional: a county web page or share instead of the server's own link
DOWNLOAD_PATH = "/v1/app/download/"


def set_minimum(storage, version: str | None, now: str, download_url: str | None = None) -> dict:
    """Set (or with None clear) the minimum app version; InvalidVersion for a malformed one."""
    if version is not None:
        parse_version(version)
    storage.set_setting(MIN_VERSION, version, now)
    if download_url is not None:
        storage.set_setting(DOWNLOAD_URL, download_url or None, now)
    return minimum(storage)


def minimum(storage) -> dict:
    """``{"min_app_version", "download_url"}`` as configured (either may be None)."""
    return {"min_app_version": storage.setting(MIN_VERSION), "download_url": storage.setting(DOWNLOAD_URL)}


def where_to_download(storage, platform: str = "deb-amd64") -> str | None:
    """The configured download page, else the server path of the newest package, else None."""
    configured = storage.setting(DOWNLOAD_URL)
    if configured:
        return configured
    offered = storage.releases(platform) or storage.releases()
    return DOWNLOAD_PATH + offered[0]["file_name"] if offered else None


def check_app_version(storage, headers) -> str | None:
    """The laptop's app version, or AppVersionTooOld if the county's minimum is higher."""
    version = headers.get(APP_VERSION_HEADER)
    floor = storage.setting(MIN_VERSION)
    if is_below(version, floor):
        raise errors.AppVersionTooOld(version=version, minimum=floor, download_url=where_to_download(storage))
    return version


def sent_version(headers) -> str | None:
    """The X-Fieldapp-Version a laptop sent, as kept for the devices list (printable ASCII, at most 32)."""
    raw = headers.get(APP_VERSION_HEADER)
    if raw is None:
        return None
    text = "".join(ch for ch in str(raw).strip() if 32 < ord(ch) < 127)[:32]
    return text or None


def note_device_version(storage, device: dict, headers, now: str) -> None:
    """Store the app version an authenticated device sent, when it differs from the one kept."""
    version = sent_version(headers)
    if version is not None and version != device.get("app_version"):
        storage.note_app_version(device["device_id"], version, now)


def device_versions(storage, devices: list[dict]) -> list[dict]:
    """*devices* with ``below_minimum``: the kept version is older than the county's minimum (or unknown)."""
    floor = storage.setting(MIN_VERSION)
    return [dict(d, below_minimum=bool(floor) and is_below(d.get("app_version"), floor), min_app_version=floor)
            for d in devices]


def publish(storage, keys, releases_dir: str | Path, package: str | Path, version: str, platform: str,
            now: str) -> dict:
    """Copy *package* into the releases folder and record its signed release document."""
    parse_version(version)
    if platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
    source = Path(package)
    if not SAFE_FILE_NAME.match(source.name):
        raise ValueError(f"package file name must be plain ASCII letters, digits and ._+-: {source.name!r}")
    folder = Path(releases_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if source.resolve() != target.resolve():
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    size, sha = file_digest(target)
    release = sign_release({"version": version, "platform": platform, "file_name": target.name, "size": size,
                            "sha256": sha, "published_at": now}, keys)
    storage.add_release(release)
    return release


def package_path(releases_dir: str | Path, file_name: str) -> Path:
    """The file of an offered package; NotFound for names outside the releases folder."""
    if not SAFE_FILE_NAME.match(file_name):
        raise errors.NotFound()
    path = Path(releases_dir) / file_name
    if not path.is_file():
        raise errors.PackageNotPublished(file_name)
    return path
