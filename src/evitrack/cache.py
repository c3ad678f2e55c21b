"""A cache of parsed records and file hashes in the portfolio's `.evitrack-cache/`.

Entries are keyed by each file's stat (size, mtime, ctime, inode): a file that
changes in any way is parsed again. The cache is JSON (never pickle: a portfolio
may come from anyone), written atomically, and any problem with it means
"no cache", never an error. Delete the folder at any time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from evitrack import __version__
from evitrack.atomic import atomic_write_text

CACHE_DIR = ".evitrack-cache"
FORMAT = f"2:{__version__}"


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stat_key(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    raise TypeError(f"not cacheable: {type(value).__name__}")


def _undate(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$d" in obj:
            return dt.date.fromisoformat(obj["$d"])
        if "$t" in obj:
            return dt.datetime.fromisoformat(obj["$t"])
    return obj


class Cache:
    """Parsed records and attachment hashes of one portfolio."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled and usable(root)
        self.path = root / CACHE_DIR / "records.json"
        self.records: dict[str, list[Any]] = {}
        self.hashes: dict[str, list[Any]] = {}
        self.dirty = False
        self.added: tuple[dict[str, list[Any]], dict[str, list[Any]]] = ({}, {})
        if enabled:
            self._read()

    def _read(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        records, hashes = data.get("records"), data.get("hashes")
        self.records = records if isinstance(records, dict) else {}
        self.hashes = hashes if isinstance(hashes, dict) else {}

    def record(self, rel: str, key: list[int] | None) -> Any:
        """The data of a clean record parsed before, if the file is unchanged, else None."""
        try:
            entry = self.records.get(rel)
            if entry is None or key is None or entry[0] != key:
                return None
            return json.loads(entry[1], object_hook=_undate)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError):
            return None  # a cache of the wrong shape is no cache

    def has_record(self, rel: str, key: list[int] | None) -> bool:
        """Whether `record(rel, key)` may be served from the cache (without decoding it)."""
        entry = self.records.get(rel)
        return key is not None and isinstance(entry, list) and bool(entry) and entry[0] == key

    def put_record(self, rel: str, key: list[int] | None, data: Any) -> None:
        """Keep a clean record's data (text keys, text, numbers and dates only)."""
        if self.enabled and key is not None:
            try:
                entry = [key, json.dumps(data, default=_date, separators=(",", ":"))]
            except (TypeError, ValueError):
                return
            self.records[rel] = self.added[0][rel] = entry
            self.dirty = True

    def merge(self, added: tuple[dict[str, list[Any]], dict[str, list[Any]]]) -> None:
        """Take in the entries another process added (see `added`)."""
        records, hashes = added
        if self.enabled and (records or hashes):
            self.records.update(records)
            self.hashes.update(hashes)
            self.dirty = True

    def sha256(self, path: Path) -> str:
        rel = os.path.relpath(path, self.root)
        key = stat_key(path)
        try:
            entry = self.hashes.get(rel)
            if entry is not None and key is not None and entry[0] == key:
                return str(entry[1])
        except (AttributeError, TypeError, KeyError, IndexError):
            self.hashes = {}
        digest = sha256_file(path)
        if self.enabled and key is not None:
            self.hashes[rel] = self.added[1][rel] = [key, digest]
            self.dirty = True
        return digest

    def save(self, keep: set[str] | None = None) -> None:
        if not (self.enabled and self.dirty):
            return
        if keep is not None:
            self.records = {k: v for k, v in self.records.items() if k in keep}
        data = {"format": FORMAT, "records": self.records, "hashes": self.hashes}
        with contextlib.suppress(OSError):
            (self.root / CACHE_DIR).mkdir(exist_ok=True)
            gi = self.root / CACHE_DIR / ".gitignore"
            if not gi.exists():
                gi.write_text("*\n")
            atomic_write_text(self.path, json.dumps(data, separators=(",", ":")))


SKIP = {CACHE_DIR, ".git", "out", "__pycache__"}


def usable(root: Path) -> bool:
    """The cache folder may be used: not a link (that could lead out of the portfolio)."""
    return not (root / CACHE_DIR).is_symlink()


def _walk(folder: Path, out: list[str], top: bool = False) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if top and e.name in SKIP:
            continue
        try:
            if e.is_dir(follow_symlinks=False):
                _walk(Path(e.path), out)
                continue
            st = e.stat()
        except OSError:
            out.append(f"{e.path}:?")
            continue
        out.append(f"{e.path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")


def portfolio_digest(root: Path, today: dt.date) -> str:
    """Changes whenever anything a result depends on may have changed.

    The version, the date (future/old-evidence warnings), the content of
    evitrack.yaml, and the stat (size, times, inode) of every other file in the
    portfolio: records, attachments, a centre's qualification files wherever
    they are. Links are stat'ed through, so a changed target is seen too.
    """
    from evitrack.signing import list_digest

    parts = [FORMAT, today.isoformat(), str(root.resolve()), list_digest()]
    try:
        parts.append(hashlib.sha256((root / "evitrack.yaml").read_bytes()).hexdigest())
    except OSError:
        parts.append("?")
    _walk(root, parts, top=True)
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def memo_get(root: Path, name: str, digest: str) -> Any:
    """A result computed before for exactly this state of the portfolio, or None."""
    if not usable(root):
        return None
    try:
        data = json.loads((root / CACHE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("digest") == digest:
        return data.get("value")
    return None


def memo_put(root: Path, name: str, digest: str, value: Any) -> None:
    if not usable(root):
        return
    with contextlib.suppress(OSError):
        (root / CACHE_DIR).mkdir(exist_ok=True)
        gi = root / CACHE_DIR / ".gitignore"
        if not gi.exists():
            gi.write_text("*\n")
        atomic_write_text(
            root / CACHE_DIR / f"{name}.json",
            json.dumps({"digest": digest, "value": value}, separators=(",", ":")),
        )
