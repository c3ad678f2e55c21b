"""Open Badges 3.0: an AchievementCredential per completed unit, and one for the award.

A unit earns a credential once it is complete (every criterion accepted, its evidence
requirements met) and signed off; the award once the qualification is complete and every
unit signed off. The learner is the `credentialSubject`, identified by a salted SHA-256
hash of the registration number (an `IdentityObject`), never by name; the centre of
evitrack.yaml is the `issuer`. Dates come from the sign-offs, identifiers are UUIDs
(version 5) of what the credential is about, so the same portfolio gives the same bytes.

With an Ed25519 key (the `cryptography` library, imported only when signing) each
credential is also written as a VC-JWT (compact JWS, `alg` EdDSA); `verify` checks one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack.coverage import Coverage
from evitrack.errors import UserError
from evitrack.model import Portfolio, Qualification, Unit

NAMESPACE = uuid.UUID("0c7f54e4-8d8b-4b6b-9f61-3c2a9e5d7b11")  # evitrack's credential ids
CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
]
IDENTITY_TYPE = "ext:registrationNumber"  # the awarding body's learner registration


def _urn(path: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, path)}"


def _when(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@dataclass
class Badge:
    """One credential: its file stem, the credential, and (once signed) its VC-JWT."""

    name: str
    credential: dict[str, Any]
    jwt: str | None = None

    def text(self) -> str:
        return json.dumps(self.credential, indent=2, ensure_ascii=False) + "\n"


@dataclass
class Issue:
    """What `badge` would write: the badges, what stops it, and what was left out."""

    badges: list[Badge] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # non-empty: nothing is written
    notes: list[str] = field(default_factory=list)


def signed_off_on(p: Portfolio, uid: str) -> dt.date | None:
    """The date a unit's sign-off was completed: the latest date on it."""
    s = p.signoffs.get(uid)
    if s is None:
        return None
    days = [d for d in (s.assessed, s.learner_date, s.assessor_date, s.iv_date) if d]
    return max(days) if days else None


def identity(registration: str, salt: str) -> str:
    """The Open Badges IdentityHash of a registration number: sha256$hex(id + salt)."""
    return "sha256$" + hashlib.sha256((registration + salt).encode("utf-8")).hexdigest()


def _award_type(title: str) -> str:
    for word, kind in (("Diploma", "Diploma"), ("Certificate", "Certificate")):
        if word.lower() in title.lower():
            return kind
    return "Award"


def _issuer(p: Portfolio) -> dict[str, Any]:
    centre = p.extra.get("centre") or {}
    name, number = str(centre.get("name") or ""), centre.get("number")
    issuer: dict[str, Any] = {
        "id": _urn(f"centre/{number if number is not None else name}"),
        "type": ["Profile"],
        "name": name,
    }
    if number is not None:
        issuer["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",
                "identifier": str(number),
                "identifierType": "ext:centreNumber",
            }
        ]
    return issuer


def _alignment(q: Qualification, unit: Unit | None) -> list[dict[str, Any]]:
    """The awarding body's number and the unit's codes, aligned to the CASE export's items."""
    from evitrack.exchange import case

    doc = f"urn:uuid:{case.uuid_for(q.id)}"
    out: list[dict[str, Any]] = []
    extra = q.extra.get("extra")
    numbers = [
        q.number or q.id,
        extra.get("awarding_body_number") if isinstance(extra, dict) else None,
    ]
    for code in [str(n) for n in numbers if n]:
        out.append(
            {
                "type": ["Alignment"],
                "targetName": q.title,
                "targetCode": code,
                "targetFramework": q.awarding_body or q.title,
                "targetType": "ext:qualification",
                "targetUrl": doc,
            }
        )
    if unit is not None:
        item = f"urn:uuid:{case.uuid_for(f'{q.id}/unit/{unit.id}')}"
        for code in [unit.id, *unit.aliases]:
            out.append(
                {
                    "type": ["Alignment"],
                    "targetName": unit.title,
                    "targetCode": code,
                    "targetFramework": q.title,
                    "targetType": "CFItem",
                    "targetUrl": item,
                }
            )
    return out


def _narrative(unit: Unit) -> str:
    lines = []
    for o in unit.outcomes:
        lines.append(f"**{o.id} {o.title}**".rstrip())
        lines += [f"- {c.id} {c.text}" for c in o.criteria]
        lines.append("")
    if unit.knowledge:
        lines.append("**Knowledge and understanding**")
        lines += [f"- {k.id} {k.text}" for k in unit.knowledge]
    return "\n".join(lines).strip() + "\n"


def _evidence(p: Portfolio, units: list[str]) -> list[dict[str, Any]]:
    out = []
    for r in p.records:
        if r.accepted and any(u in r.criteria for u in units):
            ev: dict[str, Any] = {
                "type": ["Evidence"],
                "id": _urn(f"record/{p.qualification.id}/{p.registration}/{r.id}"),
                "name": f"{r.id} {r.title}",
                "genre": ", ".join(r.methods),
                "narrative": "Criteria: "
                + "; ".join(f"{u} {', '.join(c)}" for u, c in r.criteria.items() if u in units),
            }
            if r.date is not None:
                ev["description"] = f"Dated {r.date.isoformat()}"
            out.append(ev)
    return out


