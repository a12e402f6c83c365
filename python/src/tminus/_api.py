"""``Api``: a client for one tminus server (W&B's ``wandb.apis.internal.Api`` stands here). JSON over
HTTP with ``urllib``; a failure becomes a ``LaunchError`` with the server's code, message and hint."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional

from . import _credentials
from ._errors import LaunchError

#: Longest the server holds a long-poll (``waitMs``); each wait asks for this much and asks again.
LONG_POLL_MS = 25_000


class Api:
    """A tminus server and the key to use with it.

    With no arguments it finds both as the CLI and the TypeScript SDK do: ``TMINUS_BASE_URL`` and
    ``TMINUS_API_KEY``, else the CLI config file that ``tminus up`` writes, else
    ``http://127.0.0.1:7447``.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url, self.api_key = _credentials.resolve(base_url, api_key)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<tminus.Api {self.base_url}>"

    def request(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Calls ``/api/v1{path}`` (the routes of the server's OpenAPI document) and returns the JSON answer."""
        url = f"{self.base_url}/api/v1{path}"
        if query:
            pairs = {k: _scalar(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        return self._send(method, url, data, headers, timeout)

    def request_json(self, method: str, path: str, data: bytes, timeout: Optional[float] = None) -> Any:
        """``request`` with a body that is JSON already."""
        return self._send(method, f"{self.base_url}/api/v1{path}", data, None, timeout)

    def _send(
        self,
        method: str,
        url: str,
        data: Optional[bytes],
        headers: Optional[Mapping[str, str]],
        timeout: Optional[float],
    ) -> Any:
        sent: Dict[str, str] = {"accept": "application/json", **(headers or {})}
        if data is not None:
            sent["content-type"] = "application/json"
        if self.api_key:
            sent["authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise _error_of(error.code, error.read()) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            raise LaunchError(
                f"Could not reach the tminus server at {self.base_url}: {reason}",
                "UNAVAILABLE",
                "Start it with `npm start` (or `tminus up`), or point TMINUS_BASE_URL at a running server.",
            ) from None
        return json.loads(raw) if raw else None

    # Reads the Python client offers over the raw routes.

    def run(self, run_id: str) -> "Run":
        """A run by id."""
        from ._run import Run

        return Run(self, self.request("GET", f"/runs/{_segment(run_id)}"))

    def run_metrics(self, run_id: str, page_size: int = 10_000) -> "RunMetrics":
        """Every metric point of a run, in the order logged, and whether the server's limit cut them short."""
        points: List[Dict[str, Any]] = []
        page: Dict[str, Any] = {"truncated": False, "limit": 0}
        for page in self.metric_pages(run_id, page_size):
            points.extend(page["points"])
        return RunMetrics(points, bool(page["truncated"]), int(page["limit"]))

    def metric_pages(self, run_id: str, page_size: int = 10_000) -> Iterator[Dict[str, Any]]:
        """The pages of ``GET /runs/:id/metrics``, in order."""
        after = -1
        while True:
            page = self.request(
                "GET", f"/runs/{_segment(run_id)}/metrics", {"after": after, "limit": page_size}
            )
            yield page
            if len(page["points"]) < page_size:
                return
            after = page["next"]


class RunMetrics:
    """What ``Api.run_metrics`` returns: ``points`` (dicts with ``seq``, ``step``, ``ts``, ``values``),
    ``truncated`` (the run reached the server's limit; later points were dropped) and ``limit``."""

    def __init__(self, points: List[Dict[str, Any]], truncated: bool, limit: int) -> None:
        self.points = points
        self.truncated = truncated
        self.limit = limit

    def __repr__(self) -> str:
        return f"<RunMetrics {len(self.points)} points{' (truncated)' if self.truncated else ''}>"


#: The server's one code -> status table, read backwards for answers without an error body.
_CODE_BY_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "RUN_FAILED",
    499: "ABORTED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "TIMEOUT",
}


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _error_of(status: int, raw: bytes) -> LaunchError:
    try:
        error = json.loads(raw)["error"]
        message, code = str(error["message"]), str(error["code"])
    except (ValueError, KeyError, TypeError):
        text = raw[:200].decode("utf-8", "replace")
        return LaunchError(f"HTTP {status}: {text}", _CODE_BY_STATUS.get(status, "INTERNAL"), None, {"status": status})
    hint = error.get("hint")
    details = dict(error.get("details") or {})
    details["status"] = status
    return LaunchError(message, code, hint if isinstance(hint, str) else None, details)


if TYPE_CHECKING:
    from ._run import Run
