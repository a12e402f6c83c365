"""The client's errors: ``LaunchError`` (W&B's name) with the server's code, message and hint, and
``ExecutionError`` for a run that did not succeed."""

from __future__ import annotations

from typing import Any, Dict, Optional


class LaunchError(Exception):
    """A launch failed for a known reason: bad input, unknown queue or job, server unreachable, ...

    ``code`` is one of the server's error codes (``INVALID_ARGUMENT``, ``NOT_FOUND``, ``UNAVAILABLE``,
    ...), ``hint`` says what to do about it, ``details`` holds the rest (``status``: the HTTP status).
    """

    def __init__(
        self,
        message: str,
        code: str = "INTERNAL",
        hint: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
        self.details: Dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nhint: {self.hint}"


class ExecutionError(LaunchError):
    """A run ended without success (failed, crashed, stopped, preempted): W&B's ``ExecutionError``."""

    def __init__(
        self,
        message: str,
        hint: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message, "RUN_FAILED", hint, details)

    @property
    def run_id(self) -> Optional[str]:
        value = self.details.get("run_id")
        return value if isinstance(value, str) else None


def invalid_argument(message: str, hint: Optional[str] = None) -> LaunchError:
    return LaunchError(message, "INVALID_ARGUMENT", hint)
