"""``launch_add`` and ``launch`` have exactly the seeds' parameters: names, order, annotations and
defaults, parsed from the seeds' signature blocks (fixtures/seeds/) and compared with the functions'
own signatures. The one addition is ``**kwargs``, which takes only ``parameters=`` (the seeds'
examples pass it)."""

import ast
import inspect
import os
import re
import unittest
from typing import List, Tuple

import tminus

SEEDS = os.path.join(os.path.dirname(__file__), "fixtures", "seeds")


def seed_parameters(name: str) -> List[Tuple[str, str, object]]:
    """``(name, annotation, default)`` of each parameter of a seed's block, in order."""
    with open(os.path.join(SEEDS, f"{name}.txt"), encoding="utf-8") as f:
        text = f.read()
    body = text[text.index("(") + 1 : text.rindex(")")]
    parameters = []
    for line in body.strip().splitlines():
        match = re.fullmatch(r"\s*(\w+): (.+?)(?: = (.+?))?,?\s*", line)
        assert match is not None, f"cannot read {line!r} of the {name} seed"
        default = inspect.Parameter.empty if match.group(3) is None else ast.literal_eval(match.group(3))
        parameters.append((match.group(1), match.group(2), default))
    return parameters


class SeedSignatures(unittest.TestCase):
    def check(self, function: object, seed: str) -> None:
        expected = seed_parameters(seed)
        params = list(inspect.signature(function).parameters.values())
        self.assertEqual(params[-1].kind, inspect.Parameter.VAR_KEYWORD)
        actual = [(p.name, p.annotation, p.default) for p in params[:-1]]
        self.assertEqual(actual, expected)
        for p in params[:-1]:
            self.assertEqual(p.kind, inspect.Parameter.POSITIONAL_OR_KEYWORD, p.name)

    def test_launch_add_has_the_seed_parameters_in_order_with_their_defaults(self) -> None:
        self.assertEqual(len(seed_parameters("launch_add")), 20)
        self.check(tminus.launch_add, "launch_add")

    def test_launch_has_the_seed_parameters_in_order_with_their_defaults(self) -> None:
        self.assertEqual(len(seed_parameters("launch")), 14)
        self.check(tminus.launch, "launch")

    def test_the_only_extra_keyword_is_parameters(self) -> None:
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'params'"):
            tminus.launch_add(job="a/b/c", params={"lr": 1})
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'uri'"):
            tminus.launch(None, uri="https://github.com/x/y")  # launch has no uri, as in the seeds
        # Accepted: the call gets as far as the missing source.
        with self.assertRaisesRegex(tminus.LaunchError, "Must specify a uri, job or docker image"):
            tminus.launch_add(parameters={"alpha": 0.5})
        with self.assertRaisesRegex(tminus.LaunchError, "Must specify a uri, job or docker image"):
            tminus.launch(None, parameters={"epochs": 5})


if __name__ == "__main__":
    unittest.main()
