"""The launch spec built from the arguments (W&B's precedence) and the bad inputs refused before
anything is sent, with the TypeScript SDK's messages and hints."""

import unittest

import tminus
from tminus._spec import build_launch_spec


class Precedence(unittest.TestCase):
    def test_explicit_arguments_win_over_config_and_the_config_resource_wins_over_the_argument(self) -> None:
        config = {"project": "from-config", "entity": "cfg", "resource": "local-process", "overrides": {"run_config": {"a": 1}}}
        spec = build_launch_spec(job="e/p/j:latest", config=config, project="explicit", resource="kubernetes")
        self.assertEqual(spec["project"], "explicit")
        self.assertEqual(spec["entity"], "cfg")
        self.assertEqual(spec["resource"], "local-process")
        self.assertEqual(config["project"], "from-config", "the caller's config is not changed")

    def test_the_project_is_derived_from_the_job_or_the_repository(self) -> None:
        self.assertEqual(build_launch_spec(job="e/mnist/train:v2")["project"], "mnist")
        self.assertEqual(build_launch_spec(uri="https://github.com/acme/vision.git")["project"], "vision")

    def test_arguments_land_where_w_and_b_puts_them(self) -> None:
        spec = build_launch_spec(
            job="e/p/j", entry_point=["python3", "x.py"], version="main", docker_image=None,
            resource_args={"local-process": {"n": 1}}, run_id="r1", repository="registry.local/x",
            sweep_id="sw", author="bob", name="nice", parameters={"lr": 0.1},
        )
        self.assertEqual(spec["overrides"], {"entry_point": ["python3", "x.py"], "run_config": {"lr": 0.1}})
        self.assertEqual(spec["git"], {"version": "main"})
        self.assertEqual(spec["resource_args"], {"local-process": {"n": 1}})
        self.assertEqual(spec["registry"], {"url": "registry.local/x"})
        self.assertEqual((spec["run_id"], spec["sweep_id"], spec["author"], spec["name"]), ("r1", "sw", "bob", "nice"))

    def test_parameters_merge_over_the_config_run_config(self) -> None:
        spec = build_launch_spec(job="e/p/j", config={"overrides": {"run_config": {"a": 1, "b": 2}}}, parameters={"b": 3})
        self.assertEqual(spec["overrides"]["run_config"], {"a": 1, "b": 3})


class BadInputs(unittest.TestCase):
    def refused(self, message: str, **arguments: object) -> tminus.LaunchError:
        with self.assertRaises(tminus.LaunchError) as caught:
            tminus.launch_add(**arguments)  # type: ignore[arg-type]
        self.assertEqual(caught.exception.code, "INVALID_ARGUMENT")
        self.assertIn(message, caught.exception.message)
        return caught.exception

    def test_no_source(self) -> None:
        error = self.refused("Must specify a uri, job or docker image", config={"overrides": {}})
        self.assertIn('job="<entity>/<project>/<name>:latest"', error.hint or "")

    def test_more_than_one_source(self) -> None:
        self.refused("Must specify exactly one of uri, job or image", job="e/p/j", docker_image="python:3.11")

    def test_override_args_that_are_not_a_list_of_strings(self) -> None:
        error = self.refused("override args must be a list of strings", job="e/p/j", config={"overrides": {"args": "--epochs 5"}})
        self.assertIn('["--epochs", "5"]', error.hint or "")
        self.refused("override args must be a list of strings", job="e/p/j", config={"overrides": {"args": ["--n", 5]}})

    def test_arguments_of_the_wrong_type(self) -> None:
        self.refused("entry_point must be a list of strings", job="e/p/j", entry_point="python3 train.py")
        self.refused("config must be a dict", job="e/p/j", config="{}")
        self.refused("priority must be an integer from 0 (critical) to 3 (low)", job="e/p/j", priority=7)
        self.refused("priority must be an integer", job="e/p/j", priority="high")
        self.refused("template_variables", job="e/p/j", template_variables={"gpus": [1, 2]})
        self.refused("project must be a string", job="e/p/j", project=3)

    def test_a_malformed_job_reference(self) -> None:
        error = self.refused('Invalid job reference "train"', job="train")
        self.assertIn("alice/mnist/train:latest", error.hint or "")

    def test_build_on_local_process(self) -> None:
        self.refused("Cannot build a docker image for the resource: local-process", job="e/p/j", build=True)

    def test_str_shows_the_hint(self) -> None:
        error = self.refused("Must specify", job=None)
        self.assertEqual(str(error), f"{error.message}\nhint: {error.hint}")


if __name__ == "__main__":
    unittest.main()
