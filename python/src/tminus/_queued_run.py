"""``QueuedRun``: a handle on a queued run (W&B's ``QueuedRun``), returned by ``launch_add``."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any, Dict, Optional

from ._api import Api
from ._errors import ExecutionError, LaunchError
from ._run import TERMINAL_STATES, Run
from ._wait import long_poll, request_timeout


class QueuedRun:
    """A queue item: ``id`` (the item's), ``entity`` and ``project`` (where the run lands),
    ``queue_name``, ``project_queue``, ``priority`` (lower runs first: critical 0, high 1, medium 2,
    low 3) and ``sweep`` (always None, as in W&B)."""

    def __init__(
        self,
        api: Api,
        id: str,
        entity: str,
        project: str,
        queue_name: str,
        project_queue: str,
        priority: int,
    ) -> None:
        self._api = api
        self.id = id
        self.entity = entity
        self.project = project
        self.queue_name = queue_name
        self.project_queue = project_queue
        self.priority = priority
        self.sweep = None

    @classmethod
    def from_item(cls, api: Api, item: Dict[str, Any]) -> "QueuedRun":
        spec = item.get("spec") or {}
        return cls(
            api,
            item["id"],
            spec.get("entity") or item["entity"],
            spec.get("project") or "",
            item["queue"],
            item["projectQueue"],
            item["priority"],
        )

    @classmethod
    def get(cls, id: str, api: Optional[Api] = None) -> "QueuedRun":
        """A handle on an existing queued run, by its id."""
        api = api or Api()
        return cls.from_item(api, api.request("GET", f"/queue-items/{_segment(id)}"))

    def __repr__(self) -> str:
        return f"<QueuedRun {self.queue_name} ({self.id})>"

    @property
    def state(self) -> str:
        """``pending``, ``leased``, ``claimed`` or ``failed`` (one request, as in W&B)."""
        return str(self.item()["state"])

    def item(self) -> Dict[str, Any]:
        """The queue item as the server has it now."""
        item: Dict[str, Any] = self._api.request("GET", f"/queue-items/{_segment(self.id)}")
        return item

    def wait_until_started(self, timeout: Optional[float] = None) -> Run:
        """Returns the run as soon as an agent has taken the item and created it. Raises
        ``ExecutionError`` if the item failed before a run existed, ``LaunchError`` (``TIMEOUT``) after
        ``timeout`` seconds (default: wait as long as it takes, as W&B does)."""

        def poll(wait_ms: int) -> Optional[str]:
            item = self._api.request(
                "GET",
                f"/queue-items/{_segment(self.id)}",
                {"waitFor": "started", "waitMs": wait_ms},
                timeout=request_timeout(wait_ms),
            )
            if item.get("runId"):
                return str(item["runId"])
            if item["state"] == "failed":
                error = item.get("error") or {}
                raise ExecutionError(
                    f"Queued run {self.id} failed before it started ({error.get('stage', 'agent')}): "
                    f"{error.get('message', 'unknown error')}",
                    details={"item": item},
                )
            return None

        return self._api.run(long_poll(f"queued run {self.id} to start", poll, timeout))

    def wait_until_running(self, timeout: Optional[float] = None) -> Run:
        """W&B's name for ``wait_until_started``."""
        return self.wait_until_started(timeout)

    def wait_until_finished(self, timeout: Optional[float] = None) -> Run:
        """Returns the run once it is terminal (finished, failed, crashed, stopped, preempted); a failed
        run is returned, not raised (its ``state``, ``exit_code`` and ``failure`` say how it ended)."""
        started = time.monotonic()
        run = self.wait_until_started(timeout)
        left = None if timeout is None else max(0.001, timeout - (time.monotonic() - started))
        return wait_for_run_end(self._api, run.id, left)

    def delete(self, delete_artifacts: bool = False) -> None:
        """Removes the item from its queue while it is pending (``delete_artifacts`` is ignored, as in
        W&B). Raises ``LaunchError`` (``CONFLICT``) once an agent has taken it."""
        self._api.request("DELETE", f"/queue-items/{_segment(self.id)}")

    def explain(self) -> Dict[str, Any]:
        """Why it is still pending: ``position``, ``agentsPolling``, ``agentsAtCapacity``, ``message``."""
        explained: Dict[str, Any] = self._api.request("GET", f"/queue-items/{_segment(self.id)}/explain")
        return explained

    def cancel(self) -> None:
        """Removes a pending item, or stops its run once it has started. Idempotent."""
        item = self.item()
        if not item.get("runId") and item["state"] == "pending":
            try:
                self.delete()
                return
            except LaunchError as error:
                if error.code != "CONFLICT":  # taken by an agent meanwhile: cancel its run
                    raise
        run_id = item.get("runId") or self.wait_until_started(timeout=30).id
        self._api.request("POST", f"/runs/{_segment(run_id)}/cancel")


def wait_for_run_end(api: Api, run_id: str, timeout: Optional[float] = None) -> Run:
    """Long-polls a run until it is terminal."""

    def poll(wait_ms: int) -> Optional[Dict[str, Any]]:
        run = api.request(
            "GET",
            f"/runs/{_segment(run_id)}",
            {"waitFor": "finished", "waitMs": wait_ms},
            timeout=request_timeout(wait_ms),
        )
        return run if run["state"] in TERMINAL_STATES else None

    return Run(api, long_poll(f"run {run_id} to finish", poll, timeout))


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")
