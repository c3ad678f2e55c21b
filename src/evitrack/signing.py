"""Signed decisions: SSH signatures (OpenSSH's SSHSIG format) checked against a centre's
`allowed_signers` list, as `git` and `ssh-keygen -Y sign/verify` do.

An assessor signs a decision with the SSH key they already have. What is signed is
a short statement naming the learner, the record or unit, the role and the decision
with its fingerprint, so a signature cannot be moved to another record, unit,
learner or role. The signature is stored as one line of base64 (the body of
`ssh-keygen -Y sign`'s armored output) beside the signer's principal.

Who may sign is the centre's `allowed_signers` file (ssh-keygen(1), ALLOWED
SIGNERS): principals, options (`namespaces="..."`, `valid-after`, `valid-before`)
and a public key per line. Each role signs in its own namespace (`NAMESPACES`), so
a line with `namespaces="evitrack-iv"` lets that key sign as internal verifier only.

Nothing here prints or exits; the `cryptography` library is imported only when a
signature is made or checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack.diagnostics import Diagnostic, make
from evitrack.errors import UserError

# Which list a run names is found without importing this module (a run naming none never
# needs it); the names stay here for the code that verifies with the list.
from evitrack.locate import ENV_LIST as ENV_LIST
from evitrack.locate import LIST_NAME as LIST_NAME
from evitrack.locate import list_digest as list_digest
from evitrack.locate import named_list as named_list

NAMESPACES = {
    "assessor": "evitrack-assessor",
    "iv": "evitrack-iv",
    "learner": "evitrack-learner",
}
REQUIRED_ROLES = ("assessor", "iv")  # sign-offs that must be signed when signatures are required
MAGIC = b"SSHSIG"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}
_MAX_SIGNATURE = 16_384  # characters of base64: an RSA-16384 signature is far smaller

Add = Callable[[tuple[int, int] | None, str, str, str | None], None]


class BadSignature(Exception):
    """A signature that cannot be read or does not verify."""


# ---- the statement that is signed ---------------------------------------------------------


def _line(key: str, value: Any) -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    elif value is not None and not isinstance(value, str):
        value = str(value)
    return f"{key}: {json.dumps(value)}"  # ASCII: every line break and surrogate escaped


def assessment_statement(
    qualification: str, registration: str, record: str, assessment: Mapping[str, Any]
) -> bytes:
    """What an assessor signs for a decision on a record: the decision and its fingerprint.

    The fingerprint is taken as written, whatever it covers; the decision's own fields
    are signed as well, so a decision changed by hand never keeps its signature.
    """
    lines = [
        "evitrack signed decision v1",
        _line("qualification", qualification),
        _line("learner", registration),
        _line("record", record),
        _line("role", "assessor"),
        *(
            _line(k, assessment.get(k))
            for k in ("decision", "assessor", "date", "comment", "fingerprint")
        ),
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


SIGNOFF_ROLE_FIELDS = {
    "learner": ("assessed", "learner", "learner_date"),
    "assessor": ("assessed", "assessor", "assessor_date"),
    "iv": ("assessed", "assessor", "assessor_date", "iv", "iv_date"),
}


def signoff_statement(
    qualification: str, registration: str, unit: str, role: str, entry: Mapping[str, Any]
) -> bytes:
    """What a role signs for a unit sign-off: the fields that role vouches for (the IV's
    include the assessor's) and the sign-off's fingerprint of the unit's evidence."""
    lines = [
        "evitrack signed sign-off v1",
        _line("qualification", qualification),
        _line("learner", registration),
        _line("unit", unit),
        _line("role", role),
    ]
    lines += [_line(k, entry.get(k)) for k in SIGNOFF_ROLE_FIELDS[role]]
    lines.append(_line("fingerprint", entry.get("fingerprint")))
    return ("\n".join(lines) + "\n").encode("ascii")


# ---- SSH wire format -------------------------------------------------------------------------


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(n: int) -> bytes:
    if n == 0:
        return _string(b"")
    raw = n.to_bytes((n.bit_length() + 8) // 8, "big")  # a leading 0 keeps it positive
    return _string(raw)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise BadSignature("it is cut short")
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def done(self) -> bool:
        return self.at == len(self.data)


def _signed_data(namespace: str, hash_alg: str, message: bytes) -> bytes:
    digest = HASHES[hash_alg](message).digest()
    return (
        MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(digest)
    )


def armor(body: str) -> str:
    """The one-line base64 body as `ssh-keygen -Y sign` writes it (70 characters a line)."""
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


def unarmor(text: str) -> str:
    """The base64 body of an armored signature (or of a body given as it is), on one line."""
    inner = text.strip()
    if inner.startswith(ARMOR_BEGIN):
        inner = inner[len(ARMOR_BEGIN) :]
        end = inner.find(ARMOR_END)
        if end < 0:
            raise BadSignature(f"it has no {ARMOR_END} line")
        inner = inner[:end]
    return "".join(inner.split())


@dataclass(frozen=True)
class Parsed:
    """A signature blob, read."""

    public_key: bytes  # the SSH wire blob of the signer's public key
    namespace: str
    hash_alg: str
    sig_type: str
    sig: bytes


def parse(body: str) -> Parsed:
    """Read a base64 SSHSIG blob; BadSignature says what is wrong with it."""
    if len(body) > _MAX_SIGNATURE:
        raise BadSignature("it is far longer than any SSH signature")
    try:
        blob = base64.b64decode(body.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise BadSignature("it is not base64") from None
    r = _Reader(blob)
    if r.take(6) != MAGIC:
        raise BadSignature("it is not an SSH signature (no SSHSIG preamble)")
    version = r.uint32()
    if version != 1:
        raise BadSignature(f"it is an SSH signature of version {version}, not 1")
    public_key = r.string()
    namespace = r.string().decode("utf-8", "replace")
    r.string()  # reserved
    hash_alg = r.string().decode("ascii", "replace")
    inner = _Reader(r.string())
    if not r.done():
        raise BadSignature("it has bytes after the signature")
    sig_type = inner.string().decode("ascii", "replace")
    sig = inner.string()
    if hash_alg not in HASHES:
        raise BadSignature(f'it uses the hash "{hash_alg}" (sha512 or sha256 expected)')
    return Parsed(public_key, namespace, hash_alg, sig_type, sig)


def key_type(blob: bytes) -> str:
    try:
        return _Reader(blob).string().decode("ascii", "replace")
    except BadSignature:
        return "?"


def fingerprint_of(blob: bytes) -> str:
    """A key's SHA256 fingerprint as `ssh-keygen -l` prints it."""
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


_ECDSA = {
    "ecdsa-sha2-nistp256": ("secp256r1", "sha256"),
    "ecdsa-sha2-nistp384": ("secp384r1", "sha384"),
    "ecdsa-sha2-nistp521": ("secp521r1", "sha512"),
}


def _load_public(blob: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    kind = key_type(blob)
    try:
        return load_ssh_public_key(f"{kind} {base64.b64encode(blob).decode()}".encode())
    except (ValueError, TypeError) as exc:
        raise BadSignature(f"its public key ({kind}) cannot be read: {exc}") from None
    except Exception as exc:  # cryptography's UnsupportedAlgorithm
        raise BadSignature(f"its key type {kind} is not supported: {exc}") from None


def verify(body: str, message: bytes, namespace: str) -> Parsed:
    """The signature read and checked against its own public key, or BadSignature."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    p = parse(body)
    if p.namespace != namespace:
        raise BadSignature(f'it was made for the namespace "{p.namespace}", not "{namespace}"')
    key = _load_public(p.public_key)
    data = _signed_data(namespace, p.hash_alg, message)
    kind = key_type(p.public_key)
    try:
        if isinstance(key, ed25519.Ed25519PublicKey) and p.sig_type == "ssh-ed25519":
            key.verify(p.sig, data)
        elif isinstance(key, ec.EllipticCurvePublicKey) and p.sig_type == kind and kind in _ECDSA:
            r = _Reader(p.sig)
            der = encode_dss_signature(r.mpint(), r.mpint())
            key.verify(der, data, ec.ECDSA(getattr(hashes, _ECDSA[kind][1].upper())()))
        elif isinstance(key, rsa.RSAPublicKey) and p.sig_type in ("rsa-sha2-512", "rsa-sha2-256"):
            alg = hashes.SHA512() if p.sig_type == "rsa-sha2-512" else hashes.SHA256()
            key.verify(p.sig, data, padding.PKCS1v15(), alg)
        else:
            raise BadSignature(f"its signature type {p.sig_type} for a {kind} key is not supported")
    except InvalidSignature:
        raise BadSignature("it does not match what was signed") from None
    return p


# ---- signing ----------------------------------------------------------------------------------


def sign(key_path: Path, message: bytes, namespace: str) -> str:
    """The one-line base64 signature of `message` with an OpenSSH private key file.

    A key protected by a passphrase, or a `.pub` file whose key is in ssh-agent, is
    signed by `ssh-keygen -Y sign`, which asks for the passphrase or uses the agent.
    """
    from cryptography.hazmat.primitives import serialization

    shown = str(key_path)
    try:
        data = key_path.read_bytes()
    except OSError as exc:
        raise UserError(f"--key {shown}: {exc.strerror or exc}") from None
    if data.lstrip().startswith((b"ssh-", b"ecdsa-", b"sk-")) or b"ENCRYPTED" in data[:200]:
        return _ssh_keygen_sign(key_path, message, namespace)
    key = _private_key(data, shown)
    if key is None:  # protected by a passphrase
        return _ssh_keygen_sign(key_path, message, namespace)
    hash_alg = "sha512"
    sig_type, sig = _key_sign(key, _signed_data(namespace, hash_alg, message), shown)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    blob = base64.b64decode(public.split()[1])
    out = (
        MAGIC
        + struct.pack(">I", 1)
        + _string(blob)
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(_string(sig_type.encode()) + _string(sig))
    )
    return base64.b64encode(out).decode("ascii")


def _private_key(data: bytes, shown: str) -> Any:
    """The OpenSSH private key in `data`, or None when it is protected by a passphrase."""
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_ssh_private_key(data, password=None)
    except TypeError:  # protected by a passphrase
        return None
    except (ValueError, UnicodeError):
        raise UserError(
            f"--key {shown} is not an OpenSSH private key",
            "give the private key file, e.g. ~/.ssh/id_ed25519 (made by `ssh-keygen -t ed25519`)",
        ) from None
    except Exception as exc:  # UnsupportedAlgorithm
        raise UserError(f"--key {shown}: {exc}") from None


def _key_sign(key: Any, to_sign: bytes, shown: str) -> tuple[str, bytes]:
    """(SSH signature type, signature blob) of `to_sign` with an ed25519, ECDSA or RSA key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ssh-ed25519", key.sign(to_sign)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curve = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}.get(key.curve.name)
        if curve is None:
            raise UserError(f"--key {shown}: the curve {key.curve.name} is not used by SSH")
        sig_type = f"ecdsa-sha2-nistp{curve}"
        alg = getattr(hashes, _ECDSA[sig_type][1].upper())()
        r, s = decode_dss_signature(key.sign(to_sign, ec.ECDSA(alg)))
        return sig_type, _mpint(r) + _mpint(s)
    if isinstance(key, rsa.RSAPrivateKey):
        return "rsa-sha2-512", key.sign(to_sign, padding.PKCS1v15(), hashes.SHA512())
    raise UserError(f"--key {shown}: this kind of key cannot sign here", "use an ed25519 key")


def _ssh_keygen_sign(key_path: Path, message: bytes, namespace: str) -> str:
    import subprocess  # here: every run that reads a policy imports this module (8 ms)

    cmd = ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key_path), "-n", namespace]
    try:
        done = subprocess.run(cmd, input=message, capture_output=True, timeout=300, check=False)
    except FileNotFoundError:
        raise UserError(
            f"--key {key_path} needs a passphrase or ssh-agent, and ssh-keygen is not installed",
            "install OpenSSH, or give a key without a passphrase",
        ) from None
    except subprocess.TimeoutExpired:
        raise UserError("ssh-keygen -Y sign did not finish within 5 minutes") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(
            f"ssh-keygen could not sign with {key_path}: " + (why[-1] if why else "failed"),
            "for a key in ssh-agent give its .pub file; for a key with a passphrase, "
            "run this from a terminal",
        )
    try:
        return unarmor(done.stdout.decode("ascii"))
    except (BadSignature, UnicodeDecodeError):
        raise UserError("ssh-keygen -Y sign wrote no signature") from None


def public_blob(key_path: Path) -> bytes | None:
    """The public key (wire blob) of a private key or .pub file, when it can be read."""
    try:
        data = key_path.read_bytes()
    except OSError:
        return None
    if data.lstrip().startswith((b"ssh-", b"ecdsa-", b"sk-")):
        parts = data.split()
        try:
            return base64.b64decode(parts[1], validate=True) if len(parts) > 1 else None
        except ValueError:
            return None
    pub = key_path.with_name(key_path.name + ".pub")
    if pub.is_file():
        return public_blob(pub)
    from cryptography.hazmat.primitives import serialization

    try:
        key: Any = serialization.load_ssh_private_key(data, password=None)
        text = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    except Exception:
        return None
    return base64.b64decode(text.split()[1])


# ---- allowed_signers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """One line of an allowed_signers file."""

    principals: tuple[str, ...]  # patterns: *, ? and !negation, as OpenSSH matches them
    key: bytes  # the public key's wire blob
    namespaces: tuple[str, ...] | None = None  # None: any namespace
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None
    line: int = 0

    def allows(self, principal: str) -> bool:
        return _match_list(principal, self.principals)


@dataclass
class AllowedSigners:
    """A centre's allowed_signers file, read."""

    path: str  # as the user named it
    sha256: str
    signers: list[Signer] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)  # lines that were left out

    def for_key(self, key: bytes) -> list[Signer]:
        return [s for s in self.signers if s.key == key]


def _pattern(p: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p))


