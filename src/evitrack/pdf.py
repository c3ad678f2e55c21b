"""PDF documents: a rendered HTML document through WeasyPrint (the optional extra `pdf`).

The PDF is PDF/A-3b (archival) and deterministic: its creation and modification dates
are a date the caller takes from the portfolio (never the clock) and its file identifier
is a hash of the document, so the same portfolio gives the same bytes. Nothing is
fetched: the renderer may read files inside the given folders only (the template
folders), and no network address at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from evitrack.errors import UserError
from evitrack.model import Portfolio

VARIANT = "pdf/a-3b"
EXTRA_HINT = 'install the PDF extra: pip install "evitrack[pdf]"'


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError:
        raise UserError("PDF output needs WeasyPrint, which is not installed", EXTRA_HINT) from None
    except OSError as e:  # WeasyPrint is there, the system's Pango is not
        raise UserError(
            f"PDF output needs the system's Pango library: {e}".splitlines()[0],
            "install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)",
        ) from None
    return weasyprint


def _fetcher(weasyprint: Any, allowed: list[Path]) -> Any:
    """A URL fetcher that reads files inside `allowed` only, and data: URLs."""
    from urllib.parse import unquote, urlsplit

    roots = [p.resolve() for p in allowed]

    class Fetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                target = Path(unquote(urlsplit(url).path)).resolve()
                if any(target == r or r in target.parents for r in roots):
                    return super().fetch(url, headers)
            raise ValueError(f"evitrack fetches nothing outside its template folders: {url}")

    return Fetcher(allowed_protocols=("file", "data"), allow_redirects=False)


def latest_date(p: Portfolio) -> dt.date | None:
    """The newest date a portfolio holds (records, decisions, sign-offs): the PDF's date."""
    days: list[dt.date] = []
    for r in p.records:
        days += [d for d in (r.date, r.assessment.date if r.assessment else None) if d]
    for s in p.signoffs.values():
        days += [d for d in (s.assessed, s.learner_date, s.assessor_date, s.iv_date) if d]
    return max(days) if days else None


def html_to_pdf(html: str, allowed: list[Path], when: dt.date | None) -> bytes:
    """The PDF/A of a self-contained HTML document; the same input gives the same bytes."""
    weasyprint = _weasyprint()
    base = allowed[0].resolve().as_uri() + "/" if allowed else None
    document = weasyprint.HTML(
        string=html, base_url=base, url_fetcher=_fetcher(weasyprint, allowed)
    ).render()
    stamp = (when or dt.date(2000, 1, 1)).isoformat() + "T00:00:00Z"
    document.metadata.created = stamp
    document.metadata.modified = stamp
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    # fontTools stamps each embedded font subset with the time, unless told a fixed one
    before = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        data = document.write_pdf(pdf_identifier=identifier, pdf_variant=VARIANT)
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
    assert isinstance(data, bytes)
    return data


def write_pdf(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically; never through a symbolic link."""
    if path.is_symlink():
        raise UserError(
            f"{path} is a symbolic link; evitrack never writes through one; nothing was written",
            "remove the link, or name the file it points to",
        )
    if path.is_dir():
        raise UserError(f"{path} is a folder", "give a file name, e.g. -o matrix.pdf")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
