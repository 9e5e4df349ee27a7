"""Settings helpers: values written as `env:NAME` in an ini file come from the environment."""
from __future__ import annotations

import os


class MissingSetting(RuntimeError):
    pass


def resolve_env(settings: dict) -> dict:
    out = dict(settings)
    for key, value in settings.items():
        if isinstance(value, str) and value.startswith("env:"):
            name = value[4:].strip()
            if name not in os.environ:
                raise MissingSetting(f"{key} needs the environment variable {name}")
            out[key] = os.environ[name]
    return out
