"""Generates launch_add cases from W&B's own code, for tminus's differential test.

Runs wandb's real `_launch_add` (spec construction, template-variable merge, source validation) with
its push and public API replaced by recorders, over seeded random argument sets, and writes each
case's arguments and what W&B would push (or the LaunchError it raises) to launch-add-cases.json.
`npm test` reads that file and needs no Python. Regenerate (a venv with wandb, see
../../../../shared/tools/make-wandb-venv.sh):

    VENV/bin/python test/parity/wandb/generate_launch_add_cases.py > test/parity/wandb/launch-add-cases.json
"""

import copy
import json
import random
import sys

import wandb
import wandb.sdk.launch._launch_add as launch_add_module
from wandb.sdk.launch.errors import LaunchError

SEED = 20261204
COUNT = 500
DEFAULT_ENTITY = "wandb-default"

wandb.termlog = wandb.termwarn = lambda *args, **kwargs: None


class RecordingApi:
    """The LaunchApi parts `_launch_add` uses: the default entity, and the push (recorded)."""

    default_entity = DEFAULT_ENTITY

    def __init__(self):
        self.pushed = None

    def push_to_run_queue(self, queue_name, spec, template_variables, project_queue, priority):
        self.pushed = {
            "queue_name": queue_name,
            "spec": copy.deepcopy(spec),
            "template_variables": copy.deepcopy(template_variables),
            "project_queue": project_queue,
            "priority": priority,
        }
        return {"runQueueItemId": "rqi"}


class NoPublicApi:
    """`public.Api()` after the push: the job lookup and the QueuedRun need a W&B server."""

    def _artifact(self, *args, **kwargs):
        return None

    def queued_run(self, *args, **kwargs):
        return None


launch_add_module.public = type("public", (), {"Api": NoPublicApi})

# Each argument: absent (W&B's None) most often, else one of these values.
POOLS = {
    "uri": ["https://github.com/wandb/examples.git", "/srv/code/mnist"],
    "job": [
        "alice/mnist/train:latest",
        "alice/mnist/train:v2",
        "alice/mnist/train",
        "mnist/train:v1",
        "",
        "not-a-ref",
    ],
    "docker_image": ["python:3.12-slim", ""],
    "project": ["", "explicit-proj"],
    "entity": ["", "explicit-ent"],
    "name": ["", "my-run"],
    "resource": ["", "local-container", "kubernetes", "local-process"],
    "entry_point": [[], ["python", "train.py", "--epochs", "3"]],
    "version": ["", "main", "a" * 40],
    "resource_args": [{}, {"kubernetes": {"spec": {"backoffLimit": 1}}}],
    "run_id": ["", "run00001"],
    "repository": ["", "registry.example.com/team/trainer"],
    "author": ["", "alice"],
    "sweep_id": ["", "sweep123"],
    "template_variables": [{}, {"gpus": 4}, {"gpus": 2, "tier": "large"}],
    "queue_name": ["gpu", "default"],
    "project_queue": ["legacy-project"],
    "priority": [0, 1, 2, 3],
}

CONFIG_POOLS = {
    "project": ["", "config-proj"],
    "entity": ["", "config-ent"],
    "resource": [None, "local-container", "kubernetes"],
    "resource_args": [{}, {"local-container": {"gpus": "all"}}],
    "template_variables": [{}, {"gpus": 1, "tier": "small"}],
    "job": ["carol/vision/resnet:v7"],
    "docker": [{}, {"docker_image": "config:image"}],
    "name": ["config-name"],
    "run_id": ["cfgrun01"],
    "registry": [{}, {"url": "old.example.com/x"}, {"type": "ecr", "uri": "1.dkr.ecr/x"}],
    "git": [{}, {"version": "develop"}],
    "overrides": [
        {},
        {"run_config": {"lr": 0.1, "epochs": 5}},
        {"args": ["--lr", "0.3"], "run_config": {"lr": 0.3}},
        {"args": "--lr 0.3"},
        {"args": ["--epochs", 5]},
        {"entry_point": ["python3", "cfg.py"], "run_config": {"nested": {"a": [1, 2]}}},
    ],
}


def pick(rng, pools, p):
    return {key: rng.choice(values) for key, values in pools.items() if rng.random() < p}


def case(rng):
    args = pick(rng, {k: v for k, v in POOLS.items() if k != "uri"}, 0.3)
    # tminus's own source (W&B >= 0.17 ignores it): rarely, so most cases test W&B's paths.
    if rng.random() < 0.08:
        args["uri"] = rng.choice(POOLS["uri"])
    # Mostly one source, as a user writes it; sometimes none or two, as a mistake does.
    if rng.random() < 0.7 and "job" not in args and "docker_image" not in args:
        args["job"] = rng.choice(POOLS["job"][:4])
    if rng.random() < 0.6:
        args["config"] = pick(rng, CONFIG_POOLS, 0.25)
    return args


def wandb_launch_add(args):
    api = RecordingApi()
    kwargs = {k: copy.deepcopy(v) for k, v in args.items() if k != "uri"}  # launch_add drops uri
    try:
        launch_add_module._launch_add(
            api,
            kwargs.pop("job", None),
            kwargs.pop("config", None),
            kwargs.pop("template_variables", None),
            kwargs.pop("project", None),
            kwargs.pop("entity", None),
            kwargs.pop("queue_name", None),
            kwargs.pop("resource", None),
            kwargs.pop("entry_point", None),
            kwargs.pop("name", None),
            kwargs.pop("version", None),
            kwargs.pop("docker_image", None),
            kwargs.pop("project_queue", None),
            **kwargs,
        )
    except LaunchError as error:
        return {"error": str(error)}
    return {"pushed": api.pushed}


def main():
    rng = random.Random(SEED)
    cases = []
    for index in range(COUNT):
        args = case(rng)
        cases.append({"index": index, "args": args, "wandb": wandb_launch_add(args)})
    json.dump(
        {
            "generator": "test/parity/wandb/generate_launch_add_cases.py",
            "wandb": wandb.__version__,
            "seed": SEED,
            "defaultEntity": DEFAULT_ENTITY,
            "cases": cases,
        },
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
