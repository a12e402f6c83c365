"""Where the client finds its server and key, as the TypeScript SDK does: explicit arguments, then the
environment (``TMINUS_BASE_URL``, ``TMINUS_API_KEY``), then the CLI config file that ``tminus up``
writes (``$TMINUS_CONFIG_DIR/config.json``, else ``$XDG_CONFIG_HOME/tminus/config.json``, else
``~/.config/tminus/config.json``), then the local default server."""

from __future__ import annotations

import json
import os
from typing import Dict, Mapping, Optional, Tuple

DEFAULT_BASE_URL = "http://127.0.0.1:7447"


def config_path(env: Mapping[str, str] = os.environ) -> str:
    directory = env.get("TMINUS_CONFIG_DIR") or os.path.join(
        env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config"),
        "tminus",
    )
    return os.path.join(directory, "config.json")


def read_config(path: str) -> Dict[str, str]:
    """The config file's string fields, or ``{}`` when it is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _env(name: str, env: Mapping[str, str]) -> Optional[str]:
    value = env.get(name)
    return value if value else None


def resolve(
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    env: Mapping[str, str] = os.environ,
) -> Tuple[str, Optional[str]]:
    """``(base_url, api_key)``; the file is read only when an argument is missing."""
    file = {} if base_url and api_key else read_config(config_path(env))
    url = base_url or _env("TMINUS_BASE_URL", env) or file.get("baseUrl") or DEFAULT_BASE_URL
    key = api_key or _env("TMINUS_API_KEY", env) or file.get("apiKey")
    return url.rstrip("/"), key
