"""Waiting on the server's long-poll: each request is held by the server until the awaited state is
reached or ``waitMs`` passes, then asked again; nothing sleeps between requests."""

from __future__ import annotations

import time
from typing import Callable, Optional, TypeVar

from ._api import LONG_POLL_MS
from ._errors import LaunchError

T = TypeVar("T")


def long_poll(what: str, poll: Callable[[int], Optional[T]], timeout: Optional[float] = None) -> T:
    """Repeats ``poll(wait_ms)`` until it returns a value; ``timeout`` (seconds) ends it with ``TIMEOUT``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait_ms = LONG_POLL_MS
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LaunchError(
                    f"Timed out waiting for {what} after {timeout} s",
                    "TIMEOUT",
                    "Check `tminus run explain`/`tminus agent list`: is an agent polling the queue?",
                )
            wait_ms = min(wait_ms, max(1, int(remaining * 1000)))
        value = poll(wait_ms)
        if value is not None:
            return value


def request_timeout(wait_ms: int) -> float:
    """Socket timeout of a held request: the hold, and room for the answer."""
    return wait_ms / 1000 + 30
