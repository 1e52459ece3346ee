"""Loading form definitions from ``forms/definitions/<form_id>.v<N>.yaml``, with versions and a cache.

Checking the document itself is :mod:`forms.builder`; each version is also checked against
its predecessor (:mod:`forms.versioning`). Loaded forms are cached: the UI asks for them
on every keystroke.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import yaml

from forms.builder import ID_PATTERN, build_form, content_hash
from forms.definition import FormDefinition
from forms.errors import DefinitionError, FormNotFoundError, PublishedVersionChangedError
from forms.yamltext import safe_load

__all__ = ["DEFINITIONS_DIR", "load_form", "load_form_file", "build_form", "content_hash", "available_versions", "clear_cache"]

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
PUBLISHED_FILE = "published.yaml"  # content hashes of versions that visits may have been recorded with
_FILE_NAME = re.compile(r"^(?P<form_id>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.yaml$")
_ID = ID_PATTERN

_cache: dict = {}
_lock = threading.Lock()


def available_versions(form_id: str, definitions_dir: Path | None = None) -> list[int]:
    """Versions of *form_id* present as definition files, ascending."""
    folder = Path(definitions_dir) if definitions_dir else DEFINITIONS_DIR
    versions = []
    for path in folder.glob(f"{form_id}.v*.yaml"):
        m = _FILE_NAME.match(path.name)
        if m and m["form_id"] == form_id:
            versions.append(int(m["version"]))
    return sorted(versions)


def load_form(form_id: str, version: int | None = None, definitions_dir: Path | None = None) -> FormDefinition:
    """The definition of *form_id* at *version* (latest when None), checked and cached.

    Loading a version also checks it against every earlier version of the same form
    (no type changes, no removed questions or options unless renamed).

    :raises FormNotFoundError: no such form or version.
    :raises DefinitionError: the file (or its compatibility with earlier versions) has problems.
    """
    if not isinstance(form_id, str) or not _ID.match(form_id):
        raise FormNotFoundError(str(form_id)[:40], version)
    folder = Path(definitions_dir) if definitions_dir else DEFINITIONS_DIR
    if version is not None:  # fast path: the UI asks for the same form on every keystroke
        form = _cache.get((str(folder), form_id, version))
        if form is not None:
            return form
    versions = available_versions(form_id, folder)
    if not versions or (version is not None and version not in versions):
        raise FormNotFoundError(form_id, version)
    wanted = versions[-1] if version is None else int(version)
    form = _cache.get((str(folder), form_id, wanted))
    if form is not None:
        return form
    with _lock:
        return _load_unlocked(folder, form_id, wanted, versions)


def _load_unlocked(folder: Path, form_id: str, version: int, versions: list[int]) -> FormDefinition:
    key = (str(folder), form_id, version)
    form = _cache.get(key)
    if form is None:
        form = load_form_file(folder / f"{form_id}.v{version}.yaml")
        _check_published(folder, form)
        earlier = [v for v in versions if v < version]
        if earlier:
            from forms.versioning import check_compatible

            check_compatible(_load_unlocked(folder, form_id, earlier[-1], versions), form)
        _cache[key] = form
    return form


def _check_published(folder: Path, form: FormDefinition) -> None:
    """A version listed in ``published.yaml`` must still have the content hash recorded there.

    Visits recorded with a published version must stay readable exactly as recorded, so such
    a file is never edited: changes go into a new version. Unlisted versions (drafts) pass.
    """
    registry = folder / PUBLISHED_FILE
    if not registry.exists():
        return
    try:
        published = safe_load(registry.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(PUBLISHED_FILE, [f"cannot read the list of published versions: {exc}"]) from None
    recorded = (published.get(form.form_id) or {}).get(form.version) if isinstance(published, dict) else None
    if recorded is not None and recorded != form.content_hash:
        raise PublishedVersionChangedError(form.source, [
            f"{form.form_id} v{form.version} is published (content hash {recorded[:12]}…) but the file now hashes to "
            f"{form.content_hash[:12]}…: put changes in a new version instead of editing a published one"])


def clear_cache() -> None:
    """Forget loaded forms (after definition files changed on disk)."""
    with _lock:
        _cache.clear()


def load_form_file(path) -> FormDefinition:
    """Read and check one definition file.

    :raises DefinitionError: unreadable YAML or any problem in the definition (all listed).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(str(path), [f"cannot read file: {exc.strerror}"]) from None
    try:
        document = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DefinitionError(str(path), [f"{where}not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    form = build_form(document, source=path.name)
    m = _FILE_NAME.match(path.name)
    if m and (m["form_id"] != form.form_id or int(m["version"]) != form.version):
        raise DefinitionError(path.name, [f"file name says {m['form_id']} v{m['version']} but the file declares {form.form_id} v{form.version}"])
    return form
