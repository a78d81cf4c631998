"""Instrument codebooks: the response scale, items, scales and attention checks, and loading
a codebook (a YAML file, or ``builtin:NAME`` for one shipped with pkm-eval)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from pipeline.config.base import FrozenModel, Text, problems_from, read_yaml
from pipeline.errors import ConfigError
from pipeline.text import compile_pattern

__all__ = [
    "BUILTIN_PREFIX",
    "AttentionCheck",
    "Instrument",
    "Item",
    "ResponseScale",
    "Scale",
    "builtin_instrument_path",
    "load_instrument",
    "resolve_instrument",
]


BUILTIN_PREFIX = "builtin:"


class ResponseScale(FrozenModel):
    """The answer scale shared by the items: integer codes from ``min`` to ``max``."""

    min: int
    max: int
    labels: dict[int, Text]
    aliases: dict[str, int] = Field(
        default_factory=dict,
        description="Extra answer spellings (e.g. 'SS', 'Netral') mapped to codes.",
    )

    @model_validator(mode="after")
    def _labels_cover_range(self) -> ResponseScale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        expected = set(range(self.min, self.max + 1))
        if set(self.labels) != expected:
            raise ValueError(
                f"labels must have exactly the codes {sorted(expected)}, "
                f"found {sorted(self.labels)}"
            )
        for alias, code in self.aliases.items():
            if code not in expected:
                raise ValueError(f"alias {alias!r} maps to {code}, outside {self.min}..{self.max}")
        return self

    @property
    def codes(self) -> list[int]:
        return list(range(self.min, self.max + 1))


class Item(FrozenModel):
    """One questionnaire item."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: Text
    reverse: bool = False
    headers: list[str] = Field(
        default_factory=list,
        description="Export headers that match this item, besides its Indonesian and English text.",
    )
    header_pattern: str | None = Field(
        None,
        description="Regular expression searched in export headers (case-insensitive; RE2 "
        "syntax: no look-arounds or back-references, and no pattern can run away).",
    )

    @field_validator("header_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            compile_pattern(pattern)  # a ValueError names what RE2 could not read
        return pattern


class AttentionCheck(FrozenModel):
    """An item with one right answer, used to flag careless responding."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: Text
    expected: int
    headers: list[str] = Field(default_factory=list)


class Scale(FrozenModel):
    """A scale or subscale: a named set of items scored together."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name: Text
    items: list[str] = Field(min_length=2)


class Instrument(FrozenModel):
    """An instrument codebook: response scale, items, scales and attention checks."""

    id: str
    version: str = "1"
    title: Text
    description: Text | None = None
    response_scale: ResponseScale
    items: list[Item] = Field(min_length=2)
    scales: list[Scale] = Field(min_length=1)
    total_scale: Scale | None = None
    attention_checks: list[AttentionCheck] = Field(default_factory=list)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: list[Item]) -> list[Item]:
        ids = [item.id for item in items]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be unique; repeated: {', '.join(repeated)}")
        return items

    @field_validator("scales", "total_scale")
    @classmethod
    def _items_defined(cls, value: Any, info: ValidationInfo) -> Any:
        known = {item.id for item in info.data.get("items", [])}
        if not known:
            return value  # items themselves are invalid; that error is reported already
        for scale in value if isinstance(value, list) else [value] if value else []:
            missing = [i for i in scale.items if i not in known]
            if missing:
                raise ValueError(
                    f"scale '{scale.id}' lists item(s) {', '.join(missing)} that the codebook "
                    "does not define under 'items'"
                )
        return value

    @field_validator("attention_checks")
    @classmethod
    def _expected_on_scale(cls, checks: list[AttentionCheck], info: ValidationInfo) -> Any:
        scale = info.data.get("response_scale")
        for check in checks:
            if scale and check.expected not in scale.codes:
                raise ValueError(
                    f"attention check '{check.id}' expects {check.expected}, outside the "
                    f"response scale {scale.min}..{scale.max}"
                )
        return checks

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    @property
    def all_scales(self) -> list[Scale]:
        """Subscales first, then the total scale when the codebook declares one."""
        return [*self.scales, *([self.total_scale] if self.total_scale else [])]


def builtin_instrument_path(name: str) -> Path:
    """Path of an instrument shipped with pkm-eval (``builtin:NAME``)."""
    return Path(str(resources.files("pipeline.resources.instruments").joinpath(f"{name}.yaml")))


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate an instrument codebook.

    Parameters
    ----------
    path
        A YAML file, or ``builtin:NAME`` for an instrument shipped with pkm-eval.

    Raises
    ------
    ConfigError
        With one problem per invalid or missing key.
    """
    path = resolve_instrument(str(path), Path("."))
    data = read_yaml(path, "instrument codebook")
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, path), "The instrument codebook is invalid") from None


def resolve_instrument(spec: str, base_dir: Path) -> Path:
    if spec.startswith(BUILTIN_PREFIX):
        return builtin_instrument_path(spec.removeprefix(BUILTIN_PREFIX))
    path = Path(spec)
    return path if path.is_absolute() else base_dir / path