def _match_list(value: str, patterns: tuple[str, ...]) -> bool:
    """OpenSSH's match_pattern_list: a negated match refuses, else any match allows."""
    allowed = False
    for pat in patterns:
        negated = pat.startswith("!")
        if _pattern(pat[1:] if negated else pat).fullmatch(value):
            if negated:
                return False
            allowed = True
    return allowed


_TOKEN = re.compile(r'(?:"[^"]*"|[^\s"])+')
_KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


def _time(text: str) -> dt.datetime:
    """valid-after/valid-before: YYYYMMDD[HHMM[SS]][Z] (local time unless Z)."""
    m = re.fullmatch(r"(\d{8})(?:(\d{4})(\d{2})?)?(Z)?", text)
    try:
        if not m:
            raise ValueError
        digits = m.group(1) + (m.group(2) or "0000") + (m.group(3) or "00")
        when = dt.datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        raise ValueError(f'"{text}" is not a time in the form YYYYMMDD[HHMM[SS]][Z]') from None
    return when.replace(tzinfo=dt.UTC) if m.group(4) else when.astimezone()


def parse_allowed(text: str, shown: str) -> tuple[list[Signer], list[Diagnostic]]:
    """The lines of an allowed_signers file, and a note for each line left out."""
    signers: list[Signer] = []
    notes: list[Diagnostic] = []
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            signer = _parse_line(line, number)
        except ValueError as exc:
            notes.append(
                make(
                    shown,
                    (number, 1),
                    "W415",
                    f"allowed_signers line left out: {exc}",
                    "each line is: PRINCIPALS [OPTIONS] KEYTYPE BASE64KEY (see ssh-keygen(1))",
                )
            )
            continue
        if signer is not None:
            signers.append(signer)
    return signers, notes


