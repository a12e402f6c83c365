"""``Run``: one execution as the server has it, with its metrics in W&B's history shape."""

from __future__ import annotations

import urllib.parse
from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional

if TYPE_CHECKING:
    from ._api import Api, RunMetrics

TERMINAL_STATES = ("finished", "failed", "crashed", "stopped", "preempted")


class Run:
    """A run (W&B's public ``Run``): ``id``, ``entity``, ``project``, ``name``, ``state``, ``config``,
    ``summary``, ``exit_code``, ``failure``, ``job``, ``queue``, ``attempt`` and times, as fetched."""

    def __init__(self, api: "Api", data: Dict[str, Any]) -> None:
        self._api = api
        self._data = data
        self.id: str = data["id"]
        self.entity: str = data["entity"]
        self.project: str = data["project"]
        self.name: Optional[str] = data.get("name")
        self.state: str = data["state"]
        self.config: Dict[str, Any] = data.get("config") or {}
        self.summary: Dict[str, Any] = data.get("summary") or {}
        self.exit_code: Optional[int] = data.get("exitCode")
        self.failure: Optional[Dict[str, Any]] = data.get("failure")
        self.job: Optional[str] = data.get("job")
        self.queue: Optional[str] = data.get("queue")
        self.queue_item_id: Optional[str] = data.get("queueItemId")
        self.attempt: int = data.get("attempt", 1)
        self.created_by: Optional[str] = data.get("createdBy")
        self.created_at: Optional[str] = data.get("createdAt")
        self.started_at: Optional[str] = data.get("startedAt")
        self.finished_at: Optional[str] = data.get("finishedAt")

    def __repr__(self) -> str:
        return f"<Run {self.entity}/{self.project}/{self.id} ({self.state})>"

    @property
    def json(self) -> Dict[str, Any]:
        """The run as the server sent it."""
        return self._data

    @property
    def finished(self) -> bool:
        """True once the run is in a terminal state (not only ``finished``)."""
        return self.state in TERMINAL_STATES

    def reload(self) -> "Run":
        """The run as the server has it now."""
        return self._api.run(self.id)

    def metrics(self) -> "RunMetrics":
        """Every metric point, in the order logged, and whether the server's limit cut them short."""
        return self._api.run_metrics(self.id)

    def scan_history(self, keys: Optional[Iterable[str]] = None, page_size: int = 1000) -> Iterator[Dict[str, Any]]:
        """Every logged row, W&B style: ``{"_step": ..., "_timestamp": ..., **values}``, read in pages.
        With ``keys``, only those keys (rows without any of them are skipped)."""
        wanted = None if keys is None else list(keys)
        for page in self._api.metric_pages(self.id, page_size):
            for point in page["points"]:
                values = point["values"]
                if wanted is not None:
                    values = {k: values[k] for k in wanted if k in values}
                    if not values:
                        continue
                yield {"_step": point["step"], "_timestamp": _epoch(point["ts"]), **values}

    def history(self, keys: Optional[Iterable[str]] = None) -> List[Dict[str, Any]]:
        """``scan_history`` as a list (W&B's returns a sampled DataFrame; this is every row, no pandas)."""
        return list(self.scan_history(keys))

    def logs(self) -> str:
        """The run's output so far (stdout and stderr, in order)."""
        after, text = -1, []  # type: int, List[str]
        while True:
            page = self._api.request(
                "GET", f"/runs/{urllib.parse.quote(self.id, safe='')}/logs", {"after": after, "limit": 10_000}
            )
            text.extend(line["text"] + "\n" for line in page["lines"])
            if not page["lines"] or page["done"]:
                return "".join(text)
            after = page["next"]


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
