"""The in-job helper: ``tminus.log``, ``tminus.summary`` and ``tminus.finish``, sending a run's metrics
with its run token (``TMINUS_RUN_TOKEN``, ``TMINUS_API_URL``, which the agent gives each program).

- ``log`` never blocks on the network: it cleans the values, appends them to a bounded buffer and
  returns; a background thread sends them in batches (every second, or sooner once a batch is full).
- Memory is bounded: a point is encoded as JSON when it is complete, and at most ``MAX_PENDING_BYTES``
  of them wait to be sent; past it new points are dropped and counted.
- It never fails the program: a refusal or an unreachable server is said once on stderr and the
  metrics are dropped; once the server says the run reached its metrics limit, no more points are
  sent (the summary still is, so it keeps the last values).
- At exit (``atexit``) the last point is committed and what is buffered is sent, waiting at most
  ``TMINUS_METRICS_EXIT_TIMEOUT`` seconds (default 30), and not at all if the server was unreachable.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import sys
import threading
import time
import urllib.parse
from collections import abc, deque
from typing import Any, Deque, Dict, Iterator, List, Mapping, MutableMapping, Optional, Set, Tuple

from ._api import Api
from ._errors import LaunchError

#: Bytes of encoded points waiting to be sent at most (about 200,000 points of a few keys).
MAX_PENDING_BYTES = 16 * 1024 * 1024
#: Points per request at most (the server's limit), and bytes.
BATCH = 10_000
BATCH_BYTES = 4 * 1024 * 1024
#: Longest a logged point waits before it is sent (when the sender is idle).
FLUSH_INTERVAL = 1.0
#: The server's limits on a key and on the keys of one point.
MAX_KEY_LENGTH = 256
MAX_KEYS = 1_000
MAX_SUMMARY_STRING = 1024
#: Backoff after a failed send, doubling up to the last.
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)

_PERMANENT = {"UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND", "CONFLICT"}
_DROP_BATCH = {"INVALID_ARGUMENT", "PAYLOAD_TOO_LARGE"}

#: Integers JSON readers keep exactly; larger ones travel as floats.
_EXACT = 2**53


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"tminus: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


class _Once:
    """Says each kind of problem once."""

    def __init__(self) -> None:
        self._said: Set[str] = set()

    def __call__(self, kind: str, text: str) -> None:
        if kind not in self._said:
            self._said.add(kind)
            _say(text)


def _number(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def clean_value(value: Any) -> Tuple[bool, Any]:
    """``(True, json_value)`` for what a metric can be: numbers (NaN and ±inf as strings), booleans and
    None; numpy/torch scalars through ``.item()``. ``(False, None)`` otherwise."""
    kind = type(value)
    if kind is float:
        return True, _number(value)
    if kind is int:
        return True, value if -_EXACT <= value <= _EXACT else float(value)
    if value is None or kind is bool:
        return True, value
    if isinstance(value, bool):
        return True, bool(value)
    if isinstance(value, int):
        return clean_value(int(value))
    if isinstance(value, float):
        return True, _number(float(value))
    item = getattr(value, "item", None)
    if callable(item):
        try:
            inner = item()
        except (TypeError, ValueError):  # an array of more than one element
            return False, None
        if inner is not value:
            return clean_value(inner)
    try:
        import numbers

        if isinstance(value, numbers.Real):
            return True, _number(float(value))
    except (TypeError, ValueError):
        pass
    return False, None


_POINT = '{"step":%d,"ts":%d,"values":%s}'
_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


class Recorder:
    """One process's metrics of its run. Thread-safe; ``log`` returns at once."""

    def __init__(self, api: Optional[Api], run_id: Optional[str]) -> None:
        self._api = api
        self._run_id = run_id
        self._once = _Once()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        #: Signalled by the sender after each request: what ``finish`` waits on.
        self._sent = threading.Condition(self._lock)
        self._wake = threading.Event()
        #: Complete points, each as the JSON the server takes.
        self._points: Deque[str] = deque()
        self._pending_bytes = 0
        self._row: Dict[str, Any] = {}
        self._step = 0
        self.summary_values: Dict[str, Any] = {}
        self._summary_dirty: Dict[str, Any] = {}
        self._dropped = 0
        self._failed = 0
        #: Why nothing more is sent (a refusal); None while sending.
        self._stopped: Optional[str] = None
        #: The run reached the server's limit: points are no longer sent (the summary still is).
        self._full = False
        self._unreachable_until = 0.0
        self._backoff = 0
        self._sending = False
        self._closing = False
        self._thread: Optional[threading.Thread] = None

    # The program's side: never waits on the network.

    def log(self, data: Mapping[str, Any], step: Optional[int], commit: Optional[bool]) -> None:
        if type(data) is not dict and not isinstance(data, abc.Mapping):
            self._once("data", f"tminus.log takes a dict of metrics, not {type(data).__name__}; ignored")
            return
        values = self._clean(data)
        with self._lock:
            if step is not None:
                if type(step) is not int and (isinstance(step, bool) or not isinstance(step, int)) or step < 0:
                    self._once("bad-step", f"tminus.log: step must be an integer >= 0, not {step!r}; ignored")
                    return
                if step < self._step:
                    self._once(
                        "step",
                        f"tminus.log: step {step} is less than the current step {self._step}; steps must "
                        "increase, so this data is ignored (said once)",
                    )
                    return
                if step > self._step:
                    self._commit()
                    self._step = step
            self._row.update(values)
            if commit or (commit is None and step is None):
                self._commit()

    def set_summary(self, key: str, value: Any) -> None:
        ok, cleaned = clean_value(value)
        if not ok and isinstance(value, str):
            ok, cleaned = True, value[:MAX_SUMMARY_STRING]
        if not ok or not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
            self._once(f"summary:{key}", f"tminus.summary[{key!r}]: a {type(value).__name__} is not kept (numbers, booleans, None and strings are)")
            return
        with self._lock:
            self.summary_values[key] = cleaned
            self._summary_dirty[key] = cleaned
            if self._thread is None:
                self._start()

    def delete_summary(self, key: str) -> None:
        with self._lock:
            del self.summary_values[key]
            self._summary_dirty[key] = None
            if self._thread is None:
                self._start()

    def finish(self, timeout: Optional[float]) -> None:
        """Commits the current point and sends everything logged so far, waiting at most ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._commit()
            while self._thread is not None and self._thread.is_alive():
                idle = not self._points and not self._summary_dirty and not self._sending
                if idle or self._stopped is not None or self._unreachable_until > time.monotonic():
                    return
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return
                self._wake.set()
                self._sent.wait(remaining)

    def close(self) -> None:
        """At exit: send what is left (bounded by TMINUS_METRICS_EXIT_TIMEOUT), then say what was lost."""
        if os.getpid() != self._pid:  # a forked child exiting: the parent's buffer is not its own
            return
        try:
            timeout = float(os.environ.get("TMINUS_METRICS_EXIT_TIMEOUT", "30"))
        except ValueError:
            timeout = 30.0
        self.finish(timeout)
        with self._lock:
            self._closing = True
            lost = self._dropped + self._failed + len(self._points)
        self._wake.set()
        if lost and self._api is not None and self._stopped is None and not self._full:
            _say(f"{lost} metric point(s) of run {self._run_id} were not sent")

    # Internals (the caller holds the lock where it says so).

    def _clean(self, data: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, value in data.items():
            name = key if type(key) is str else str(key)
            if prefix:
                name = f"{prefix}/{name}"
            kind = type(value)
            if (kind is float and math.isfinite(value) or kind is int and -_EXACT <= value <= _EXACT) and (
                0 < len(name) <= MAX_KEY_LENGTH
            ):
                out[name] = value  # the common case, without the general path's calls
                continue
            if kind is dict or isinstance(value, abc.Mapping):
                out.update(self._clean(value, name))
                continue
            ok, cleaned = clean_value(value)
            if not ok:
                self._once(f"type:{name}", f"tminus.log: {name!r} is a {type(value).__name__}, not a number; it is not logged")
            elif not 0 < len(name) <= MAX_KEY_LENGTH:
                self._once(f"key:{name[:40]}", f"tminus.log: keys are 1 to {MAX_KEY_LENGTH} characters; {name[:40]!r}... is not logged")
            else:
                out[name] = cleaned
        return out

    def _commit(self) -> None:
        """(lock held) The current point is complete: buffer it and move to the next step."""
        row = self._row
        if not row:
            return
        self._row = {}
        if len(row) > MAX_KEYS:
            self._once("keys", f"tminus.log: a point holds at most {MAX_KEYS} keys; the rest are not logged")
            row = dict(list(row.items())[:MAX_KEYS])
        self.summary_values.update(row)
        step = self._step
        self._step += 1
        if self._api is None:
            return
        self._summary_dirty.update(row)
        if self._stopped is not None or self._full:
            return
        text = _POINT % (step, int(time.time() * 1000), _encode(row))
        if self._pending_bytes + len(text) > MAX_PENDING_BYTES:
            self._dropped += 1
            self._once(
                "full",
                f"metrics are logged faster than they can be sent; points past {MAX_PENDING_BYTES >> 20} MiB "
                "waiting to be sent are dropped",
            )
            return
        self._points.append(text)
        self._pending_bytes += len(text)
        if len(self._points) == BATCH:  # the sender drains all it finds once woken
            self._wake.set()
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        """(lock held) The sender, started on first use (and again in a forked child)."""
        if self._api is None or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=self._send_loop, name="tminus-metrics", daemon=True)
        self._thread.start()

    def _send_loop(self) -> None:
        while True:
            self._wake.wait(FLUSH_INTERVAL)
            self._wake.clear()
            while True:
                with self._lock:
                    if self._unreachable_until > time.monotonic():
                        break
                    batch: List[str] = []
                    size = 0
                    while self._points and len(batch) < BATCH and size + len(self._points[0]) <= BATCH_BYTES:
                        size += len(self._points[0])
                        batch.append(self._points.popleft())
                    if not batch and self._points:  # one point larger than a request: not sendable
                        self._failed += 1
                        size = len(self._points.popleft())
                    self._pending_bytes -= size
                    summary, self._summary_dirty = self._summary_dirty, {}
                    if not batch and not summary:
                        break
                    self._sending = True
                try:
                    self._send(batch, summary)
                finally:
                    with self._lock:
                        self._sending = False
                        self._sent.notify_all()
            with self._lock:
                if self._closing or self._stopped is not None:
                    self._sent.notify_all()
                    return

    def _send(self, batch: List[str], summary: Dict[str, Any]) -> None:
        """(lock not held) One request; what goes wrong is said once and the batch is dropped."""
        assert self._api is not None
        body = '{"points":[' + ",".join(batch) + "]"
        if summary:
            body += ',"summary":' + _encode(summary)
        body += "}"
        try:
            path = f"/runs/{urllib.parse.quote(str(self._run_id), safe='')}/metrics"
            try:
                answer = self._api.request_json("POST", path, body.encode("utf-8"), timeout=30)
            except LaunchError as error:
                if error.code != "UNAVAILABLE":
                    raise
                # A server that refuses a request answers before reading its body and closes: the
                # client, still sending, sees a broken connection. Ask without a body which it was.
                self._api.request("GET", "/whoami", timeout=10)
                raise
        except LaunchError as error:
            with self._lock:
                self._failed += len(batch)
                if error.code in _PERMANENT:
                    self._stop(f"the server refused the metrics of run {self._run_id} ({error.message}); later metrics are dropped")
                elif error.code in _DROP_BATCH:
                    self._once("refused", f"the server refused {len(batch)} metric point(s) ({error.message}); they are dropped")
                else:
                    self._once(
                        "unreachable",
                        f"could not send metrics ({error.message}); they are dropped while the server cannot be reached",
                    )
                    self._unreachable_until = time.monotonic() + BACKOFF[min(self._backoff, len(BACKOFF) - 1)]
                    self._backoff += 1
            return
        except Exception as error:  # noqa: BLE001 - nothing may reach the program
            with self._lock:
                self._failed += len(batch)
                self._once("bug", f"could not send metrics ({error!r}); they are dropped")
            return
        with self._lock:
            self._backoff = 0
            self._unreachable_until = 0.0
            if answer.get("truncated") and not self._full:
                self._full = True
                self._points.clear()
                self._pending_bytes = 0
                _say(
                    f"run {self._run_id} reached the server's limit of metric values; later points are not kept, "
                    "its summary still is (the run goes on; an operator can raise the limit: "
                    "tminus server --max-metrics-per-run N)"
                )

    def _stop(self, why: str) -> None:
        """(lock held) Nothing more is sent; what is buffered is dropped."""
        if self._stopped is None:
            self._stopped = why
            _say(why)
        self._points.clear()
        self._pending_bytes = 0


class Summary(MutableMapping[str, Any]):
    """``tminus.summary``: the run's summary (W&B's ``wandb.summary``). Each logged key's last value is
    in it; set others (``tminus.summary["best_acc"] = 0.93``) and they are sent with the metrics."""

    def __getitem__(self, key: str) -> Any:
        return _recorder().summary_values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        _recorder().set_summary(key, value)

    def __delitem__(self, key: str) -> None:
        _recorder().delete_summary(key)

    def __iter__(self) -> Iterator[str]:
        return iter(dict(_recorder().summary_values))

    def __len__(self) -> int:
        return len(_recorder().summary_values)

    def __getattr__(self, name: str) -> Any:
        try:
            return _recorder().summary_values[name]
        except KeyError:
            raise AttributeError(f"summary has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        _recorder().set_summary(name, value)

    def __repr__(self) -> str:
        return f"Summary({_recorder().summary_values!r})"


_state_lock = threading.Lock()
_current: Optional[Recorder] = None


def _recorder() -> Recorder:
    global _current
    current = _current
    if current is not None:
        return current
    with _state_lock:
        if _current is None:
            url, token = os.environ.get("TMINUS_API_URL"), os.environ.get("TMINUS_RUN_TOKEN")
            run_id = os.environ.get("TMINUS_RUN_ID") or (token[4:].split(".")[0] if token else None)
            api = Api(base_url=url, api_key=token, timeout=30) if url and token else None
            _current = Recorder(api, run_id)
            if api is None:
                _say("not running as a tminus run (no TMINUS_RUN_TOKEN/TMINUS_API_URL): metrics are not sent")
            atexit.register(_current.close)
        return _current


def _forget_in_child() -> None:
    """A forked child starts afresh: the parent's buffer and thread are not its own."""
    global _current
    _current = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def log(data: Mapping[str, Any], step: Optional[int] = None, commit: Optional[bool] = None) -> None:
    """Logs metrics of this run, as ``wandb.log``: ``tminus.log({"loss": 0.1}, step=3)``.

    Without ``step``, each call is the next step. With ``step``, calls with the same step make one
    point, which is complete once a later step is logged (or ``commit=True``, or at exit); a step lower
    than the current one is ignored. Nested dicts become ``a/b`` keys. Values are numbers (NaN and ±inf
    included), booleans and None; numpy/torch scalars work; anything else is left out (said once).
    Returns at once; the metrics are sent by a background thread.
    """
    _recorder().log(data, step, commit)


def finish(timeout: Optional[float] = None) -> None:
    """Sends everything logged so far and waits for it (at most ``timeout`` seconds). At exit this
    happens by itself; call it before a step that may take the process down."""
    _recorder().finish(timeout)
