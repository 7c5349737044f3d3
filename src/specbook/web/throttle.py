"""Failed sign-ins counted per user name and per client address, with lockout.

After ``user_limit`` failures for one name, or ``ip_limit`` from one address, within
``window`` seconds, further attempts are refused (429 with ``Retry-After``) without
checking the password, until the oldest of those failures is ``window`` seconds old.
An attempt counts as a failure from the moment it starts, so a burst of concurrent
guesses cannot all get through before the first is judged; a success takes its own
attempt back and clears the name's failures.

The counts live in this process's memory: a restart forgets them, and processes
behind one load balancer count separately. Nothing here sleeps; a refused attempt
costs a dictionary look-up.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SignInThrottle:
    """Per-name and per-address failure counts over a sliding window (see the module)."""

    def __init__(
        self,
        user_limit: int = 5,
        ip_limit: int = 20,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.user_limit = user_limit
        self.ip_limit = ip_limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str]:
        # names compare as Accounts.check_password compares them
        return "user:" + name.strip().lower(), "ip:" + address

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def attempt(self, name: str, address: str) -> int | None:
        """Start a sign-in: ``None`` when it may go ahead (it counts as a failure until
        :meth:`succeeded`), else the whole seconds until one may."""
        now = self.clock()
        user, ip = self._keys(name, address)
        with self._lock:
            wait = 0.0
            for key, limit in ((user, self.user_limit), (ip, self.ip_limit)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    # free again once enough of the oldest have left the window
                    wait = max(wait, times[len(times) - limit] + self.window - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            for key in (user, ip):
                times = self._failures.pop(key, deque())
                times.append(now)
                self._failures[key] = times  # re-inserted: the dict stays oldest-first
            while len(self._failures) > self.max_keys:  # bounded memory under a spray
                del self._failures[next(iter(self._failures))]
            return None

    def succeeded(self, name: str, address: str) -> None:
        """The attempt started by :meth:`attempt` was the right password."""
        user, ip = self._keys(name, address)
        with self._lock:
            self._failures.pop(user, None)
            times = self._failures.get(ip)
            if times:
                times.pop()