def _credential(
    p: Portfolio,
    what: str,
    achievement: dict[str, Any],
    units: list[str],
    day: dt.date,
    credits: int | None,
) -> dict[str, Any]:
    q = p.qualification
    cid = _urn(f"credential/{q.id}/{p.registration}/{what}")
    salt = hashlib.sha256(f"salt/{cid}".encode()).hexdigest()[:32]
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": identity(p.registration, salt),
                "identityType": IDENTITY_TYPE,
                "salt": salt,
            }
        ],
        "achievement": achievement,
        "activityEndDate": _when(day),
    }
    if credits is not None:
        subject["creditsEarned"] = credits
    return {
        "@context": CONTEXT,
        "id": cid,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": achievement["name"],
        "description": achievement["description"],
        "issuer": _issuer(p),
        "issuanceDate": _when(day),
        "awardedDate": _when(day),
        "credentialSubject": subject,
        "evidence": _evidence(p, units),
    }


def _creator(q: Qualification) -> dict[str, Any]:
    return {
        "id": _urn(f"awarding-body/{q.awarding_body}"),
        "type": ["Profile"],
        "name": q.awarding_body,
    }


def unit_badge(p: Portfolio, uid: str, day: dt.date) -> Badge:
    q = p.qualification
    unit = q.units[uid]
    achievement: dict[str, Any] = {
        "id": _urn(f"achievement/{q.id}/unit/{uid}"),
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": unit.title,
        "description": f"Unit {uid} of the {q.title}"
        + (f" ({q.awarding_body})" if q.awarding_body else ""),
        "humanCode": uid,
        "criteria": {"narrative": _narrative(unit)},
        "alignment": _alignment(q, unit),
    }
    if unit.credit is not None:
        achievement["creditsAvailable"] = unit.credit
    if q.awarding_body:
        achievement["creator"] = _creator(q)
    return Badge(f"unit-{uid}", _credential(p, f"unit/{uid}", achievement, [uid], day, unit.credit))


def award_badge(p: Portfolio, day: dt.date) -> Badge:
    q = p.qualification
    credits = [q.units[u].credit for u in p.units]
    total = (
        sum(c for c in credits if c is not None) if any(c is not None for c in credits) else None
    )
    rules = [str(r.get("text") or "") for r in q.rules if r.get("text")]
    units = [f"- {u} {q.units[u].title}" for u in p.units]
    narrative = (
        "\n".join(([*[f"- {t}" for t in rules], ""] if rules else []) + ["Units achieved:", *units])
        + "\n"
    )
    achievement: dict[str, Any] = {
        "id": _urn(f"achievement/{q.id}"),
        "type": ["Achievement"],
        "achievementType": _award_type(q.title),
        "name": q.title,
        "description": q.title + (f" ({q.awarding_body})" if q.awarding_body else ""),
        "criteria": {"narrative": narrative},
        "alignment": _alignment(q, None),
    }
    if q.number:
        achievement["humanCode"] = q.number
    if total is not None:
        achievement["creditsAvailable"] = total
    if q.awarding_body:
        achievement["creator"] = _creator(q)
    return Badge("award", _credential(p, "award", achievement, list(p.units), day, total))


def issue(cov: Coverage, diagnostics: list[Any]) -> Issue:
    """The credentials a portfolio has earned, or the problems that stop them."""
    from evitrack.diagnostics import error_lines
    from evitrack.pack import learner_gaps, signoff_gaps, unit_gaps

    p = cov.portfolio
    out = Issue()
    done: dict[str, dt.date] = {}
    for uid in p.units:
        left = unit_gaps(cov, uid) + signoff_gaps(p, uid)
        day = signed_off_on(p, uid)
        if left or day is None:
            why = left[0] if left else f"unit {uid}: the sign-off has no date"
            out.notes.append(f"unit {uid}: no badge yet ({why})")
        else:
            done[uid] = day
    out.problems += learner_gaps(p) + error_lines(diagnostics)
    if not (p.extra.get("centre") or {}).get("name"):
        out.problems.append(
            "no centre in evitrack.yaml (`centre: {name: ..., number: ...}`): a badge names "
            "its issuer"
        )
    if not done:
        out.problems.append("no unit is complete and signed off yet: no badge to issue")
    if out.problems:
        return out
    out.badges = [unit_badge(p, uid, day) for uid, day in done.items()]
    if cov.complete and len(done) == len(p.units):
        out.badges.append(award_badge(p, max(done.values())))
    elif cov.complete:
        pass  # every unit is complete but not every one signed off: the notes say which
    else:
        unmet = [r.rule for r in cov.rules if not r.satisfied]
        if unmet:
            out.notes.append(f"award: no badge yet (rules not met: {', '.join(unmet)})")
    return out


