"""Who may write through the portal: users with hashed passwords, API tokens,
signed session cookies and CSRF tokens.

Passwords are stored as ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` (``specbook passwd``
prints one); API tokens as ``sha256$HEX`` of the token. A portal with no users and no
tokens is read-only. Sessions are signed with the book's portal secret
(``.specbook/portal-secret``, created on first use, or ``SPECBOOK_SECRET``), so
several portal processes of one book accept each other's sessions.

A signature alone does not make a session good (:class:`Sessions`): on every request
the user must still be one of the accounts, with the password the cookie was issued
under (the cookie carries a keyed digest of the user's stored hash, so a new password
or a removed user ends every old cookie), and the session must not have been signed
out. Sign-outs are kept in a revocation list that outlives the process and is shared
by every server of the book (:class:`SQLiteRevocations` in the state folder, or the
shared PostgreSQL database of ``serve --db``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from specbook.core.errors import ConfigError
from specbook.core.state import make_state_dir

if TYPE_CHECKING:
    from specbook.core.config import BookConfig

ITERATIONS = 120_000
SESSION_SECONDS = 12 * 3600
COOKIE = "specbook_session"
# The pre-sign-in visitor cookie the login form's CSRF token is bound to (login CSRF).
VISITOR_COOKIE = "specbook_visitor"


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


def load_users_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The users and tokens of an organisation's users file (``serve --users FILE`` or
    ``[portal] users_file``), a TOML file of the same lines as a book's tables::

        [users]
        "Ana Reviewer" = "pbkdf2_sha256$..."   # specbook passwd NAME
        [tokens]
        ci = "sha256$..."                      # specbook passwd --token NAME

    Raises :class:`ConfigError` naming the file and the key that is wrong."""
    shown = str(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, "(file)", f"not valid TOML: {exc}; fix the syntax") from exc
    except OSError as exc:
        raise ConfigError(shown, "(file)", f"cannot be read: {exc.strerror}") from exc
    unknown = sorted(set(data) - {"users", "tokens"})
    if unknown:
        raise ConfigError(
            shown, unknown[0], "unknown table; a users file holds [users] and [tokens]"
        )
    out: list[dict[str, str]] = []
    for table, scheme, how in (
        ("users", "pbkdf2_sha256$", "specbook passwd NAME"),
        ("tokens", "sha256$", "specbook passwd --token NAME"),
    ):
        value = data.get(table, {})
        if not isinstance(value, dict):
            raise ConfigError(shown, table, f'expected a table [{table}] of "name" = "hash" lines')
        for name, stored in value.items():
            if not isinstance(stored, str) or not stored.startswith(scheme):
                raise ConfigError(
                    shown,
                    f"{table}.{name}",
                    f"expected a hash starting with {scheme} (run `{how}` and paste its line); "
                    "plain passwords and tokens are never accepted",
                )
        out.append(dict(value))
    return out[0], out[1]


def book_accounts(
    config: BookConfig, users_file: Path | None = None, name: str | None = None
) -> tuple[Accounts, str]:
    """The accounts that may act in the book of ``config`` (called ``name`` in a
    shared index), and their realm (whose sessions they are): an organisation's users
    file (``users_file``, else the book's ``[portal] users_file``) is one realm wherever
    it is used; else the book's own ``[portal]`` tables are the book's realm, so a name
    in two books is two accounts. ``SPECBOOK_USERS`` / ``SPECBOOK_TOKENS`` are added
    to either."""
    if users_file is None and config.portal_users_file:
        users_file = (config.root or Path.cwd()) / config.portal_users_file
    if users_file is not None:
        users, tokens = load_users_file(users_file)
        return accounts_from(users, tokens), f"file:{users_file.resolve()}"
    accounts = accounts_from(dict(config.portal_users), dict(config.portal_tokens))
    return accounts, f"book:{name or config.name}"


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
    key: str = ""  # keyed digest of the user's stored hash when the cookie was issued
    realm: str = ""  # whose accounts issued it (a book, a users file)


