"""What every configuration file shares: the frozen model base, bilingual text, YAML reading
and the translation of pydantic errors into located problems.

Every model forbids unknown keys, so a misspelt key is reported instead of silently ignored.
Errors become :class:`~pipeline.errors.Problem` records naming the file, the dotted key, the
value found and what was expected, raised together as one :class:`~pipeline.errors.ConfigError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.config.safe_yaml import load_yaml
from pipeline.errors import ConfigError, Problem

__all__ = ["FrozenModel", "ItemText", "Text", "problems_from", "read_yaml"]


class FrozenModel(BaseModel):
    """A configuration model: unknown keys are refused, values cannot change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(FrozenModel):
    """A text in Indonesian (``id``) and English (``en``)."""

    id: str
    en: str

    def get(self, language: str) -> str:
        return self.id if language == "id" else self.en


class ItemText(FrozenModel):
    """An item's text in Indonesian (``id``) and, optionally, English (``en``): a codebook
    drafted from an Indonesian form need not translate every question before its first run."""

    id: str
    en: str | None = None

    def get(self, language: str) -> str:
        """The text in ``language``; the Indonesian text where no English one is given."""
        return self.en if language == "en" and self.en else self.id


def read_yaml(path: Path, kind: str) -> dict[str, Any]:
    """The mapping a YAML configuration file holds; ``kind`` names the file in messages.

    Read by :func:`pipeline.config.safe_yaml.load_yaml`: size, nesting and aliases limited,
    a repeated key refused with its lines."""
    if not path.is_file():
        raise ConfigError(
            [Problem("config_file_missing", file=str(path), expected=f"an existing {kind}")]
        )
    try:
        data = load_yaml(path)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ConfigError(
            [
                Problem(
                    "config_not_yaml",
                    file=str(path),
                    row=None if line is None else line + 1,
                    value=str(exc).splitlines()[0],
                    expected=f"a {kind} written in YAML",
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [
                Problem(
                    "config_not_mapping",
                    file=str(path),
                    value=type(data).__name__,
                    expected="a YAML mapping of keys to values",
                )
            ]
        )
    return data


def problems_from(exc: ValidationError, path: Path) -> list[Problem]:
    """One located problem per pydantic error: the dotted key, the value and the rule."""
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "missing":
            problems.append(
                Problem(
                    "config_key_missing",
                    file=str(path),
                    column=key,
                    expected="this key to be present",
                )
            )
        elif error["type"] == "extra_forbidden":
            problems.append(
                Problem(
                    "config_key_unknown",
                    file=str(path),
                    column=key,
                    value=error.get("input"),
                    expected="only documented keys",
                )
            )
        else:
            expected = error["msg"].removeprefix("Value error, ")
            found = error.get("input")
            code = (
                "config_rule_broken" if isinstance(found, dict | list) else "config_value_invalid"
            )
            problems.append(
                Problem(code, file=str(path), column=key, value=found, expected=expected)
            )
    return problems
