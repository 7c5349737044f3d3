"""Who may write through the portal: users with hashed passwords, API tokens,
signed session cookies and CSRF tokens.

Passwords are stored as ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` (``specbook passwd``
prints one); API tokens as ``sha256$HEX`` of the token. A portal with no users and no
tokens is read-only. Sessions are signed with the book's portal secret
(``.specbook/portal-secret``, created on first use, or ``SPECBOOK_SECRET``), so
several portal processes of one book accept each other's sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from specbook.errors import ConfigError
from specbook.state import make_state_dir

ITERATIONS = 120_000
SESSION_SECONDS = 12 * 3600


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash of ``password`` in the stored format."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant time; False for a bad format)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def hash_token(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Accounts:
    """The users (name -> password hash) and tokens (name -> token hash) of a portal."""

    users: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def writable(self) -> bool:
        return bool(self.users or self.tokens)

    def check_password(self, name: str, password: str) -> str | None:
        """The user's name when ``password`` is theirs, else ``None``."""
        for user, stored in self.users.items():
            if user.lower() == name.strip().lower():
                return user if verify_password(password, stored) else None
        verify_password(password, hash_password("x", 1000))  # same work for unknown names
        return None

    def check_token(self, token: str) -> str | None:
        """The name a bearer token belongs to, else ``None``."""
        want = hash_token(token)
        for name, stored in self.tokens.items():
            if hmac.compare_digest(want, stored):
                return name
        return None


def accounts_from(
    users: dict[str, str], tokens: dict[str, str], env: dict[str, str] | None = None
) -> Accounts:
    """The accounts of the book's ``[portal]`` config plus ``SPECBOOK_USERS`` and
    ``SPECBOOK_TOKENS`` (``name=hash`` pairs separated by commas or newlines)."""
    env = dict(os.environ) if env is None else env
    out = Accounts(dict(users), dict(tokens))
    for var, target in (("SPECBOOK_USERS", out.users), ("SPECBOOK_TOKENS", out.tokens)):
        for item in env.get(var, "").replace("\n", ",").split(","):
            if not item.strip():
                continue
            name, sep, value = item.strip().partition("=")
            if not sep or not name or not value:
                raise ConfigError(
                    var, var, "expected name=HASH pairs separated by commas (see specbook passwd)"
                )
            target[name.strip()] = value.strip()
    for name, stored in out.users.items():
        if not stored.startswith("pbkdf2_sha256$"):
            raise ConfigError(
                "portal.users",
                f"portal.users.{name}",
                "expected a password hash printed by `specbook passwd`, never a plain password",
            )
    for name, stored in out.tokens.items():
        if not stored.startswith("sha256$"):
            raise ConfigError(
                "portal.tokens",
                f"portal.tokens.{name}",
                "expected sha256$HEX of the token (printed by `specbook passwd --token`)",
            )
    return out


def portal_secret(root: Path) -> bytes:
    """The key that signs sessions: ``SPECBOOK_SECRET``, else a random key kept in
    ``.specbook/portal-secret`` (mode 600), else one for this process only."""
    env = os.environ.get("SPECBOOK_SECRET")
    if env:
        return env.encode()
    path = root / ".specbook" / "portal-secret"
    try:
        return path.read_bytes()
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        make_state_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:
        return path.read_bytes()  # another process made it first
    except OSError:
        pass  # read-only checkout: sessions last as long as this process
    return key


@dataclass(frozen=True)
class Session:
    user: str
    nonce: str
    expires: int


class SessionSigner:
    """Signed session cookies and the CSRF token that goes with each session."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, text: str) -> str:
        return _b64(hmac.new(self._secret, text.encode(), hashlib.sha256).digest())

    def issue(self, user: str, now: float | None = None) -> str:
        payload = _b64(
            json.dumps(
                {
                    "u": user,
                    "n": secrets.token_hex(8),
                    "e": int((now or time.time()) + SESSION_SECONDS),
                }
            ).encode()
        )
        return f"{payload}.{self._mac(payload)}"

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        if not cookie or "." not in cookie:
            return None
        payload, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(str(data["u"]), str(data["n"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > (now or time.time()) else None

    def csrf(self, session: Session | None) -> str:
        """The CSRF token for forms of ``session`` (signed-out pages get one too)."""
        return self._mac("csrf|" + (session.nonce if session else "anonymous"))

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(session), token or "")
