"""Uploaded files kept between the preview and the commit, in the instance folder, for their uploader only."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from jamforaren.imports.plan import ImportKind

KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class StagedFile:
    token: str
    kind: ImportKind
    filename: str
    data: bytes


def _folder(instance_path: str | Path) -> Path:
    folder = Path(instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clean(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass  # another request cleaned it first


def stage(instance_path: str | Path, user_id: int, kind: ImportKind, filename: str, data: bytes) -> str:
    folder = _folder(instance_path)
    _clean(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.data").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"user": user_id, "kind": kind.value, "filename": filename}))
    return token


def load(instance_path: str | Path, token: str, user_id: int) -> StagedFile | None:
    """The staged file if it exists and belongs to the user; otherwise None."""
    if not TOKEN.match(token or ""):
        return None
    folder = _folder(instance_path)
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.data").read_bytes()
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if meta.get("user") != user_id:
        return None
    return StagedFile(token, ImportKind(meta["kind"]), meta["filename"], data)


def discard(instance_path: str | Path, token: str) -> None:
    if TOKEN.match(token or ""):
        for suffix in (".data", ".json"):
            (_folder(instance_path) / f"{token}{suffix}").unlink(missing_ok=True)
