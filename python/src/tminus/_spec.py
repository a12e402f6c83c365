"""The launch spec from ``launch_add``/``launch`` arguments, with W&B's precedence (explicit argument >
``config`` > derived) and the TypeScript SDK's checks and messages (``buildLaunchSpec``). Pure."""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Mapping, Optional

from ._errors import LaunchError, invalid_argument

JOB_REF_FORM = "<entity>/<project>/<job-name>:<alias-or-version>"
_PART = re.compile(r"^[A-Za-z0-9_.-]+$")


def _valid_job_ref(ref: str) -> bool:
    """``entity/project/name[:alias]`` (the protocol's ``parseJobRef``, without a default entity)."""
    path, colon, alias = ref.rpartition(":")
    if not colon:
        path, alias = ref, "latest"
    parts = path.split("/")
    return len(parts) == 3 and all(p and _PART.match(p) for p in [*parts, alias])


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _object_at(spec: Dict[str, Any], key: str) -> Dict[str, Any]:
    value = spec.get(key)
    if value is None:
        created: Dict[str, Any] = {}
        spec[key] = created
        return created
    if not isinstance(value, dict):
        raise invalid_argument(f"config.{key} must be an object")
    return value


def _string_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(a, str) for a in value)


def _derive_project(spec: Mapping[str, Any]) -> Optional[str]:
    job = spec.get("job")
    if isinstance(job, str):
        parts = job.split(":")[0].split("/")
        if len(parts) == 3:
            return parts[1]
    uri = spec.get("uri")
    if isinstance(uri, str):
        base = re.split(r"[/:]", uri.rstrip("/"))[-1]
        base = re.sub(r"\.git$", "", base)
        return base or None
    return None


def _optional_str(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise invalid_argument(f"{name} must be a string, got {type(value).__name__}")


def build_launch_spec(
    uri: Optional[str] = None,
    job: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
    project: Optional[str] = None,
    entity: Optional[str] = None,
    resource: Optional[str] = None,
    entry_point: Optional[List[str]] = None,
    name: Optional[str] = None,
    version: Optional[str] = None,
    docker_image: Optional[str] = None,
    resource_args: Optional[Dict[str, Any]] = None,
    run_id: Optional[str] = None,
    repository: Optional[str] = None,
    sweep_id: Optional[str] = None,
    author: Optional[str] = None,
    parameters: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """The spec to enqueue or run; raises ``LaunchError`` (``INVALID_ARGUMENT``) for what cannot work."""
    if config is not None and not _is_object(config):
        raise invalid_argument("config must be a dict (the base launch spec)")
    for arg, value in (
        ("uri", uri), ("job", job), ("project", project), ("entity", entity), ("resource", resource),
        ("name", name), ("version", version), ("docker_image", docker_image), ("run_id", run_id),
        ("repository", repository), ("sweep_id", sweep_id), ("author", author),
    ):
        _optional_str(arg, value)
    spec: Dict[str, Any] = {} if config is None else copy.deepcopy(dict(config))
    if uri is not None:
        spec["uri"] = uri
    if job is not None:
        spec["job"] = job
    chosen_project = project or spec.get("project") or _derive_project(spec)
    if chosen_project:
        spec["project"] = chosen_project
    chosen_entity = entity or spec.get("entity")
    if chosen_entity:
        spec["entity"] = chosen_entity
    if author:
        spec["author"] = author
    if name:
        spec["name"] = name
    if docker_image:
        _object_at(spec, "docker")["docker_image"] = docker_image
    if sweep_id:
        spec["sweep_id"] = sweep_id
    # W&B: the config's resource wins over the argument.
    if spec.get("resource") is None and resource:
        spec["resource"] = resource
    if version:
        _object_at(spec, "git")["version"] = version
    overrides = _object_at(spec, "overrides")
    args = overrides.get("args")
    if args is not None and not _string_list(args):
        raise invalid_argument(
            "override args must be a list of strings",
            'Pass config["overrides"]["args"] as a list, e.g. ["--epochs", "5"].',
        )
    if parameters is not None:
        if not _is_object(parameters):
            raise invalid_argument("parameters must be a dict of run-config values")
        run_config = overrides.get("run_config")
        overrides["run_config"] = {**(run_config if isinstance(run_config, dict) else {}), **parameters}
    if resource_args is not None and not _is_object(resource_args):
        raise invalid_argument("resource_args must be a dict, e.g. {\"local-process\": {...}}")
    if resource_args:
        spec["resource_args"] = copy.deepcopy(dict(resource_args))
    if entry_point is not None:
        if not _string_list(entry_point):
            raise invalid_argument('entry_point must be a list of strings, e.g. ["python3", "train.py"]')
        if entry_point:
            overrides["entry_point"] = list(entry_point)
    if run_id is not None:
        spec["run_id"] = run_id
    if repository:
        _object_at(spec, "registry")["url"] = repository
    _validate_source(spec)
    return spec


def _validate_source(spec: Mapping[str, Any]) -> None:
    """Exactly one source: a job, a uri (which becomes a job) or a docker image."""
    docker = spec.get("docker")
    sources = [
        isinstance(spec.get("job"), str) and spec.get("job") != "",
        isinstance(spec.get("uri"), str) and spec.get("uri") != "",
        isinstance(docker, dict) and isinstance(docker.get("docker_image"), str) and docker.get("docker_image") != "",
    ].count(True)
    if sources == 0:
        raise invalid_argument(
            "Must specify a uri, job or docker image",
            'Pass job="<entity>/<project>/<name>:latest", uri="<git repository>", or docker_image.',
        )
    if sources > 1:
        raise invalid_argument("Must specify exactly one of uri, job or image", "Remove all but one source.")
    job = spec.get("job")
    if isinstance(job, str) and not _valid_job_ref(job):
        raise LaunchError(
            f'Invalid job reference "{job}": a job must be of the form {JOB_REF_FORM}',
            "INVALID_ARGUMENT",
            f"Use {JOB_REF_FORM}, e.g. alice/mnist/train:latest or alice/mnist/train:v2.",
        )
