"""``launch`` against a real server: the run executes on this machine through the tminus CLI
(``TMINUS_CLI``), synchronously by default (``ExecutionError`` when it fails) or not (``wait``,
``get_status``, ``cancel``)."""

import time
import unittest

import tminus
from tests.support import ENTITY, ENV, JOB, PYTHON, error_of, needs_server, run_config


@needs_server
class Launch(unittest.TestCase):
    def test_a_synchronous_launch_returns_once_the_run_finished(self) -> None:
        run = tminus.launch(tminus.Api(), JOB, config=run_config(points=2, lr=0.3))
        self.assertIsInstance(run, tminus.SubmittedRun)
        self.assertTrue(run.wait())
        status = run.get_status()
        self.assertEqual((status, status.state), ("finished", "finished"))
        recorded = tminus.Api().run(run.id)
        self.assertEqual((recorded.state, recorded.queue, recorded.config), ("finished", None, {"points": 2, "lr": 0.3}))
        self.assertIn('config={"lr": 0.3, "points": 2}', run.get_logs())
        self.assertEqual([p["step"] for p in recorded.metrics().points], [0, 1])

    def test_the_seeds_call_with_parameters_and_positional_arguments(self) -> None:
        # launch(api, job, parameters=params), and entity at its position (8).
        run = tminus.launch(tminus.Api(), JOB, None, None, "named", None, None, None, ENTITY, parameters={"points": 1})
        self.assertEqual(tminus.Api().run(run.id).name, "named")

    def test_a_git_repository_given_as_config_uri(self) -> None:
        # launch has no uri parameter (as in the seeds): the base spec carries it.
        spec = {"uri": ENV["TMINUS_TEST_GIT_REPO"], "overrides": {"entry_point": [PYTHON, "main.py"], "run_config": {"k": 1}}}
        run = tminus.launch(None, config=spec)
        self.assertIn('config={"k": 1}', run.get_logs())
        self.assertRegex(tminus.Api().run(run.id).job or "", r"/job-repo:v\d+$")

    def test_a_failing_synchronous_launch_raises_execution_error(self) -> None:
        with self.assertRaises(tminus.ExecutionError) as caught:
            tminus.launch(tminus.Api(), JOB, config=run_config(exit=3, points=0), run_id=None)
        error = caught.exception
        self.assertEqual(error.code, "RUN_FAILED")
        self.assertIn("failed", error.message)
        self.assertIn("exited with code 3", error.message)
        self.assertEqual(error.details["exit_code"], 3)
        self.assertEqual(tminus.Api().run(error.run_id or "").state, "failed")
        self.assertIn(f"tminus run logs {error.run_id}", error.hint or "")

    def test_an_asynchronous_launch_returns_at_once_and_can_be_cancelled(self) -> None:
        started = time.monotonic()
        run = tminus.launch(tminus.Api(), JOB, config=run_config(points=0, sleep=60), synchronous=False)
        self.assertLess(time.monotonic() - started, 5)
        api, deadline = tminus.Api(), time.monotonic() + 30
        while run.get_status() == "pending":  # until the CLI has recorded the run
            self.assertLess(time.monotonic(), deadline, "the run was not recorded")
            time.sleep(0.05)
        # Then the server's long-poll says when it is running.
        state = api.request("GET", f"/runs/{run.id}", {"waitFor": "started", "waitMs": 30_000}, timeout=60)["state"]
        self.assertEqual(state, "running")
        run.cancel()
        self.assertFalse(run.wait())
        self.assertEqual(run.get_status(), "stopped")

    def test_what_the_server_refuses_is_a_launch_error_with_its_message_and_hint(self) -> None:
        error = error_of(lambda: tminus.launch(tminus.Api(), f"{ENTITY}/py/nope:latest"))
        assert error is not None
        self.assertNotIsInstance(error, tminus.ExecutionError)
        self.assertEqual(error.code, "NOT_FOUND")
        self.assertIn(f"{ENTITY}/py/nope:latest", error.message)
        self.assertIsNotNone(error.hint)

    def test_other_resources_are_refused_before_anything_runs(self) -> None:
        error = error_of(lambda: tminus.launch(tminus.Api(), JOB, resource="kubernetes"))
        self.assertEqual(error.code if error else None, "UNIMPLEMENTED")


if __name__ == "__main__":
    unittest.main()
