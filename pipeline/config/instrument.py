"""Instrument codebooks: the response scale, items, scales and attention checks, and loading
a codebook (a YAML file, or ``builtin:NAME`` for one shipped with pkm-eval).

Every item has an outcome kind:

- ``likert`` (the default): an answer label or code on the shared ``response_scale``;
- ``test``: a knowledge-test question with an answer key. With ``options`` and ``key`` the
  chosen option is scored against the key (right/wrong worth ``points``, or partial credit: a
  mapping option -> points); without a key the export carries the points earned (a Google
  Forms quiz's ``… [Skor]`` column, or a rater's score from 0 to ``points``);
- ``score``: a number with its allowed range (``min``, ``max``), such as a test score out of
  100 or a quiz's ``Total skor``.

A scale holds items of one kind; ``response_scale`` is needed only when there are Likert items
or attention checks.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from pipeline.config.base import FrozenModel, ItemText, Text, problems_from, read_yaml
from pipeline.errors import ConfigError
from pipeline.text import compile_pattern, normalize_text

__all__ = [
    "BUILTIN_PREFIX",
    "KINDS",
    "AttentionCheck",
    "Instrument",
    "Item",
    "ResponseScale",
    "Scale",
    "TestDefaults",
    "builtin_instrument_path",
    "load_instrument",
    "normalize_option",
    "resolve_instrument",
]


BUILTIN_PREFIX = "builtin:"
#: The outcome kinds an item can have.
KINDS = ("likert", "test", "score")
Kind = Literal["likert", "test", "score"]
Option = int | str


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
    """One questionnaire item: a Likert statement, a test question or a score column."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: ItemText
    kind: Kind = "likert"
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
    options: list[Option] | None = Field(
        None, description="test: the answer options as the form writes them (e.g. A-E or texts)."
    )
    key: Option | dict[Option, float] | None = Field(
        None,
        description="test: the right option, or option -> points for partial credit; without "
        "a key the export carries the points earned (a quiz's '[Skor]' column).",
    )
    points: float | None = Field(
        None,
        gt=0,
        description="test: points of a right answer (default 1), or a key-less item's most points.",
    )
    min: float | None = Field(None, description="score: the smallest allowed value.")
    max: float | None = Field(None, description="score: the largest allowed value.")

    @field_validator("header_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            compile_pattern(pattern)  # a ValueError names what RE2 could not read
        return pattern

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Item:
        test_fields = [f for f in ("options", "key", "points") if getattr(self, f) is not None]
        score_fields = [f for f in ("min", "max") if getattr(self, f) is not None]
        misplaced = {
            "likert": test_fields + score_fields,
            "test": score_fields + (["reverse"] if self.reverse else []),
            "score": test_fields + (["reverse"] if self.reverse else []),
        }[self.kind]
        if misplaced:
            raise ValueError(
                f"item '{self.id}' is a {self.kind} item; {', '.join(misplaced)} belong(s) to "
                "another kind (kind: likert, test or score)"
            )
        if self.kind == "score" and (self.min is None or self.max is None or self.max <= self.min):
            raise ValueError(
                f"score item '{self.id}' needs min and max with max > min "
                f"(found min {self.min}, max {self.max})"
            )
        if isinstance(self.key, dict) and (not self.key or max(self.key.values()) <= 0):
            raise ValueError(f"item '{self.id}': a partial-credit key needs an option worth > 0")
        return self

    def key_points(self, default: float = 1.0) -> dict[Option, float]:
        """Option -> points a test item's key gives (empty without a key)."""
        if self.key is None:
            return {}
        if isinstance(self.key, dict):
            return {option: float(points) for option, points in self.key.items()}
        return {self.key: float(self.points or default)}

    def max_points(self, default: float = 1.0) -> float:
        """The most points a test item earns: its best option, or ``points``."""
        keyed = self.key_points(default)
        return max(keyed.values()) if keyed else float(self.points or default)


class TestDefaults(FrozenModel):
    """Defaults of a codebook's test items."""

    options: list[Option] | None = Field(
        None, description="Options of every test item that lists none (e.g. [A, B, C, D])."
    )
    points: float = Field(1.0, gt=0, description="Points of a right answer.")
    omitted: Literal["wrong", "missing"] = Field(
        "wrong", description="An unanswered question scores 0 (wrong) or stays missing."
    )


class AttentionCheck(FrozenModel):
    """An item with one right answer, used to flag careless responding."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: ItemText
    expected: int
    headers: list[str] = Field(default_factory=list)


class Scale(FrozenModel):
    """A scale or subscale: a named set of items scored together."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name: Text
    items: list[str] = Field(min_length=1)


class Instrument(FrozenModel):
    """An instrument codebook: response scale, items, scales and attention checks."""

    id: str
    version: str = "1"
    title: Text
    description: Text | None = None
    response_scale: ResponseScale | None = None
    test: TestDefaults = Field(default_factory=TestDefaults)
    items: list[Item] = Field(min_length=1)
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

    @model_validator(mode="after")
    def _kinds_fit(self) -> Instrument:
        kinds = {item.id: item.kind for item in self.items}
        if self.response_scale is None and ("likert" in kinds.values() or self.attention_checks):
            raise ValueError(
                "response_scale is required: the codebook has Likert items (kind likert, the "
                "default) or attention checks"
            )
        for scale in self.all_scales:
            found = sorted({kinds[i] for i in scale.items if i in kinds})
            if len(found) > 1:
                raise ValueError(
                    f"scale '{scale.id}' mixes item kinds ({', '.join(found)}); a scale holds "
                    "items of one kind"
                )
            if found and found[0] != "score" and len(scale.items) < 2:
                raise ValueError(
                    f"scale '{scale.id}' needs at least 2 items (only a score outcome may "
                    "stand alone)"
                )
        for item in self.items:
            if item.kind == "test":
                self._check_key(item)
        return self

    def _check_key(self, item: Item) -> None:
        """A keyed test item needs options, and its key must name options (a bad key is an
        error naming the item, not a silent zero for everyone)."""
        if item.key is None:
            return
        options = self.options_of(item)
        if not options:
            raise ValueError(
                f"test item '{item.id}' has a key but no options (give options, or "
                "test.options for every item)"
            )
        normal = {normalize_option(o) for o in options}
        wrong = [o for o in item.key_points() if normalize_option(o) not in normal]
        if wrong:
            raise ValueError(
                f"test item '{item.id}': key {', '.join(map(str, wrong))} is not one of its "
                f"options ({', '.join(map(str, options))})"
            )

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    @property
    def all_scales(self) -> list[Scale]:
        """Subscales first, then the total scale when the codebook declares one."""
        return [*self.scales, *([self.total_scale] if self.total_scale else [])]

    def items_of(self, kind: str) -> list[Item]:
        """The items of one outcome kind, in codebook order."""
        return [item for item in self.items if item.kind == kind]

    def scale_kind(self, scale: Scale | str) -> str:
        """The outcome kind of a scale (that of its items)."""
        scale = scale if isinstance(scale, Scale) else self.scale(scale)
        return self.item(scale.items[0]).kind

    def scale(self, scale_id: str) -> Scale:
        """The scale (or the total scale) with this id."""
        return next(scale for scale in self.all_scales if scale.id == scale_id)

    def options_of(self, item: Item) -> list[Option]:
        """A test item's options: its own, else the codebook's ``test.options``."""
        return list(item.options or self.test.options or [])

    def max_points(self, item: Item) -> float:
        """The most points a test item earns."""
        return item.max_points(self.test.points)

    def scale_range(self, scale: Scale | str) -> tuple[float, float]:
        """The smallest and largest sum a scale's items can reach (before prorating)."""
        scale = scale if isinstance(scale, Scale) else self.scale(scale)
        items = [self.item(i) for i in scale.items]
        kind = items[0].kind
        if kind == "test":
            return 0.0, float(sum(self.max_points(i) for i in items))
        if kind == "score":
            return float(sum(i.min for i in items)), float(sum(i.max for i in items))
        assert self.response_scale is not None
        low, high = self.response_scale.min, self.response_scale.max
        return float(low * len(items)), float(high * len(items))


def normalize_option(option: object) -> str:
    """An answer option as answers are compared with it: case, accents, spacing and
    surrounding punctuation ignored; whole numbers without a decimal part ("3.0" is "3")."""
    if isinstance(option, float) and option.is_integer():
        option = int(option)
    text = normalize_text(option)
    return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text


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
    try:
        small = path.stat().st_size <= _CACHED_BYTES
        content = path.read_bytes() if small else None
    except OSError:  # missing or unreadable: read_yaml says so
        content = None
    if content is None:
        return _validated(path)
    return _remembered(str(path), content)


#: Codebooks larger than this are loaded each time (never kept).
_CACHED_BYTES = 1 << 20


@lru_cache(maxsize=16)
def _remembered(path: str, content: bytes) -> Instrument:
    """A codebook loaded once per file and content in this process: a portfolio's studies
    mostly share one, and parsing and validating it was a tenth of a small study's CPU (a
    model is frozen, so the studies can share it; a changed file is loaded again, and a
    codebook that fails raises each time, as nothing is kept for it)."""
    return _validated(Path(path))


def _validated(path: Path) -> Instrument:
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
