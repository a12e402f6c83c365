"""``launch``: W&B's ``launch(api, ...)`` with the seeds' signature: run a job on this machine, now,
without a queue. It runs ``tminus launch -c SPEC --json`` (the CLI's direct launch), which records the
run on the server and executes it with the agent's own code (decision 0022); the run's output goes to
this process's stderr."""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shlex
import shutil
import signal
import string
import subprocess
import tempfile
import threading
import urllib.parse
from typing import Any, Dict, List, Optional, Union

from ._api import Api
from ._errors import ExecutionError, LaunchError
from ._launch_add import _parameters_of
from ._run import TERMINAL_STATES, Run
from ._spec import build_launch_spec


class Status(str):
    """A run state (``"finished"``, ``"failed"``, ...); ``.state`` is the same string, as W&B's ``Status`` has it."""

    @property
    def state(self) -> str:
        return str(self)


class SubmittedRun:
    """A run ``launch`` started on this machine (W&B's ``AbstractRun``): ``id``, ``wait()``,
    ``get_status()``, ``cancel()``, ``get_logs()``."""

    def __init__(self, api: Api, run_id: str, process: "subprocess.Popen[bytes]", files: List[str], stdout: str) -> None:
        self._api = api
        self.id = run_id
        self._process = process
        self._files = files
        self._stdout = stdout
        self._lock = threading.Lock()
        self._outcome: Optional[Union[Dict[str, Any], LaunchError]] = None

    def __repr__(self) -> str:
        return f"<SubmittedRun {self.id}>"

    def wait(self) -> bool:
        """Waits until the run ends; True if it finished successfully."""
        return self._finish().get("state") == "finished"

    def get_status(self) -> Status:
        """The run's state as the server records it (``pending`` until the run is recorded)."""
        if self._process.poll() is not None:
            return Status(self._finish().get("state", "failed"))
        try:
            return Status(self._api.request("GET", f"/runs/{_segment(self.id)}")["state"])
        except LaunchError as error:
            if error.code == "NOT_FOUND":
                return Status("pending")
            raise

    def cancel(self) -> None:
        """Stops the run (SIGTERM, then SIGKILL after the grace period) and waits until it ended."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        self._finish()

    def get_logs(self) -> str:
        """The run's output so far (stdout and stderr, in order)."""
        return Run(self._api, self._api.request("GET", f"/runs/{_segment(self.id)}")).logs()

    def _finish(self) -> Dict[str, Any]:
        """Waits for the CLI, once: the run as it ended, or raises what went wrong before it started."""
        with self._lock:
            outcome = self._outcome
            if outcome is None:
                self._process.wait()
                try:
                    outcome = self._read_outcome()
                except LaunchError as error:
                    outcome = error
                finally:
                    for path in self._files:
                        _remove(path)
                self._outcome = outcome
        if isinstance(outcome, LaunchError):
            raise outcome
        return outcome

    def _read_outcome(self) -> Dict[str, Any]:
        with open(self._stdout, encoding="utf-8") as f:
            text = f.read()
        try:
            document = json.loads(text) if text.strip() else None
        except ValueError:
            document = None
        if isinstance(document, dict) and isinstance(document.get("error"), dict):
            error = document["error"]
            raise LaunchError(str(error.get("message")), str(error.get("code", "INTERNAL")), error.get("hint"))
        if isinstance(document, dict) and "state" in document:
            return document
        # Interrupted (SIGTERM/SIGINT) before it printed the run: the server has the final state.
        run: Optional[Dict[str, Any]]
        try:
            run = self._api.request("GET", f"/runs/{_segment(self.id)}")
        except LaunchError:
            run = None
        if run is not None and run["state"] in TERMINAL_STATES:
            return run
        raise LaunchError(
            f"`tminus launch` exited with code {self._process.returncode} before run {self.id} ended",
            "INTERNAL",
            "Its messages are above, on stderr.",
        )


_pending: List[SubmittedRun] = []