def _parse_line(line: str, number: int) -> Signer | None:
    tokens = _TOKEN.findall(line)
    if len(tokens) < 3:
        raise ValueError("it has fewer than three fields")
    principals = tuple(p for p in tokens[0].strip('"').split(",") if p)
    options: dict[str, str | None] = {}
    rest = tokens[1:]
    if not rest[0].startswith(_KEY_TYPES):
        for opt in re.findall(r'(?:"[^"]*"|[^,"])+', rest[0]):
            name, _, value = opt.partition("=")
            options[name.strip().lower()] = value.strip('"') if value else None
        rest = rest[1:]
    if len(rest) < 2 or not rest[0].startswith(_KEY_TYPES):
        raise ValueError("no key type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ...) found")
    if "cert-authority" in options:
        raise ValueError("certificate authorities are not supported: list each signer's key")
    unknown = sorted(set(options) - {"namespaces", "valid-after", "valid-before"})
    if unknown:
        raise ValueError(f'unknown option "{unknown[0]}"')
    try:
        blob = base64.b64decode(rest[1], validate=True)
    except ValueError:
        raise ValueError("the key is not base64") from None
    if key_type(blob) != rest[0]:
        raise ValueError(f"the key is not a {rest[0]} key")
    ns = options.get("namespaces")
    return Signer(
        principals=principals,
        key=blob,
        namespaces=tuple(n.strip() for n in ns.split(",")) if ns is not None else None,
        valid_after=_time(options["valid-after"] or "") if "valid-after" in options else None,
        valid_before=_time(options["valid-before"] or "") if "valid-before" in options else None,
        line=number,
    )