# ---- signing and verifying (VC-JWT) ----------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or any(ch not in _B64 for ch in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _read_key(path: Path) -> bytes:
    if not path.is_file():
        raise UserError(f"{path}: no such key file")
    if path.stat().st_size > 64 * 1024:
        raise UserError(f"{path}: too large for a key file")
    return path.read_bytes()


def load_private_key(path: Path) -> Any:
    """An Ed25519 private key from a PEM (PKCS#8) or OpenSSH file; UserError otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = _read_key(path)
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key: Any = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise UserError(
            f"{path}: the key is protected by a passphrase",
            "give an unencrypted copy of the key (kept where only the centre can read it)",
        ) from None
    except Exception:  # cryptography raises ValueError, UnsupportedAlgorithm, ...
        raise UserError(
            f"{path}: not a private key evitrack can read",
            "give an Ed25519 private key, PEM or OpenSSH (`ssh-keygen -t ed25519`)",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(
            f"{path}: not an Ed25519 key ({type(key).__name__.replace('_', '')})",
            "badges are signed with EdDSA: make a key with `ssh-keygen -t ed25519` or "
            "`openssl genpkey -algorithm ed25519`",
        )
    return key


def load_public_key(path: Path) -> Any:
    """An Ed25519 public key: PEM, an OpenSSH `ssh-ed25519 ...` line, or a private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = _read_key(path)
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        if data.lstrip().startswith(b"ssh-"):
            key: Any = serialization.load_ssh_public_key(data.strip())
        else:
            key = serialization.load_pem_public_key(data)
    except Exception:
        raise UserError(
            f"{path}: not a public key evitrack can read",
            "give the centre's Ed25519 public key, PEM or OpenSSH (the .pub file)",
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise UserError(
            f"{path}: not an Ed25519 key", "badges are signed with EdDSA (Ed25519) keys"
        )
    return key


def sign(badge: Badge, key: Any) -> str:
    """The credential as a VC-JWT: header.payload.signature, EdDSA over Ed25519."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    header = {
        "alg": "EdDSA",
        "typ": "JWT",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)},
    }
    vc = badge.credential
    issued = dt.datetime.fromisoformat(vc["issuanceDate"].replace("Z", "+00:00"))
    payload = {
        "iss": vc["issuer"]["id"],
        "jti": vc["id"],
        "nbf": int(issued.timestamp()),
        "vc": vc,
    }
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return signing_input + "." + _b64(key.sign(signing_input.encode("ascii")))


@dataclass
class Verified:
    ok: bool
    message: str
    credential: dict[str, Any] | None = None


def verify(token: str, key: Any, shown: str) -> Verified:
    """Check a VC-JWT's EdDSA signature with a public key; UserError if it is no VC-JWT."""
    from cryptography.exceptions import InvalidSignature

    parts = token.strip().split(".")
    if len(parts) != 3:
        raise UserError(
            f"{shown}: not a VC-JWT (expected header.payload.signature)",
            "verify the .jwt file `evitrack badge --key` writes beside each credential",
        )
    try:
        header = json.loads(_unb64(parts[0]))
    except ValueError:
        raise UserError(f"{shown}: the VC-JWT header is not base64url JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        alg = header.get("alg") if isinstance(header, dict) else None
        return Verified(False, f"{shown}: signed with {alg!r}, not EdDSA: not verified")
    try:
        key.verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, ValueError):
        return Verified(
            False,
            f"{shown}: the signature does not match: the credential was changed after "
            "signing, or signed with another key",
        )
    payload = json.loads(_unb64(parts[1]))
    vc = payload.get("vc") if isinstance(payload, dict) else None
    if not isinstance(vc, dict):
        return Verified(False, f"{shown}: signed, but the payload holds no credential (vc)")
    return Verified(True, f"{shown}: signature verified", vc)


def write(badges: list[Badge], folder: Path) -> list[Path]:
    """Write each credential (and its VC-JWT) into `folder`, atomically, never via a link."""
    from evitrack.atomic import atomic_write_text

    if folder.is_symlink():
        raise UserError(
            f"{folder} is a symbolic link; evitrack never writes through one; nothing was written"
        )
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file; name a folder for the badges")
    if not folder.parent.is_dir():
        raise UserError(f"{folder.parent}: no such folder; nothing was written")
    targets = []
    for b in badges:
        targets.append((folder / f"{b.name}.json", b.text()))
        if b.jwt is not None:
            targets.append((folder / f"{b.name}.jwt", b.jwt + "\n"))
    for path, _ in targets:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise UserError(
                f"{path} is a symbolic link or not a file; nothing was written",
                "remove it, or name another folder",
            )
    folder.mkdir(exist_ok=True)
    for path, text in targets:
        atomic_write_text(path, text)
    return [path for path, _ in targets]