@atexit.register
def _wait_for_async_runs() -> None:
    """W&B: with synchronous=False, the process waits at exit for the runs it launched."""
    for run in _pending:
        try:
            run.wait()
        except LaunchError:
            pass


def launch(
    api: Api,
    job: Optional[str] = None,
    entry_point: Optional[List[str]] = None,
    version: Optional[str] = None,
    name: Optional[str] = None,
    resource: Optional[str] = None,
    resource_args: Optional[Dict[str, Any]] = None,
    project: Optional[str] = None,
    entity: Optional[str] = None,
    docker_image: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
    synchronous: Optional[bool] = (True),
    run_id: Optional[str] = None,
    repository: Optional[str] = None,
    **kwargs: Any,
) -> SubmittedRun:
    """Launch a W&B Launch experiment here and now, without a queue: ``api`` is a ``tminus.Api`` (None:
    the default one). Runs on ``local-process`` (W&B's default is ``local-container``). With
    ``synchronous`` (the default) it returns once the run ended and raises ``ExecutionError`` if it did
    not finish; otherwise it returns at once, and this process waits for the run when it exits.

    Needs the ``tminus`` CLI on this machine (``TMINUS_CLI`` names it, else ``tminus`` on PATH).
    ``parameters=`` (the seeds' example) is taken as run-config overrides.

    Example::

        from tminus import Api, launch
        run = launch(Api(), "alice/demo/train:latest", config={"overrides": {"run_config": {"lr": 0.1}}})
    """
    parameters = _parameters_of("launch", kwargs)
    api = api if api is not None else Api()
    spec = build_launch_spec(
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
        parameters=parameters,
    )
    chosen = spec.get("resource") or "local-process"
    if chosen != "local-process":
        raise LaunchError(
            f'launch() can run on local-process only for now, not "{chosen}"',
            "UNIMPLEMENTED",
            "Use launch_add() with a queue whose agent has that runner, or omit resource.",
        )
    spec["resource"] = chosen
    # Known before the CLI starts, so that the run can be asked about while it runs.
    spec.setdefault("run_id", _new_run_id())
    command = _cli()
    spec_path = _private_file(".json", json.dumps(spec))
    stdout_path = _private_file(".out", "")
    env = dict(os.environ, TMINUS_BASE_URL=api.base_url, TMINUS_API_KEY=api.api_key or "")
    with open(stdout_path, "wb") as out:
        process = subprocess.Popen(
            [*command, "launch", "-c", spec_path, "--json"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            env=env,
        )
    submitted = SubmittedRun(api, str(spec["run_id"]), process, [spec_path, stdout_path], stdout_path)
    if not synchronous:
        _pending.append(submitted)
        return submitted
    if not submitted.wait():
        run = submitted._finish()
        failure = run.get("failure") or {}
        raise ExecutionError(
            f"Run {submitted.id} {run['state']}: {failure.get('message', 'ended ' + str(run['state']))}",
            f"Read its output with `tminus run logs {submitted.id}`.",
            {"run_id": submitted.id, "state": run["state"], "exit_code": run.get("exitCode")},
        )
    return submitted


def _cli() -> List[str]:
    configured = os.environ.get("TMINUS_CLI")
    if configured:
        return shlex.split(configured)
    found = shutil.which("tminus")
    if found is None:
        raise LaunchError(
            "launch() runs the job on this machine with the tminus CLI, which is not installed here",
            "UNIMPLEMENTED",
            "Install it (npm i -g tminus, or from the repository: npm i -g ./packages/tminus), set "
            "TMINUS_CLI to its command, or use launch_add() to hand the run to an agent.",
        )
    return [found]


def _new_run_id() -> str:
    """W&B's form: 8 characters ``[a-z0-9]``."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _private_file(suffix: str, content: str) -> str:
    fd, path = tempfile.mkstemp(prefix="tminus-launch-", suffix=suffix)  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
    return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")
