"""``launch_add``: W&B's ``launch_add``, with the seeds' signature, against a tminus server."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, Dict, List, Optional, Union

from ._api import Api
from ._errors import LaunchError, invalid_argument
from ._queued_run import QueuedRun
from ._spec import build_launch_spec

_RETRY_DELAYS = (0.1, 0.4, 1.6)


def launch_add(
    uri: Optional[str] = None,
    job: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
    template_variables: Optional[Dict[str, Union[float, int, str]]] = None,
    project: Optional[str] = None,
    entity: Optional[str] = None,
    queue_name: Optional[str] = None,
    resource: Optional[str] = None,
    entry_point: Optional[List[str]] = None,
    name: Optional[str] = None,
    version: Optional[str] = None,
    docker_image: Optional[str] = None,
    project_queue: Optional[str] = None,
    resource_args: Optional[Dict[str, Any]] = None,
    run_id: Optional[str] = None,
    build: Optional[bool] = (False),
    repository: Optional[str] = None,
    sweep_id: Optional[str] = None,
    author: Optional[str] = None,
    priority: Optional[int] = None,
    **kwargs: Any,
) -> QueuedRun:
    """Enqueue a W&B Launch experiment: from a source ``uri`` (a git repository, which becomes a job),
    a ``job`` (``entity/project/name:alias``) or a ``docker_image``. ``config`` is the base launch spec
    (the run config goes under ``config["overrides"]["run_config"]``). ``queue_name`` defaults to
    ``default``; ``priority``: lower runs first (0 critical, 1 high, 2 medium, 3 low). The server and
    key are found as ``tminus.Api()`` finds them.

    ``parameters=`` (the seeds' example) is taken as run-config overrides; no other extra keyword is.

    Returns a ``QueuedRun``; raises ``LaunchError`` with the server's message and hint on failure.

    Example::

        from tminus import launch_add
        queued = launch_add(job="alice/demo/train:latest", config={"overrides": {"run_config": {"lr": 0.1}}})
        run = queued.wait_until_finished()
    """
    parameters = _parameters_of("launch_add", kwargs)
    spec = build_launch_spec(
        uri=uri,
        job=job,
        config=config,
        project=project,
        entity=entity,
        resource=resource,
        entry_point=entry_point,
        name=name,
        version=version,
        docker_image=docker_image,
        resource_args=resource_args,
        run_id=run_id,
        repository=repository,
        sweep_id=sweep_id,
        author=author,
        parameters=parameters,
    )
    if build:
        if (spec.get("resource") or "local-process") == "local-process":
            raise invalid_argument("Cannot build a docker image for the resource: local-process")
        raise LaunchError(
            "build=True needs an image builder, which tminus does not have yet",
            "UNIMPLEMENTED",
            "Launch a job that already names its image (docker_image) instead.",
        )
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 3):
        raise invalid_argument(f"priority must be an integer from 0 (critical) to 3 (low), got {priority!r}")
    if template_variables is not None:
        _check_template_variables(template_variables)
    if queue_name is not None and not isinstance(queue_name, str):
        raise invalid_argument(f"queue_name must be a string, got {type(queue_name).__name__}")
    if project_queue is not None and not isinstance(project_queue, str):
        raise invalid_argument(f"project_queue must be a string, got {type(project_queue).__name__}")
    body: Dict[str, Any] = {"queue": queue_name or "default", "spec": spec}
    if project_queue is not None:
        body["projectQueue"] = project_queue
    if priority is not None:
        body["priority"] = priority
    if template_variables is not None:
        body["templateVariables"] = dict(template_variables)
    api = Api()
    # A retried request returns the first item, so retrying an unreachable server is safe.
    headers = {"idempotency-key": _idempotency_key()}
    for delay in (*_RETRY_DELAYS, None):
        try:
            item = api.request("POST", "/queue-items", body=body, headers=headers)
            break
        except LaunchError as error:
            if error.code != "UNAVAILABLE" or delay is None:
                raise
            time.sleep(delay)
    return QueuedRun.from_item(api, item)


def _parameters_of(function: str, kwargs: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The one extra keyword the seeds' examples use; any other is refused as Python would."""
    unknown = [k for k in kwargs if k != "parameters"]
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument '{unknown[0]}'")
    return kwargs.get("parameters")


def _check_template_variables(values: Any) -> None:
    if not isinstance(values, dict):
        raise invalid_argument('template_variables must be a dict, e.g. {"gpus": 2}')
    for key, value in values.items():
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise invalid_argument(
                f"template_variables[{key!r}] must be a number or a string, got {type(value).__name__}"
            )


def _idempotency_key() -> str:
    """Time-ordered and random (a UUIDv7 layout), as the TypeScript SDK sends."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))
