"""``tminus.config``: the run config the program was launched with (``overrides.run_config`` over the
job's defaults), read from the environment the agent sets: ``TMINUS_CONFIG``, else the file at
``TMINUS_CONFIG_PATH``, else W&B's ``WANDB_CONFIG``. Outside a run it is empty.

Changes (``tminus.config.update(vars(args))``, as W&B scripts do) stay in this process: the recorded
config of a run is what it was launched with."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, MutableMapping, Optional


def _load() -> Dict[str, Any]:
    text = os.environ.get("TMINUS_CONFIG")
    if not text:
        path = os.environ.get("TMINUS_CONFIG_PATH")
        if path:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                text = None
    if not text:
        text = os.environ.get("WANDB_CONFIG")
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class Config(MutableMapping[str, Any]):
    """A dict of the run config, also readable as attributes (``config.lr``), like ``wandb.config``."""

    def __init__(self, values: Optional[Dict[str, Any]] = None) -> None:
        object.__setattr__(self, "_values", values)

    def _data(self) -> Dict[str, Any]:
        values: Optional[Dict[str, Any]] = object.__getattribute__(self, "_values")
        if values is None:
            values = _load()
            object.__setattr__(self, "_values", values)
        return values

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data()[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data()[name] = value

    def __repr__(self) -> str:
        return f"Config({self._data()!r})"

    def as_dict(self) -> Dict[str, Any]:
        return dict(self._data())
