"""What the integration tests share: the server, key, job and Python the harness started them with
(test/e2e/python-client.test.ts). Without them those tests are skipped, saying how to run them."""

import json
import os
import secrets
import subprocess
import sys
import unittest
from typing import Any, Dict, Optional

import tminus

ENV = os.environ
HAS_SERVER = bool(ENV.get("TMINUS_TEST_JOB"))
needs_server = unittest.skipUnless(
    HAS_SERVER, "needs a server and an agent: npx vitest run test/e2e/python-client.test.ts"
)
#: `tester/py/program:latest`: tests/fixtures/program/program.py as a code job.
JOB = ENV.get("TMINUS_TEST_JOB", "")
ENTITY = ENV.get("TMINUS_TEST_ENTITY", "")
PYTHON = ENV.get("TMINUS_TEST_PYTHON", sys.executable)
METRICS_LIMIT = int(ENV.get("TMINUS_TEST_METRICS_LIMIT", "0"))


def fresh(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def run_config(**values: Any) -> Dict[str, Any]:
    """A launch spec (`config=`) with these run-config overrides."""
    return {"overrides": {"run_config": values}}


def create_queue(name: str, **fields: Any) -> Dict[str, Any]:
    """A queue no agent serves: what is queued there stays pending."""
    return tminus.Api().request("POST", "/queues", body={"name": name, **fields})


def run_program(
    code: str, env: Dict[str, str], timeout: float = 60
) -> "subprocess.CompletedProcess[str]":
    """Runs a Python program with this package importable, as an agent would run it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TMINUS_", "WANDB_"))}
    full["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(os.path.join(p, "tminus")))
    full.update(env)
    return subprocess.run(
        [PYTHON, "-c", code], env=full, capture_output=True, text=True, timeout=timeout
    )


def error_of(call: Any) -> Optional[tminus.LaunchError]:
    try:
        call()
    except tminus.LaunchError as error:
        return error
    return None


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
