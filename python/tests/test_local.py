"""What needs no server: where credentials come from, how ``tminus.config`` reads the run config, and
which values a metric can be."""

import json
import math
import os
import tempfile
import unittest
from unittest import mock

import tminus
from tminus import _credentials
from tminus._metrics import clean_value


class Credentials(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        with open(os.path.join(self.dir.name, "config.json"), "w") as f:
            json.dump({"baseUrl": "http://file:1/", "apiKey": "tmk_file", "entity": "alice"}, f)
        self.env = {"TMINUS_CONFIG_DIR": self.dir.name}

    def tearDown(self) -> None:
        self.dir.cleanup()

    def test_explicit_then_environment_then_cli_config_file_then_the_local_default(self) -> None:
        env = dict(self.env, TMINUS_BASE_URL="http://env:2", TMINUS_API_KEY="tmk_env")
        self.assertEqual(_credentials.resolve("http://explicit:3", "tmk_x", env), ("http://explicit:3", "tmk_x"))
        self.assertEqual(_credentials.resolve(None, None, env), ("http://env:2", "tmk_env"))
        self.assertEqual(_credentials.resolve(None, None, self.env), ("http://file:1", "tmk_file"))
        # An empty variable is unset, as in the TypeScript SDK.
        self.assertEqual(_credentials.resolve(None, None, dict(self.env, TMINUS_API_KEY="")), ("http://file:1", "tmk_file"))
        self.assertEqual(_credentials.resolve(None, None, {"TMINUS_CONFIG_DIR": "/nonexistent"}), (_credentials.DEFAULT_BASE_URL, None))

    def test_the_file_is_found_where_the_cli_writes_it(self) -> None:
        self.assertEqual(_credentials.config_path({"TMINUS_CONFIG_DIR": "/c"}), "/c/config.json")
        self.assertEqual(_credentials.config_path({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}), "/x/tminus/config.json")
        self.assertEqual(_credentials.config_path({"HOME": "/h"}), "/h/.config/tminus/config.json")

    def test_api_uses_them(self) -> None:
        with mock.patch.dict(os.environ, dict(self.env, TMINUS_BASE_URL="", TMINUS_API_KEY=""), clear=False):
            api = tminus.Api()
        self.assertEqual((api.base_url, api.api_key), ("http://file:1", "tmk_file"))

    def test_an_unreachable_server_is_a_launch_error_that_says_where_and_what_to_do(self) -> None:
        with self.assertRaises(tminus.LaunchError) as caught:
            tminus.Api("http://127.0.0.1:9", "tmk_x", timeout=5).request("GET", "/whoami")
        self.assertEqual(caught.exception.code, "UNAVAILABLE")
        self.assertIn("http://127.0.0.1:9", caught.exception.message)
        self.assertIn("TMINUS_BASE_URL", caught.exception.hint or "")


class Config(unittest.TestCase):
    def config(self, env: dict) -> tminus.Config:
        cleared = {k: "" for k in ("TMINUS_CONFIG", "TMINUS_CONFIG_PATH", "WANDB_CONFIG")}
        with mock.patch.dict(os.environ, {**cleared, **env}):
            config = tminus.Config()
            config.as_dict()  # read now, inside the patched environment
        return config

    def test_reads_tminus_config_then_the_file_then_wandb_config(self) -> None:
        self.assertEqual(self.config({"TMINUS_CONFIG": '{"lr": 0.1}', "WANDB_CONFIG": '{"lr": 9}'}).lr, 0.1)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write('{"epochs": 3}')
            f.flush()
            self.assertEqual(self.config({"TMINUS_CONFIG_PATH": f.name})["epochs"], 3)
        self.assertEqual(self.config({"WANDB_CONFIG": '{"w": true}'}).as_dict(), {"w": True})
        self.assertEqual(len(self.config({})), 0)

    def test_updates_stay_local_and_read_back(self) -> None:
        config = self.config({"TMINUS_CONFIG": '{"lr": 0.1}'})
        config.update({"batch": 32})
        config.seed = 7
        self.assertEqual(config.as_dict(), {"lr": 0.1, "batch": 32, "seed": 7})
        with self.assertRaises(AttributeError):
            config.missing  # noqa: B018


class MetricValues(unittest.TestCase):
    def test_numbers_booleans_and_none_are_values_non_finite_numbers_travel_as_strings(self) -> None:
        self.assertEqual(clean_value(0.5), (True, 0.5))
        self.assertEqual(clean_value(3), (True, 3))
        self.assertEqual(clean_value(True), (True, True))
        self.assertEqual(clean_value(None), (True, None))
        self.assertEqual(clean_value(math.nan), (True, "NaN"))
        self.assertEqual(clean_value(-math.inf), (True, "-Infinity"))
        self.assertEqual(clean_value(2**60), (True, float(2**60)))

    def test_scalars_of_array_libraries_through_item(self) -> None:
        class Scalar:
            def item(self) -> float:
                return 0.25

        class Array:
            def item(self) -> float:
                raise ValueError("only one element tensors can be converted to Python scalars")

        self.assertEqual(clean_value(Scalar()), (True, 0.25))
        self.assertEqual(clean_value(Array()), (False, None))

    def test_strings_and_objects_are_not_metrics(self) -> None:
        self.assertEqual(clean_value("0.5"), (False, None))
        self.assertEqual(clean_value([1, 2]), (False, None))


if __name__ == "__main__":
    unittest.main()