_LOADED: dict[tuple[str, str], AllowedSigners] = {}


def load_allowed(path: str) -> AllowedSigners:
    """The allowed_signers file at `path` (as named), or UserError when it cannot be read."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise UserError(
            f"allowed signers {path}: {exc.strerror or exc}",
            f"name the centre's allowed_signers file with --allowed-signers or ${ENV_LIST}",
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    hit = _LOADED.get((path, digest))
    if hit is not None:
        return hit
    signers, notes = parse_allowed(data.decode("utf-8", "replace"), path)
    loaded = AllowedSigners(path, digest, signers, notes)
    _LOADED[(path, digest)] = loaded
    return loaded


# ---- the policy a portfolio is judged by ---------------------------------------------------


@dataclass
class Policy:
    """Whether decisions must be signed, and the list they are verified against."""

    required: bool
    allowed: AllowedSigners | None
    qualification: str
    registration: str

    @property
    def unverifiable(self) -> bool:
        """Signatures are required but there is no list to check them against."""
        return self.required and self.allowed is None


def policy(settings: Mapping[str, Any], qualification: str, registration: str) -> Policy:
    """The policy for a portfolio: a named list of allowed signers, or the portfolio's
    `signatures: required`, turns the requirement on (UserError: the list cannot be read)."""
    path = named_list()
    allowed = load_allowed(path) if path else None
    required = allowed is not None or settings.get("signatures") == "required"
    return Policy(required, allowed, qualification, registration)


def no_list_warning(pos: tuple[int, int] | None, add: Add) -> None:
    add(
        pos,
        "W414",
        "signatures are required (settings.signatures) but no list of allowed signers was "
        "given to verify them: no decision counts",
        f"name the centre's allowed_signers file: --allowed-signers FILE, or ${ENV_LIST}",
    )


def judge(
    pol: Policy,
    message: bytes,
    role: str,
    signer: Any,
    signature: Any,
    when: Any,
    what: str,
    pos: tuple[int, int] | None,
    add: Add,
    fix: str,
) -> str | None:
    """Why a decision does not count for want of a good signature (None: it counts).

    Reports W411 (unsigned where required), W412 (does not verify) or W413 (signer not
    allowed). A decision signed where signatures are optional is still verified.
    """
    if not signature:
        if not pol.required or role not in REQUIRED_ROLES:
            return None
        add(
            pos,
            "W411",
            f"{what} is not signed, and signatures are required: it does not count",
            f"sign it with the decision-maker's SSH key: {fix}",
        )
        return "not signed"
    namespace = NAMESPACES[role]
    try:
        parsed = verify(unarmor(str(signature)), message, namespace)
    except BadSignature as exc:
        add(
            pos,
            "W412",
            f"the signature of {what} does not verify: {exc}; it does not count",
            "the decision or its fingerprint changed after it was signed, or the signature "
            f"is damaged: {fix}",
        )
        return "signature does not verify"
    if pol.allowed is None:
        return "no list of allowed signers to verify the signature" if pol.required else None
    principal = str(signer or "")
    why = _not_allowed(pol.allowed, parsed.public_key, principal, namespace, when)
    if why is None:
        return None
    add(
        pos,
        "W413",
        f"{what} is signed by {principal or 'no one named'} ({key_type(parsed.public_key)} "
        f"{fingerprint_of(parsed.public_key)}), who {why}: it does not count",
        f"the centre lists who may sign in {pol.allowed.path}; {fix}",
    )
    return f"signer not allowed ({why})"


def _not_allowed(
    allowed: AllowedSigners, key: bytes, principal: str, namespace: str, when: Any
) -> str | None:
    """None when `principal` may sign with `key` in `namespace` on date `when`, else why not."""
    if not principal:
        return "is not named (no `signer:`)"
    lines = allowed.for_key(key)
    if not lines:
        return f"is not listed with this key in {allowed.path}"
    mine = [s for s in lines if s.allows(principal)]
    if not mine:
        return f"is not the principal of this key in {allowed.path}"
    in_ns = [s for s in mine if s.namespaces is None or _match_list(namespace, s.namespaces)]
    if not in_ns:
        return f"may not sign as {namespace} (namespaces= in {allowed.path})"
    if isinstance(when, dt.date):
        day = dt.datetime.combine(when, dt.time(12)).astimezone()
        ok = [
            s
            for s in in_ns
            if (s.valid_after is None or day >= s.valid_after)
            and (s.valid_before is None or day < s.valid_before)
        ]
        if not ok:
            return f"may not sign on {when.isoformat()} (valid-after/valid-before)"
    return None


def principal_for(key_path: Path, role: str) -> str | None:
    """The one principal the named list gives this key for this role, if there is one."""
    path = named_list()
    blob = public_blob(key_path)
    if path is None or blob is None:
        return None
    allowed = load_allowed(path)
    names = {
        p
        for s in allowed.for_key(blob)
        if s.namespaces is None or _match_list(NAMESPACES[role], s.namespaces)
        for p in s.principals
        if not p.startswith("!") and "*" not in p and "?" not in p
    }
    return names.pop() if len(names) == 1 else None
