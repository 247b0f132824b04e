"""Sign-in that holds: sessions kept on the server, the limit on failed sign-ins, and the bound
on memory spent stretching passwords.

- Sessions: signing in makes a random session id, kept here with the login, the time it ends
  (the configured lifetime) and the login's password version (a digest of its stored hash,
  which `ahtui supervisor add` makes anew with a fresh salt on every change). The signed
  `ds_actor` cookie carries only the id; a request is signed in while its session is here,
  unexpired, and its login still has the same password version. So signing out (which ends
  every session of that login), a changed password, and a removed login (even one added back)
  each end every existing session at once. Sessions live in this process's memory: a restart
  ends them all, as Datasette's fresh signing secret already does; the web process writes no
  file.
- Failed sign-ins: each attempt is counted against the name tried and the address it came
  from, before the password is checked (so parallel attempts count too); a successful one is
  taken back. A name or an address that reaches its limit within the lockout period is
  refused (429) until the lockout has passed, whatever password it then gives.
- Stretching: scrypt at the site keys' work factor costs 64 MiB a check; at most
  `MAX_STRETCHING` checks run at once in this process, the rest wait their turn.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

# Password checks at once: each holds scrypt's memory (64 MiB at log2n 16) while it runs.
MAX_STRETCHING = 2
STRETCHING = threading.BoundedSemaphore(MAX_STRETCHING)
# Caps on what an attacker can make this process remember.
MAX_SESSIONS = 10_000
MAX_TRACKED = 10_000


def password_version(stored_hash: str) -> str:
    """A short digest of a stored hash: it changes whenever the password is set again."""
    return hashlib.sha256(stored_hash.encode("utf-8")).hexdigest()[:32]


@dataclass
class Session:
    login: str
    version: str
    ends: float


@dataclass
class Sessions:
    """The live sessions of one Datasette, by id."""

    _by_id: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, login: str, stored_hash: str, lifetime: float) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            if len(self._by_id) >= MAX_SESSIONS:
                self._by_id = {k: s for k, s in self._by_id.items() if s.ends > now}
            while len(self._by_id) >= MAX_SESSIONS:
                del self._by_id[min(self._by_id, key=lambda k: self._by_id[k].ends)]
            self._by_id[sid] = Session(login, password_version(stored_hash), now + lifetime)
        return sid

    def login_of(self, sid: object, logins: dict[str, str]) -> str | None:
        """The login of a live session whose password is unchanged, else None (and a session
        found stale is forgotten)."""
        if not isinstance(sid, str):
            return None
        with self._lock:
            session = self._by_id.get(sid)
            if session is None:
                return None
            stored = logins.get(session.login)
            if (
                stored is None
                or session.ends <= time.time()
                or not secrets.compare_digest(password_version(stored), session.version)
            ):
                del self._by_id[sid]
                return None
            return session.login

    def end_all(self, login: str) -> int:
        with self._lock:
            ended = [k for k, s in self._by_id.items() if s.login == login]
            for k in ended:
                del self._by_id[k]
        return len(ended)


@dataclass
class Throttle:
    """Failed sign-ins per key ("login:NAME", "address:IP"), and the keys locked out."""

    per_login: int
    per_address: int
    lockout: float
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _limit(self, key: str) -> int:
        return self.per_login if key.startswith("login:") else self.per_address

    def _forget_old(self, now: float) -> None:
        self._locked = {k: t for k, t in self._locked.items() if t > now}
        for k in list(self._failures):
            q = self._failures[k]
            while q and q[0] <= now - self.lockout:
                q.popleft()
            if not q:
                del self._failures[k]
        while len(self._failures) > MAX_TRACKED:
            del self._failures[min(self._failures, key=lambda k: self._failures[k][-1])]

    def attempt(self, keys: tuple[str, ...], now: float) -> float | None:
        """Count an attempt for each key, or refuse it: the time the lockout lifts."""
        with self._lock:
            if len(self._failures) + len(self._locked) > MAX_TRACKED:
                self._forget_old(now)
            until = max((self._locked.get(k, 0.0) for k in keys), default=0.0)
            if until > now:
                return until
            for k in keys:
                q = self._failures.setdefault(k, deque())
                while q and q[0] <= now - self.lockout:
                    q.popleft()
                if len(q) >= self._limit(k):
                    self._locked[k] = until = max(until, now + self.lockout)
                    del self._failures[k]
            if until > now:
                return until
            for k in keys:
                self._failures[k].append(now)
            return None

    def succeeded(self, keys: tuple[str, ...], now: float) -> None:
        """Take back the attempt counted at `now`: it was not a guess."""
        with self._lock:
            for k in keys:
                q = self._failures.get(k)
                if q is not None and now in q:
                    q.remove(now)