class SessionSigner:
    """Signed session cookies, the CSRF token that goes with each session, and the
    sign-in form's token bound to a visitor cookie."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, text: str) -> str:
        return _b64(hmac.new(self._secret, text.encode(), hashlib.sha256).digest())

    def issue(self, user: str, key: str = "", realm: str = "", now: float | None = None) -> str:
        payload = _b64(
            json.dumps(
                {
                    "u": user,
                    "n": secrets.token_hex(16),
                    "e": int((now or time.time()) + SESSION_SECONDS),
                    "k": key,
                    "r": realm,
                }
            ).encode()
        )
        return f"{payload}.{self._mac(payload)}"

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session a cookie's signature vouches for, unexpired; whether its user
        may still act is :meth:`Sessions.check`'s question."""
        if not cookie or "." not in cookie:
            return None
        payload, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(
                str(data["u"]), str(data["n"]), int(data["e"]), str(data["k"]), str(data["r"])
            )
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > (now or time.time()) else None

    def user_key(self, user: str, stored: str) -> str:
        """A digest of the user's stored password hash (salt included), keyed so the
        cookie reveals nothing of it: a new password gives a new key."""
        return self._mac("user-key|" + user + "\x00" + stored)[:22]

    def csrf(self, session: Session | None) -> str:
        """The CSRF token for the forms of ``session``; none without a session (the
        sign-in form's token is :meth:`visitor_csrf`)."""
        return self._mac("csrf|" + session.nonce) if session else ""

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        want = self.csrf(session)
        return bool(want) and bool(token) and hmac.compare_digest(want, token or "")

    @staticmethod
    def new_visitor() -> str:
        return secrets.token_hex(16)

    def visitor_csrf(self, visitor: str | None) -> str:
        """The sign-in form's token for the browser holding visitor cookie ``visitor``:
        a page on another site cannot read the cookie, so it cannot make a token that
        signs this browser in (double submit, signed)."""
        return self._mac("login-csrf|" + visitor) if visitor else ""

    def visitor_ok(self, visitor: str | None, token: str | None) -> bool:
        want = self.visitor_csrf(visitor)
        return bool(want) and bool(token) and hmac.compare_digest(want, token or "")


class Revocations(Protocol):
    """Signed-out sessions (by nonce), kept until the cookie would have expired anyway."""

    def revoke(self, nonce: str, expires: int) -> None: ...

    def is_revoked(self, nonce: str) -> bool: ...


class MemoryRevocations:
    """Sign-outs for this process only: the fallback of a read-only checkout, whose
    portal secret (and so every session) lasts no longer either."""

    def __init__(self) -> None:
        self._revoked: dict[str, int] = {}

    def revoke(self, nonce: str, expires: int) -> None:
        now = time.time()
        self._revoked = {n: e for n, e in self._revoked.items() if e > now}
        self._revoked[nonce] = expires

    def is_revoked(self, nonce: str) -> bool:
        return nonce in self._revoked


class SQLiteRevocations:
    """Sign-outs of a single book in ``.specbook/sessions.db``: they survive a restart
    and every server process of the book sees them."""

    def __init__(self, path: Path) -> None:
        make_state_dir(path.parent)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False)
        with self._lock, self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS revoked(nonce TEXT PRIMARY KEY, expires INTEGER)"
            )

    def revoke(self, nonce: str, expires: int) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM revoked WHERE expires < ?", (int(time.time()),))
            self._db.execute("INSERT OR REPLACE INTO revoked VALUES (?, ?)", (nonce, expires))

    def is_revoked(self, nonce: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM revoked WHERE nonce = ?", (nonce,)).fetchone()
        return row is not None


def book_revocations(root: Path) -> Revocations:
    """The sign-out list of the book at ``root`` (in memory when the state folder
    cannot be written)."""
    try:
        return SQLiteRevocations(root / ".specbook" / "sessions.db")
    except (OSError, sqlite3.Error):
        return MemoryRevocations()


class Sessions:
    """Issues session cookies for one set of accounts and decides, per request, whether
    a cookie still stands for one of them: signed, unexpired, of this ``realm``, its
    user still there with the password it was issued under, and not signed out."""

    def __init__(
        self,
        signer: SessionSigner,
        accounts: Accounts,
        revocations: Revocations,
        realm: str = "",
        cookie: str = COOKIE,
        path: str = "/",
    ) -> None:
        self.signer = signer
        self.accounts = accounts
        self.revocations = revocations
        self.realm = realm
        self.cookie = cookie
        self.path = path

    def issue(self, user: str) -> str:
        return self.signer.issue(user, self._key(user), self.realm)

    def _key(self, user: str) -> str:
        stored = self.accounts.users.get(user)
        return self.signer.user_key(user, stored) if stored is not None else ""

    def check(self, cookie: str | None) -> Session | None:
        session = self.signer.read(cookie)
        if session is None or session.realm != self.realm:
            return None
        key = self._key(session.user)
        if not key or not hmac.compare_digest(key, session.key):
            return None  # the user was removed or has another password now
        if self.revocations.is_revoked(session.nonce):
            return None
        return session

    def revoke(self, session: Session) -> None:
        self.revocations.revoke(session.nonce, session.expires)
