"""The portfolio's `.evitrack-cache/`: parsed records, file hashes and whole answers.

- A record's parsed data is keyed by the sha256 of its text: a changed byte is parsed again.
- An attachment's sha256 is keyed by its stat (size, mtime, ctime, inode), trusted only when
  the file was last changed safely before it was hashed (the "racy git" rule: on a
  filesystem that keeps whole seconds, an edit within the same second leaves the stat as
  it was, so such a file is hashed again).
- The answers of `check`, `plan` and `gaps` (memos) are keyed on everything they depend
  on: the program (a digest of the installed package, shipped qualifications included),
  the date, the bytes of evitrack.yaml and of the centre's qualification files it read,
  the stat of every file in the portfolio, and every attachment a record names wherever
  it is. Stat data that cannot be trusted (a file changed within `RACY_NS` of the moment
  the answer was computed) means the answer is computed again.

Everything read here is untrusted input: JSON only (never pickle), at most `MAX_BYTES`,
regular files only, never through a link; a bad cache is discarded with a note and
replaced. Everything written is written atomically, never through a link. Delete the
folder at any time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import __version__
from evitrack.atomic import atomic_write_text
from evitrack.locate import display_path

CACHE_DIR = ".evitrack-cache"
FORMAT = f"3:{__version__}"
MAX_BYTES = 256 << 20  # a cache file larger than this is not read
RACY_NS = 2_000_000_000  # timestamps may be this coarse (FAT keeps two seconds)
ANSWERS = 8  # rendered answers kept beside a memo's value (formats, folders shown from)
SKIP = {CACHE_DIR, ".git", "out", "__pycache__"}  # top-level folders the stat walk leaves out


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time (unbuffered: each byte once)."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
    finally:
        os.close(fd)
    return h.hexdigest()


def stat_key(path: Path | str) -> list[int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def trusted(key: list[int], since_ns: int) -> bool:
    """Whether a file whose stat is `key` cannot have changed unseen after `since_ns`:
    its last change (mtime or ctime) is more than RACY_NS older than that moment."""
    return max(key[1], key[2]) + RACY_NS <= since_ns


@functools.cache
def code_fingerprint() -> tuple[str, int]:
    """A digest of the installed program, and the latest change (ns) of any of its files:
    the package (code, shipped qualifications, templates) and a checkout's `templates/`.
    Any edit, upgrade or other copy of the program changes it. Computed once per process.
    """
    package = Path(__file__).resolve().parent
    return tree_fingerprint([package, package.parents[1] / "templates"])


def tree_fingerprint(folders: list[Path]) -> tuple[str, int]:
    """The sha256 over the path and stat of every file below `folders` (compiled
    `__pycache__` left out), and the latest change seen (ns), for the racy rule: a file
    changed since a memo was computed has another stat, or it changed too recently to
    tell and the memo is not trusted. About a millisecond, where reading the bytes of the
    package (1 MB) takes 6 to 20.
    """
    lines, latest = [], 0
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(folder, name)
                key = stat_key(path) or [0, 0, 0, 0]
                latest = max(latest, key[1], key[2])
                lines.append(f"{path}:{key}")
    digest = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
    return digest, latest


def _format() -> str:
    return f"{FORMAT}:{code_fingerprint()[0]}"


# ---- reading and writing the cache's own files ---------------------------------------------


def read_json(
    path: Path,
    notes: list[str] | None = None,
    hook: Callable[[dict[str, Any]], Any] | None = None,
) -> Any:
    """A cache file's JSON, or None: missing, or bad (then noted, to be replaced).
    `hook`: json's `object_hook`, given each object as it is decoded.

    Never follows a link, never opens a pipe or a device, never reads more than
    MAX_BYTES, and survives any nesting.
    """
    why = None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        why = "is a link" if exc.errno == errno.ELOOP else f"cannot be read ({exc.strerror})"
    else:
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                why = "is not a regular file"
            elif st.st_size > MAX_BYTES:
                why = f"is larger than {MAX_BYTES >> 20} MB"
            else:
                raw = _read(fd)
                if len(raw) > MAX_BYTES:
                    why = f"is larger than {MAX_BYTES >> 20} MB"
                else:
                    return json.loads(raw, object_hook=hook)
        except OSError as exc:
            why = f"cannot be read ({exc.strerror})"
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            why = "is not valid JSON"
        finally:
            os.close(fd)
    if notes is not None:
        notes.append(f"{display_path(path)} {why}: evitrack did not use it and will replace it")
    return None


def _folder(root: Path) -> Path | None:
    """The cache folder, made if needed; None if it is (or cannot be) a real folder of its own."""
    folder = root / CACHE_DIR
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):  # a link or a file: never used
            return None
    except FileNotFoundError:
        try:
            folder.mkdir()
        except OSError:
            return None
    except OSError:
        return None
    _ignore(folder)
    return folder


def _ignore(folder: Path) -> None:
    """`.gitignore` holding `*`, created without following a link that may stand there."""
    gi = folder / ".gitignore"
    try:
        fd = os.open(gi, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        with contextlib.suppress(OSError):
            if not stat.S_ISREG(os.lstat(gi).st_mode):  # a link (or other): replace the name
                _unlink_odd(gi)
                atomic_write_text(gi, "*\n")
        return
    except OSError:
        return
    with os.fdopen(fd, "w") as fh:
        fh.write("*\n")


def _write(root: Path, name: str, data: Any) -> None:
    """Write a cache file atomically: a new file renamed over the name, never through a link.

    Not synced to disk (an fsync a run): a memo a crash of the machine leaves empty or torn
    does not parse and is computed again, and one left as it was holds its own key.
    """
    folder = _folder(root)
    if folder is None:
        return
    with contextlib.suppress(OSError, ValueError):
        _unlink_odd(folder / name)
        atomic_write_text(folder / name, json.dumps(data, separators=(",", ":")), sync=False)


def _unlink_odd(path: Path) -> None:
    """Remove a link (or pipe, socket...) standing where a cache file goes: the new file
    takes its name, and nothing (not even the mode) is taken from what it led to."""
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            os.unlink(path)


def usable(root: Path) -> bool:
    """The cache folder may be used: not a link (that could lead out of the portfolio)."""
    try:
        return stat.S_ISDIR(os.lstat(root / CACHE_DIR).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


# ---- parsed records and attachment hashes ---------------------------------------------------


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    raise TypeError(f"not cacheable: {type(value).__name__}")


def undate(obj: Any) -> Any:
    """A date or time as `put` stored it ({\"$d\": ...}), else the value as it is."""
    return _undate(obj) if isinstance(obj, dict) else obj


def _undate(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$d" in obj:
            return dt.date.fromisoformat(obj["$d"])
        if "$t" in obj:
            return dt.datetime.fromisoformat(obj["$t"])
    return obj


def text_key(text: str) -> str:
    """What a record's parsed data is keyed on: the sha256 of the text that was parsed."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Cache:
    """Attachment hashes of one portfolio (`records.json`), read when first needed."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled and usable(root)
        self.path = root / CACHE_DIR / "records.json"
        self.hashes: dict[str, list[Any]] = {}
        self.dirty = False
        self.read = False
        self.notes: list[str] = []
        self.attachments: set[str] = set()  # every attachment path a record names, as written

    def _read(self) -> None:
        self.read = True
        if not self.enabled:
            return
        data = read_json(self.path, self.notes)
        if not isinstance(data, dict):
            self.dirty = data is not None or bool(self.notes)
            return
        if data.get("format") != _format():
            return
        hashes = data.get("hashes")
        self.hashes = hashes if isinstance(hashes, dict) else {}

    def named(self, written: str) -> None:
        """A record names this attachment: the answers depend on it (see Memo.put)."""
        self.attachments.add(written)

    def sha256(self, path: Path, key: list[int] | None = None, rel: str | None = None) -> str:
        """The file's sha256, from the cache when its stat (`key`, if the caller has it)
        is the one it was hashed at and safely older than that. `rel`: its path relative
        to the portfolio, if the caller has it."""
        if not self.read:
            self._read()
        rel = rel or os.path.relpath(path, self.root)
        key = key or stat_key(path)
        try:
            entry = self.hashes.get(rel)
            if entry is not None and key is not None and entry[0] == key and trusted(key, entry[2]):
                return str(entry[1])
        except (AttributeError, TypeError, KeyError, IndexError):
            self.hashes = {}
        started = time.time_ns()
        digest = sha256_file(path)
        if self.enabled and key is not None:
            self.hashes[rel] = [key, digest, started]
            self.dirty = True
        return digest

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        _write(self.root, "records.json", {"format": _format(), "hashes": self.hashes})


# ---- shipped qualifications, parsed ------------------------------------------------------------


_SHIPPED_IN: ContextVar[Path | None] = ContextVar("evitrack_shipped_in", default=None)


@contextlib.contextmanager
def shipped_in(root: Path) -> Iterator[None]:
    """While in force, a shipped qualification's parsed data is kept in `root`'s cache."""
    mark = _SHIPPED_IN.set(root)
    try:
        yield
    finally:
        _SHIPPED_IN.reset(mark)


def shipped_data(path: Path, parse: Callable[[Path], Any]) -> Any:
    """`parse(path)` of a file shipped with the program, from the cache when it holds it.

    A shipped file is part of the program, so the entry is keyed on the program's
    fingerprint; data that JSON would not give back exactly is never kept.
    """
    root = _SHIPPED_IN.get()
    if root is None or not usable(root):
        return parse(path)
    name = f"shipped-{path.stem}.json"
    stored = read_json(root / CACHE_DIR / name, hook=_undate)  # dates made as it is read
    if isinstance(stored, dict) and stored.get("format") == _format() and "data" in stored:
        return stored["data"]
    data = parse(path)
    try:
        text = json.dumps(data, default=_date, separators=(",", ":"))
        if _undated(json.loads(text)) != data:
            return data
    except (TypeError, ValueError, RecursionError):
        return data
    _write(root, name, {"format": _format(), "data": json.loads(text)})
    return data


def _undated(data: Any) -> Any:
    if isinstance(data, dict):
        data = {k: _undated(v) for k, v in data.items()}
        return _undate(data)
    if isinstance(data, list):
        return [_undated(v) for v in data]
    return data


# ---- each record's checked result ----------------------------------------------------------


STORE = "records.sqlite"
STORE_FORMAT = "2"  # with the program's fingerprint: another program rebuilds the store
HEAD = ("rid", "line", "col", "date", "dated", "extra")  # a row's summary: see RecordStore


class RecordStore:
    """Each record's checked result (the record and its own diagnostics), in sqlite.

    One row per record file: its stat, the sha256 of its text, the key of everything the
    result depends on besides the text (`context`), when it was computed, the result as
    JSON, and beside it its summary (`HEAD`): the record's id, where the id is written, its
    date and what the date checks said, and its diagnostics and attachments where it has
    any. `values=False` reads the summaries only: a `check` of a portfolio where one
    record changed decodes that record alone. A row serves only while all of these still
    hold: the stat is the same and safely older than the row (the racy rule), else the
    text is read and its sha256 must match. What else a result depends on (its
    attachments, the date) is the caller's to check.

    sqlite writes only what changed, in one transaction, and two processes at once are
    serialised by its own lock: a row is either the old one or the new one. The database
    is untrusted input: a file that is not a regular file, a link, too large, corrupt or of
    another format is deleted and rebuilt, and a row of the wrong shape is no row.
    """

    def __init__(self, root: Path, context: str, enabled: bool = True, values: bool = True) -> None:
        self.root = root
        self.context = context
        self.values = values
        self.rows: dict[str, tuple[Any, ...]] = {}
        self.new: dict[str, tuple[Any, ...]] = {}
        self.settled: list[tuple[str, int, str, str]] = []  # rows found the same: their stat
        self.conn: Any = None
        self.path = root / CACHE_DIR / STORE
        if enabled and usable(root):
            self._open()

    def _open(self) -> None:
        import sqlite3

        folder = _folder(self.root)
        if folder is None:
            return
        for attempt in (1, 2):
            try:
                for suffix in ("", "-journal"):
                    _unlink_odd(Path(f"{self.path}{suffix}"))
                with contextlib.suppress(FileNotFoundError):
                    if os.lstat(self.path).st_size > MAX_BYTES:
                        raise sqlite3.DatabaseError("too large")
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                self.conn = conn
                conn.execute("PRAGMA trusted_schema = OFF")
                found = conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                ).fetchone()
                fmt = (
                    conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                    if found
                    else None
                )
                wanted = f"{STORE_FORMAT}:{_format()}"
                if fmt != (wanted,):  # new, or of another program: made afresh, in one step
                    _create(conn, wanted)
                    return
                wanted_columns = "value" if self.values else ", ".join(HEAD)
                for row in conn.execute(
                    f"SELECT name, stat, digest, context, started, {wanted_columns} FROM records"
                ):
                    self.rows[row[0]] = row
                return
            except (sqlite3.Error, OSError, ValueError) as exc:
                self._close()
                self.rows = {}
                if attempt == 2 or isinstance(exc, (sqlite3.OperationalError, OSError)):
                    return  # busy, or cannot be opened: not used this time, never deleted
                for suffix in ("", "-journal", "-wal", "-shm"):  # rebuilt from nothing
                    with contextlib.suppress(OSError):
                        os.unlink(f"{self.path}{suffix}")

    def _close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.conn = None

    def get(self, name: str, path: str, digest_of: Callable[[str], str | None]) -> Any:
        """The stored result for record file `name` at `path`, if its text (by stat, else
        `digest_of` it) and the context are those it was computed from; else None. The
        result is the JSON data `put` was given, or with `values=False` its summary: the
        values of the `HEAD` columns, in that order."""
        row = self.rows.get(name)
        if row is None or row[3] != self.context or (self.values and not isinstance(row[5], str)):
            return None
        key = stat_key(path)
        try:
            same = key is not None and row[1] == _stat_text(key) and trusted(key, row[4])
        except TypeError:
            same = False
        try:
            if not same:
                read_at = time.time_ns()
                if digest_of(path) != row[2]:
                    return None
                self._settle(name, key, read_at)
            if not self.values:
                return row[5:]
            return json.loads(row[5])  # dates are the caller's: see `undate`
        except (OSError, TypeError, ValueError, RecursionError):
            return None

    def put(
        self,
        name: str,
        key: list[int] | None,
        digest: str,
        started: int,
        value: Any,
        head: tuple[Any, ...],
    ) -> None:
        """Keep a record's result computed now from text with this sha256 and stat, with its
        summary (the values of the `HEAD` columns; the last, `extra`, as JSON data)."""
        if self.conn is None or key is None:
            return
        try:
            text = json.dumps(value, default=_date, separators=(",", ":"))
            extra = head[-1]
            if extra is not None:
                extra = json.dumps(extra, default=_date, separators=(",", ":"))
        except (TypeError, ValueError):
            return
        row = (name, _stat_text(key), digest, self.context, started, text, *head[:-1], extra)
        self.new[name] = row
        if len(self.new) >= 2000:  # a cold load of many records: written as it goes
            self._flush()

    def _settle(self, name: str, key: list[int] | None, read_at: int) -> None:
        """A row whose text was read again and found the same gets the file's stat as it is
        now, so that the next run trusts the stat (by the racy rule) instead of reading the
        file once more: a copied or checked-out tree is read in full once, not every run."""
        if key is None or not trusted(key, read_at):
            return  # still too recent to be told apart by its stat
        self.settled.append((_stat_text(key), read_at, name, self.rows[name][2]))

    def _flush(self) -> None:
        import sqlite3

        if self.conn is None or not (self.new or self.settled):
            return
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany(
                    "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    self.new.values(),
                )
                self.conn.executemany(
                    "UPDATE records SET stat = ?, started = ? WHERE name = ? AND digest = ?",
                    self.settled,
                )
        except sqlite3.Error:
            self._close()
        self.new = {}
        self.settled = []

    def save(self, keep: set[str]) -> None:
        """Write what changed, forget the records that are gone, and close."""
        import sqlite3

        self._flush()
        gone = [(name,) for name in self.rows if name not in keep]
        if self.conn is not None and gone:
            with contextlib.suppress(sqlite3.Error), self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany("DELETE FROM records WHERE name = ?", gone)
        self._close()
        self.rows = {}


def _create(conn: Any, wanted: str) -> None:
    """The store's tables made afresh, in one transaction, for the format `wanted`.

    A new, empty store is made without syncing to disk (three fsyncs on every first run):
    a crash can only leave it empty or unreadable, and it is made again. A store that held
    anything is remade synced, as rows are written, so that no torn mix of an old store's
    rows and a new store's tables can ever be read.
    """
    empty = conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    conn.execute(f"PRAGMA synchronous = {'OFF' if empty else 'FULL'}")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TABLE IF EXISTS meta")
        conn.execute("DROP TABLE IF EXISTS records")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute(
            "CREATE TABLE records (name TEXT PRIMARY KEY, stat TEXT, digest TEXT,"
            " context TEXT, started INTEGER, value TEXT, rid TEXT, line INTEGER,"
            " col INTEGER, date TEXT, dated TEXT, extra TEXT)"
        )
        conn.execute("INSERT INTO meta VALUES ('format', ?)", (wanted,))
    conn.execute("PRAGMA synchronous = FULL")


def _stat_text(key: list[int]) -> str:
    return ":".join(map(str, key))


# ---- memos: whole answers -------------------------------------------------------------------


def _walk(folder: Path, out: list[str], top: bool = False) -> tuple[int, bool]:
    """Append a line per file below `folder` (its stat, followed through links; a link's
    target too). Returns the latest change seen (ns) and whether there was a link."""
    latest, links = 0, False
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return latest, links
    add = out.append
    for e in entries:
        if top and e.name in SKIP:
            continue
        try:
            if e.is_symlink():
                links = True
                add(f"{e.path}->{os.readlink(e.path)}")
            elif e.is_dir(follow_symlinks=False):
                sub, sub_links = _walk(Path(e.path), out)
                latest, links = max(latest, sub), links or sub_links
                continue
            st = e.stat()
        except OSError:
            add(f"{e.path}:?")
            continue
        mtime, ctime = st.st_mtime_ns, st.st_ctime_ns
        if mtime > latest or ctime > latest:
            latest = max(mtime, ctime)
        add(f"{e.path}:{st.st_size}:{mtime}:{ctime}:{st.st_ino}")
    return latest, links


def _content(path: Path) -> str | None:
    """The sha256 of a file that an answer depends on by content; None if not a file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return hashlib.sha256(_read(fd)).hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def _read(fd: int) -> bytes:
    """At most MAX_BYTES + 1 bytes from a file descriptor."""
    chunks, size = [], 0
    while size <= MAX_BYTES:
        chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _real(root: Path, written: str) -> str | None:
    """Where an attachment path leads, relative to the portfolio, links followed."""
    try:
        return os.path.relpath(os.path.realpath(root / written), root.resolve())
    except (OSError, ValueError, RuntimeError):
        return None


def _signers_digest() -> str:
    """The allowed_signers list named for this run (path and content): decisions count by it."""
    from evitrack.locate import list_digest

    return list_digest()


@dataclass
class Memo:
    """A cached answer of one command for one portfolio.

    `Memo.open` looks: `.value` is the answer if nothing it depends on has changed, else
    None; then `.put` stores the answer computed now, with what it depended on.
    """

    root: Path
    name: str
    key: str
    walk: str
    latest: int  # the latest change (ns) of any file in the walk or of the program
    links: bool  # the walk met a link
    started: int  # when the walk began: the answer is computed from files as they are now
    value: Any = None
    notes: list[str] = field(default_factory=list)
    stored: dict[str, Any] | None = None  # the memo file's content while it holds `value`

    @classmethod
    def open(cls, root: Path, name: str, today: dt.date) -> Memo:
        started = time.time_ns()
        real = root.resolve()  # the same key and walk however the folder is spelt
        key = hashlib.sha256(
            "\n".join([_format(), name, today.isoformat(), str(real), _signers_digest()]).encode(
                "utf-8", "surrogateescape"
            )
        ).hexdigest()
        lines = [str(real)]
        latest, links = _walk(real, lines, top=True)
        latest = max(latest, code_fingerprint()[1])
        walk = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
        memo = cls(root, name, key, walk, latest, links, started)
        if usable(root):
            memo.value = memo._valid(read_json(root / CACHE_DIR / f"{name}.json", memo.notes))
        return memo

    def _valid(self, data: Any) -> Any:
        """The stored answer if it was computed from the portfolio as it is now, else None."""
        try:
            if not (
                isinstance(data, dict)
                and data["key"] == self.key
                and data["walk"] == self.walk
                and trusted([0, self.latest, 0], int(data["started"]))
            ):
                return None
            for path, digest in data["content"]:
                if _content(Path(path)) != digest:
                    return None
            for written, real, key in data["attachments"]:
                now = stat_key(self.root / written)
                if _real(self.root, written) != real or now != key:
                    return None
                if now is not None and not trusted(now, int(data["started"])):
                    return None
            self.stored = data
            return data["value"]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, value: Any, qualification_files: list[Path], attachments: set[str]) -> None:
        """Keep `value`, computed from the files as they were when the memo was opened.

        Its dependencies beyond the walk: the bytes of evitrack.yaml and of the centre's
        qualification files, and every named attachment the walk does not cover (one
        under a folder it leaves out, or reached through a link).
        """
        if not usable(self.root):
            return
        content = []
        for path in [self.root / "evitrack.yaml", *qualification_files]:
            content.append([os.path.abspath(path), _content(path)])
        named = []
        for written in sorted(attachments):
            posix = written.replace("\\", "/")
            if posix.startswith(("/", "~")) or ".." in posix.split("/"):
                continue  # refused as written, whatever is on disk
            posix = os.path.normpath(posix)  # ./out/x and out//x are out/x
            real = _real(self.root, posix) if self.links or posix.split("/")[0] in SKIP else posix
            if real is None or real.split("/")[0] in SKIP or real != posix:
                named.append([posix, real, stat_key(self.root / posix)])
        self.stored = {
            "key": self.key,
            "walk": self.walk,
            "started": self.started,
            "content": content,
            "attachments": named,
            "value": value,
        }
        _write(self.root, f"{self.name}.json", self.stored)

    def answer(self, variant: str) -> Any:
        """The rendered answer kept for `variant` beside the value (`keep_answer`), or None.
        Untrusted like the rest: its shape is the caller's to check."""
        answers = (self.stored or {}).get("answers")
        return answers.get(variant) if isinstance(answers, dict) else None

    def keep_answer(self, variant: str, answer: Any) -> None:
        """Keep an answer rendered from the value alone, under `variant` (all else it was
        rendered from: the command, the format, the current folder...), so that a later
        run whose memo holds the same value shows it without computing anything. The
        latest ANSWERS variants are kept; a new value drops them all."""
        if self.stored is None or not usable(self.root):
            return
        found = self.stored.get("answers")
        answers = (
            {k: v for k, v in found.items() if k != variant} if isinstance(found, dict) else {}
        )
        answers[variant] = answer
        while len(answers) > ANSWERS:
            del answers[next(iter(answers))]
        self.stored = {**self.stored, "answers": answers}
        _write(self.root, f"{self.name}.json", self.stored)
