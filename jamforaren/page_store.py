"""Where the page cache keeps its pages: files in the instance folder, shared by every worker process of
this host, so a page is rendered once per change of the data however many workers serve it (and a restart
finds them still good).

``<instance>/page-cache/<version>/<key>``: one folder per version of the data. The first worker to see a
new version removes the other folders; a page is written to a temporary file and renamed into place, so a
reader never sees half a page. When a version's pages outgrow ``max_bytes`` the oldest written go first.
The files are the application's own (pickled :class:`Page`), in the instance folder that also holds the
secret key: nothing else may write there.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Page:
    parts: tuple[bytes, ...]  # the body, split where the CSRF token goes
    deflated: tuple[bytes, ...]  # each part compressed on its own, for compression.gzip_joined
    headers: tuple[tuple[str, str], ...]
    session_set: tuple[tuple[str, Any], ...]  # what rendering stored in the session
    session_removed: tuple[str, ...]

    @property
    def size(self) -> int:
        return sum(map(len, self.parts)) + sum(map(len, self.deflated)) + 200

    def body(self, token: bytes) -> bytes:
        return token.join(self.parts)

    def length(self, token: bytes) -> int:
        """The length of ``body(token)``."""
        return sum(map(len, self.parts)) + len(token) * (len(self.parts) - 1)


def _digest(value: Hashable) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


class FilePageStore:
    """``max_bytes`` bounds the files of one version; the pages this worker served last are also kept in
    its memory, up to ``memory_bytes`` (a page of one version never changes, so they need no checking)."""

    def __init__(self, root: Path, max_bytes: int, memory_bytes: int = 0):
        self.root = root
        self.max_bytes = max_bytes
        self.memory_bytes = memory_bytes
        self._current: str | None = None
        self._written = 0  # by this process since the last trim
        self._recent: OrderedDict[tuple[str, str], Page] = OrderedDict()  # by folder and file name
        self._recent_bytes = 0
        self._lock = threading.Lock()

    def get(self, version: Hashable, key: Hashable) -> Page | None:
        folder, name = self._folder(version), _digest(key)
        with self._lock:
            page = self._recent.get((folder.name, name))
            if page is not None:
                self._recent.move_to_end((folder.name, name))
                return page
        try:
            data = (folder / name).read_bytes()
        except FileNotFoundError:
            return None
        try:
            page = pickle.loads(data)
        except Exception:  # a file from an older release of the portal, say: render the page again
            return None
        if not isinstance(page, Page):
            return None
        self._remember(folder.name, name, page)
        return page

    def _remember(self, folder: str, name: str, page: Page) -> None:
        if page.size > self.memory_bytes // 4:
            return
        with self._lock:
            if folder != self._current or (folder, name) in self._recent:
                return
            self._recent[folder, name] = page
            self._recent_bytes += page.size
            while self._recent_bytes > self.memory_bytes:
                self._recent_bytes -= self._recent.popitem(last=False)[1].size

    def put(self, version: Hashable, key: Hashable, page: Page) -> None:
        if page.size > self.max_bytes // 8:
            return
        folder = self._folder(version)
        name = _digest(key)
        temporary = folder / f".{name}.{os.getpid()}.{threading.get_ident()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, folder / name)
        except (FileNotFoundError, FileExistsError):  # another worker saw newer data and removed the folder
            # meanwhile (mkdir says FileExistsError when it goes between its two steps): the page is outdated
            temporary.unlink(missing_ok=True)
            return
        self._remember(folder.name, name, page)
        with self._lock:
            self._written += page.size
            due = self._written > self.max_bytes // 8
            if due:
                self._written = 0
        if due:
            self._trim(folder)

    def _folder(self, version: Hashable) -> Path:
        name = _digest(version)[:24]
        if name != self._current:
            with self._lock:
                self._current = name
                self._recent.clear()
                self._recent_bytes = 0
            for other in self.root.glob("*"):  # pages of older versions are never read again
                if other.name != name:
                    shutil.rmtree(other, ignore_errors=True)
        return self.root / name

    def _trim(self, folder: Path) -> None:
        """Remove the oldest pages until the folder holds three quarters of ``max_bytes``."""
        entries = []
        try:
            for entry in os.scandir(folder):
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, entry.path))
        except FileNotFoundError:  # removed by another worker meanwhile (newer data)
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * 3 // 4:
                break
            Path(path).unlink(missing_ok=True)
            total -= size
