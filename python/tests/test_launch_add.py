"""``launch_add`` against a real server and agent: every seed parameter by its name and by its
position, a run that finishes having seen its config, one that fails, the ``QueuedRun`` handle, and
the server's refusals as ``LaunchError``s with its message and hint."""

import unittest
from typing import Any, Dict

import tminus
from tests.support import ENTITY, ENV, JOB, create_queue, error_of, fresh, needs_server, run_config


def item_of(queued: tminus.QueuedRun) -> Dict[str, Any]:
    return queued.item()


@needs_server
class EverySeedParameter(unittest.TestCase):
    """Each parameter given by position lands where the same parameter given by name does."""

    @classmethod
    def setUpClass(cls) -> None:
        # Nobody serves these queues: what is queued there stays pending to be looked at.
        cls.queue = fresh("sig")
        create_queue(cls.queue, prioritization=True)
        cls.vars_queue = fresh("vars")
        create_queue(cls.vars_queue, templateVariables={"gpus": {"type": "integer", "minimum": 1, "maximum": 8}})

    def test_all_twenty_by_position_and_by_name(self) -> None:
        values: Dict[str, Any] = {
            "uri": None,
            "job": JOB,
            "config": run_config(lr=0.1),
            "template_variables": None,
            "project": "sigproj",
            "entity": ENTITY,
            "queue_name": self.queue,
            "resource": "local-process",
            "entry_point": ["python3", "other.py"],
            "name": "sig-run",
            "version": "main",
            "docker_image": None,
            "project_queue": "legacy-project",
            "resource_args": {"local-process": {"nice": 5}},
            "run_id": None,
            "build": False,
            "repository": "registry.local/team",
            "sweep_id": "sweep-1",
            "author": "someone",
            "priority": 1,
        }
        by_position = item_of(tminus.launch_add(*values.values()))
        by_name = item_of(tminus.launch_add(**values))
        for item in (by_position, by_name):
            spec = item["spec"]
            self.assertTrue(spec["job"].startswith(JOB.split(":")[0] + ":v"), spec["job"])
            self.assertEqual(spec["overrides"], {"run_config": {"lr": 0.1}, "entry_point": ["python3", "other.py"]})
            self.assertEqual((spec["project"], spec["entity"], spec["name"]), ("sigproj", ENTITY, "sig-run"))
            self.assertEqual((item["queue"], item["projectQueue"], item["priority"]), (self.queue, "legacy-project", 1))
            self.assertEqual(spec["resource"], "local-process")
            self.assertEqual(spec["git"], {"version": "main"})
            self.assertEqual(spec["resource_args"], {"local-process": {"nice": 5}})
            self.assertEqual(spec["registry"], {"url": "registry.local/team"})
            self.assertEqual((spec["sweep_id"], spec["author"]), ("sweep-1", "someone"))
        strip = lambda item: {k: v for k, v in item.items() if k not in ("id", "createdAt")}  # noqa: E731
        self.assertEqual(strip(by_position), strip(by_name))

    def test_the_sources_and_the_rest_by_position(self) -> None:
        # uri (position 0): a git repository becomes a job version of its own.
        item = item_of(tminus.launch_add(ENV["TMINUS_TEST_GIT_REPO"], None, None, None, None, None, self.queue))
        self.assertRegex(item["spec"]["job"], r"/job-repo:v\d+$")
        # template_variables (position 3) go to the queue's template.
        item = item_of(tminus.launch_add(None, JOB, None, {"gpus": 2}, None, None, self.vars_queue))
        self.assertEqual(item["templateVariables"], {"gpus": 2})
        # docker_image (position 11).
        args = [None] * 12
        args[6], args[11] = self.queue, "python:3.11-slim"
        item = item_of(tminus.launch_add(*args))
        self.assertEqual(item["spec"]["docker"], {"docker_image": "python:3.11-slim"})
        # run_id (position 14).
        run_id = fresh("runid").replace("-", "")
        args = [None] * 15
        args[1], args[6], args[14] = JOB, self.queue, run_id
        self.assertEqual(item_of(tminus.launch_add(*args))["spec"]["run_id"], run_id)
        # build (position 15): refused on local-process, as W&B refuses it.
        args = [None] * 16
        args[1], args[15] = JOB, True
        with self.assertRaisesRegex(tminus.LaunchError, "Cannot build a docker image for the resource: local-process"):
            tminus.launch_add(*args)

    def test_the_queued_run_handle(self) -> None:
        queued = tminus.launch_add(job=JOB, queue_name=self.queue, priority=0)
        self.assertEqual(
            (queued.entity, queued.project, queued.queue_name, queued.project_queue, queued.priority),
            (ENTITY, "py", self.queue, "model-registry", 0),
        )
        self.assertIsNone(queued.sweep)
        self.assertEqual(repr(queued), f"<QueuedRun {self.queue} ({queued.id})>")
        self.assertEqual(queued.state, "pending")
        self.assertIn("Position 1", queued.explain()["message"])
        queued.delete()
        error = error_of(lambda: queued.state)
        self.assertIsNotNone(error)
        self.assertEqual(error.code, "NOT_FOUND")  # type: ignore[union-attr]


