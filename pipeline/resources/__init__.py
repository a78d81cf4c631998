"""The package's own words, scales and codebooks (YAML), read by :func:`read_yaml`."""

from __future__ import annotations

from importlib import resources
from typing import Any


def read_yaml(name: str) -> Any:
    """A YAML file of ``pipeline/resources`` (``name`` relative to it), read with libyaml's
    safe loader when installed: the pure-Python one costs every command and report kernel
    hundredths of a second for the package's own files. Callers cache what they keep."""
    import yaml

    text = resources.files(__name__).joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
