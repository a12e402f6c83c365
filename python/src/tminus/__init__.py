"""tminus: W&B Launch's Python API (``launch_add``, ``launch``) for a self-hosted tminus server, and the
in-job helper that reports a run's metrics (``tminus.log``, ``tminus.summary``, ``tminus.config``).

    from tminus import launch_add          # as: from wandb.sdk.launch import launch_add
    queued = launch_add(job="alice/demo/train:latest", config={"overrides": {"run_config": {"lr": 0.1}}})
    run = queued.wait_until_finished()

    import tminus                          # inside the launched program
    tminus.log({"loss": 0.1}, step=3)
"""

from ._api import Api, RunMetrics
from ._config import Config
from ._errors import ExecutionError, LaunchError
from ._launch import Status, SubmittedRun, launch
from ._launch_add import launch_add
from ._metrics import Summary, finish, log
from ._queued_run import QueuedRun
from ._run import Run

__version__ = "0.1.0"

#: The run config this program was launched with (``wandb.config``).
config = Config()
#: The run's summary: each logged key's last value, and what you set (``wandb.summary``).
summary = Summary()

__all__ = [
    "Api",
    "Config",
    "ExecutionError",
    "LaunchError",
    "QueuedRun",
    "Run",
    "RunMetrics",
    "Status",
    "SubmittedRun",
    "Summary",
    "config",
    "finish",
    "launch",
    "launch_add",
    "log",
    "summary",
]