@needs_server
class Runs(unittest.TestCase):
    def test_a_run_queued_with_run_config_overrides_finishes_and_its_program_saw_them(self) -> None:
        queued = tminus.launch_add(job=JOB, config=run_config(lr=0.05, epochs=2, points=3))
        started = queued.wait_until_started(timeout=60)
        self.assertIn(queued.state, ("claimed",))
        run = queued.wait_until_finished(timeout=60)
        self.assertEqual(run.id, started.id)
        self.assertEqual((run.state, run.exit_code), ("finished", 0))
        self.assertEqual(run.config, {"lr": 0.05, "epochs": 2, "points": 3})
        self.assertIn('config={"epochs": 2, "lr": 0.05, "points": 3}', run.logs())
        self.assertEqual(queued.wait_until_running().id, run.id)

    def test_parameters_as_the_seeds_example_passes_them(self) -> None:
        run = tminus.launch_add(job=JOB, parameters={"alpha": 0.5, "points": 1}).wait_until_finished(timeout=60)
        self.assertIn('"alpha": 0.5', run.logs())

    def test_wait_until_finished_on_a_failing_run_returns_it_failed(self) -> None:
        run = tminus.launch_add(job=JOB, config=run_config(exit=3, points=1)).wait_until_finished(timeout=60)
        self.assertEqual((run.state, run.exit_code), ("failed", 3))
        self.assertTrue(run.finished)
        self.assertEqual(run.failure["stage"], "run")  # type: ignore[index]
        self.assertIn("exited with code 3", run.failure["message"])  # type: ignore[index]
        self.assertIn("failing on purpose", run.logs())

    def test_a_wait_can_time_out(self) -> None:
        queue = fresh("idle")
        create_queue(queue)
        queued = tminus.launch_add(job=JOB, queue_name=queue)
        error = error_of(lambda: queued.wait_until_started(timeout=0.3))
        self.assertEqual(error.code if error else None, "TIMEOUT")
        queued.cancel()
        self.assertEqual(error_of(lambda: queued.state).code, "NOT_FOUND")  # type: ignore[union-attr]


@needs_server
class ServerRefusals(unittest.TestCase):
    def test_an_unknown_queue(self) -> None:
        error = error_of(lambda: tminus.launch_add(job=JOB, queue_name="no-such-queue"))
        assert error is not None
        self.assertEqual(error.code, "NOT_FOUND")
        self.assertIn("no-such-queue", error.message)
        self.assertIsNotNone(error.hint)
        self.assertEqual(error.details["status"], 404)

    def test_an_unknown_job(self) -> None:
        error = error_of(lambda: tminus.launch_add(job=f"{ENTITY}/py/nope:latest"))
        assert error is not None
        self.assertEqual(error.code, "NOT_FOUND")
        self.assertIn(f"{ENTITY}/py/nope:latest", error.message)
        self.assertIsNotNone(error.hint)

    def test_a_priority_on_a_queue_without_prioritization(self) -> None:
        queue = fresh("flat")
        create_queue(queue, prioritization=False)
        error = error_of(lambda: tminus.launch_add(job=JOB, queue_name=queue, priority=0))
        assert error is not None
        self.assertEqual(error.code, "INVALID_ARGUMENT")
        self.assertIn("does not have prioritization enabled", error.message)
        self.assertIn("--prioritization on", error.hint or "")

    def test_a_template_variable_out_of_its_range(self) -> None:
        queue = fresh("tv")
        create_queue(queue, templateVariables={"gpus": {"type": "integer", "minimum": 1, "maximum": 8}})
        error = error_of(lambda: tminus.launch_add(job=JOB, queue_name=queue, template_variables={"gpus": 99}))
        assert error is not None
        self.assertEqual(error.code, "INVALID_ARGUMENT")
        self.assertIn("gpus", error.message)

    def test_a_bad_key(self) -> None:
        error = error_of(lambda: tminus.Api(api_key="tmk_wrong").request("GET", "/whoami"))
        assert error is not None
        self.assertEqual(error.code, "UNAUTHENTICATED")
        self.assertIn("TMINUS_API_KEY", error.hint or "")


if __name__ == "__main__":
    unittest.main()
