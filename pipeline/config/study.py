"""Instrument codebooks and study files: pydantic models, loaded and validated with clear messages.

Both files are YAML. Every model forbids unknown keys, so a misspelt key is reported instead of
silently ignored. Errors are turned into :class:`~pipeline.errors.Problem` records naming the
file, the dotted key, the value found and what was expected, and raised together as one
:class:`~pipeline.errors.ConfigError`.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipeline.errors import ConfigError, Problem

if TYPE_CHECKING:  # resolved at run time by _complete_study_model (process imports this module)
    from pipeline.process import AttendanceLog, Plan, ServiceLog

__all__ = [
    "BUILTIN_PREFIX",
    "CBPR_STAGES",
    "WAVE_ORDER",
    "AspirationQuestion",
    "CbprCycle",
    "CbprStage",
    "Instrument",
    "Study",
    "builtin_instrument_path",
    "load_instrument",
    "load_study",
]

BUILTIN_PREFIX = "builtin:"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Indonesian (``id``) and English (``en``)."""

    id: str
    en: str

    def get(self, language: str) -> str:
        return self.id if language == "id" else self.en


class ResponseScale(_Model):
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


class Item(_Model):
    """One questionnaire item."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: Text
    reverse: bool = False
    headers: list[str] = Field(
        default_factory=list,
        description="Export headers that match this item, besides its Indonesian and English text.",
    )
    header_pattern: str | None = Field(
        None, description="Regular expression searched in export headers (case-insensitive)."
    )

    @field_validator("header_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"a valid regular expression ({exc})") from None
        return pattern


class AttentionCheck(_Model):
    """An item with one right answer, used to flag careless responding."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: Text
    expected: int
    headers: list[str] = Field(default_factory=list)


class Scale(_Model):
    """A scale or subscale: a named set of items scored together."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name: Text
    items: list[str] = Field(min_length=2)


class Instrument(_Model):
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


class ProgramFacts(_Model):
    """What the program was, for the report's first section."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Short name used for folders.")
    title: str
    partner: str
    place: str
    start_date: dt.date
    end_date: dt.date
    method: str
    funder: str | None = None
    participants: str | None = Field(None, description="Who took part, in a few words.")
    level: str | None = Field(
        None, description="Participant level for portfolio subgroups, e.g. SD, SMP, SMA/MA, S1."
    )
    region: str | None = Field(None, description="Province or region, for portfolio subgroups.")

    @model_validator(mode="after")
    def _dates_ordered(self) -> ProgramFacts:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


#: The waves a study can have, in time order (their position sorts every table).
WAVE_ORDER = {"pre": 0, "post": 1, "follow_up": 2}


class WaveFile(_Model):
    """One wave's export: a CSV or XLSX file and, for XLSX, the sheet (name or 0-based index)."""

    file: str
    sheet: str | int | None = None


class Waves(_Model):
    """The export files of each wave, relative to the study file.

    Each wave is a file name, or ``{file: ..., sheet: ...}`` to pick an XLSX sheet.
    """

    pre: WaveFile
    post: WaveFile
    follow_up: WaveFile | None = None

    @field_validator("pre", "post", "follow_up", mode="before")
    @classmethod
    def _file_name_alone(cls, value: Any) -> Any:
        return {"file": value} if isinstance(value, str) else value

    def named(self) -> dict[str, WaveFile]:
        waves = {"pre": self.pre, "post": self.post}
        if self.follow_up:
            waves["follow_up"] = self.follow_up
        return waves


class Columns(_Model):
    """Which export columns hold the participant's identity and the submission time."""

    id: str = Field(description="Column identifying a participant (name or student number).")
    id_kind: Literal["name", "number"] = "name"
    timestamp: str | None = Field(
        None,
        description="Submission time column; by default the first of the usual export headers "
        "(Cap waktu, Timestamp, Stempel waktu, _submission_time, end) that is present.",
    )
    timestamp_format: str | None = Field(
        None,
        description="strftime layout such as '%d/%m/%Y %H:%M:%S', or 'ISO8601'; by default "
        "inferred per file (day first unless the header is the English 'Timestamp').",
    )
    contact: list[str] = Field(
        default_factory=list, description="Phone or e-mail columns: kept out of every report."
    )


class Groups(_Model):
    """The group column and which of its labels mean treatment and control."""

    column: str
    treatment: list[str] = Field(min_length=1)
    control: list[str] = Field(default_factory=list)

    @field_validator("treatment", "control", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _disjoint(self) -> Groups:
        both = set(self.treatment) & set(self.control)
        if both:
            raise ValueError(f"label(s) {sorted(both)} are listed as both treatment and control")
        return self

    def label_to_group(self) -> dict[str, str]:
        mapping = {label: "treatment" for label in self.treatment}
        mapping.update({label: "control" for label in self.control})
        return mapping


class Demographic(_Model):
    """A demographic column and, optionally, its allowed values."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    column: str
    values: list[str] | None = None


class Targets(_Model):
    """What the program planned to achieve."""

    participants: int | None = Field(None, ge=0)
    sessions: int | None = Field(None, ge=0)
    completion_rate: float | None = Field(None, ge=0, le=1)
    effect_size: float | None = None


class Analysis(_Model):
    """Analysis options with their defaults."""

    alpha: float = Field(0.05, gt=0, lt=1)
    ci_level: float = Field(0.95, gt=0, lt=1)
    min_answered_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Score a scale only when at least this share of items is answered.",
    )
    fuzzy_threshold: float = Field(
        88, ge=50, le=100, description="rapidfuzz score (0-100) at or above which names match."
    )
    max_bad_row_share: float = Field(
        0.2, ge=0, le=1, description="Fail the run when more rows than this share are quarantined."
    )
    review_threshold: float = Field(
        75,
        ge=0,
        le=100,
        description="Name pairs scoring from this up to fuzzy_threshold are proposed for review.",
    )
    longstring_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Flag a response whose longest run of identical answers covers this share "
        "of the items.",
    )
    exclude_careless: bool = Field(
        False, description="Exclude flagged careless responses from the analysis (else: flag only)."
    )
    reliability_missing: Literal["pairwise", "listwise"] = Field(
        "pairwise", description="Missing-data rule of alpha, omega and item statistics."
    )
    item_r: Literal["corrected", "uncorrected"] = Field(
        "corrected",
        description="Item validity uses the item-rest r (corrected) or the item-total r.",
    )
    r_table_df: Literal["n-2", "n"] = Field(
        "n-2", description="Degrees of freedom of the critical r: n - 2 (the test's) or n."
    )
    gain_method: Literal["hake", "marx_cummings"] = Field(
        "hake", description="Per-participant gain: Hake's g or Marx & Cummings' c."
    )
    test_choice: Literal["auto", "parametric", "nonparametric"] = Field(
        "auto",
        description="Primary paired test: by a Shapiro-Wilk test of the differences (auto), "
        "the paired t test, or the Wilcoxon signed-rank test. Both are always reported.",
    )
    normality_per_wave: bool = Field(
        False, description="Also test normality of the pre and post scores, as SPSS users do."
    )
    multiplicity: Literal["holm", "fdr_bh", "none"] = Field(
        "holm", description="Adjustment of p-values across the outcomes of one family."
    )
    power: float = Field(0.8, gt=0, lt=1, description="Power for the detectable effect.")

    @model_validator(mode="after")
    def _review_below_accept(self) -> Analysis:
        if self.review_threshold > self.fuzzy_threshold:
            raise ValueError(
                f"review_threshold ({self.review_threshold}) must not exceed "
                f"fuzzy_threshold ({self.fuzzy_threshold})"
            )
        return self


class CustomCuts(_Model):
    """A study's own categories of the mean score: ascending cuts, one more label than cuts."""

    cuts: list[float] = Field(min_length=1)
    labels: list[str]

    @model_validator(mode="after")
    def _shape(self) -> CustomCuts:
        if sorted(self.cuts) != self.cuts:
            raise ValueError(f"cuts must ascend, found {self.cuts}")
        if len(self.labels) != len(self.cuts) + 1:
            raise ValueError(
                f"{len(self.cuts)} cut(s) make {len(self.cuts) + 1} levels, but "
                f"{len(self.labels)} label(s) are given"
            )
        return self


class Categories(_Model):
    """Score categories: Azwar norms (hypothetical or empirical) and optional custom cuts."""

    levels: Literal[3, 5] = 3
    norm: Literal["hypothetical", "empirical"] = Field(
        "hypothetical", description="The norm the report shows first; both are computed."
    )
    norm_wave: str = Field(
        "pre", description="Wave whose sample mean and SD are the empirical norm."
    )
    custom: CustomCuts | None = None


class Limits(_Model):
    """Sizes past which an input is refused with a message instead of exhausting memory."""

    max_file_mb: float = Field(200, gt=0, description="Largest export file, in megabytes.")
    max_rows: int = Field(5_000_000, gt=0, description="Most data rows in one export.")
    max_cell_chars: int = Field(10_000, gt=0, description="Longest text in one cell.")


class Report(_Model):
    language: Literal["id", "en"] = "id"
    formats: list[Literal["html"]] = Field(default_factory=lambda: ["html"])


#: The stages of a Community-Based Participatory Research cycle, in order (Israel et al. 1998;
#: Wallerstein & Duran 2006), as the study file names them.
CBPR_STAGES = (
    "community_invited",
    "agenda_set",
    "target_group_chosen",
    "design_drafted",
    "carried_out",
    "action_taken",
)


class CbprStage(_Model):
    """One stage of the CBPR cycle as the program lived it; every field is optional."""

    date: dt.date | None = Field(None, description="When the stage took place (or began).")
    end_date: dt.date | None = Field(None, description="When it ended, if it took longer.")
    who: str | None = Field(None, description="Who took part (roles, not names of children).")
    decided: str | None = Field(None, description="What was decided or produced.")
    notes: str | None = None

    @model_validator(mode="after")
    def _dates_ordered(self) -> CbprStage:
        if self.date and self.end_date and self.end_date < self.date:
            raise ValueError(f"end_date {self.end_date} is before date {self.date}")
        return self


class CbprCycle(_Model):
    """The six stages of a CBPR cycle: community invited, agenda set together, target group
    chosen, design drafted together, carried out, action taken together. A stage left out is
    reported as not recorded."""

    community_invited: CbprStage | None = None
    agenda_set: CbprStage | None = None
    target_group_chosen: CbprStage | None = None
    design_drafted: CbprStage | None = None
    carried_out: CbprStage | None = None
    action_taken: CbprStage | None = None

    def stages(self) -> list[tuple[str, CbprStage | None]]:
        """(stage name, stage or None) in cycle order."""
        return [(name, getattr(self, name)) for name in CBPR_STAGES]


class AspirationQuestion(_Model):
    """The open question "what do you want to be?" asked in the waves.

    ``pre`` and ``post`` name the export column holding the answer in each wave (``column``
    sets both); ``dictionary`` is a copy of the aspiration dictionary relative to the study
    file (default: the bundled ``pipeline/resources/aspirations.yaml``).
    """

    column: str | None = Field(None, description="Answer column, when both waves share it.")
    pre: str | None = None
    post: str | None = None
    dictionary: str | None = None
    uncoded: Literal["exclude", "no"] = Field(
        "exclude", description="Pairs with an uncoded answer: left out of McNemar, or 'no'."
    )

    @model_validator(mode="after")
    def _columns_given(self) -> AspirationQuestion:
        if not (self.column or (self.pre and self.post)):
            raise ValueError("give 'column', or both 'pre' and 'post' (the answer columns)")
        return self

    def column_of(self, wave: str) -> str:
        """The export column of the answer in ``wave``."""
        return getattr(self, wave, None) or self.column  # type: ignore[return-value]


class Study(_Model):
    """A study file (``study.yaml``) with its instrument resolved."""

    program: ProgramFacts
    instrument: str = Field(description="'builtin:NAME' or a path relative to the study file.")
    waves: Waves
    columns: Columns
    groups: Groups | None = None
    demographics: list[Demographic] = Field(default_factory=list)
    answer_labels: dict[str, int] = Field(
        default_factory=dict,
        description="Extra answer labels of this study's exports mapped to codes, "
        "e.g. 'Sangat setuju sekali': 5.",
    )
    match_review: str | None = Field(
        None,
        description="Reviewed name matches (a copy of match_review.csv from the bundle, with "
        "the 'decision' column filled in), relative to the study file.",
    )
    targets: Targets = Field(default_factory=Targets)
    analysis: Analysis = Field(default_factory=Analysis)
    categories: Categories = Field(default_factory=Categories)
    limits: Limits = Field(default_factory=Limits)
    report: Report = Field(default_factory=Report)
    # Optional parts of a program besides the questionnaire (pipeline.extras analyses them).
    attendance: AttendanceLog | None = Field(None, description="Attendance (activity) log.")
    service_log: ServiceLog | None = Field(None, description="Service procedure log.")
    plan: Plan | None = Field(None, description="Planned targets by POAC pillar.")
    achieved: dict[str, float | bool] = Field(
        default_factory=dict,
        description="Actual values the data cannot show (facilitators, partners, custom "
        "indicators), by the key plan_vs_actual reads, e.g. facilitators: 4.",
    )
    cbpr: CbprCycle | None = Field(None, description="The CBPR cycle as the program lived it.")
    aspirations: AspirationQuestion | None = Field(
        None, description="The open question 'what do you want to be?'."
    )

    # Filled in by load_study, not by the user.
    base_dir: Path = Field(Path("."), exclude=True)
    source: Path = Field(Path("study.yaml"), exclude=True)
    codebook: Instrument | None = Field(None, exclude=True)

    @property
    def instrument_spec(self) -> Instrument:
        assert self.codebook is not None, "load_study resolves the instrument"
        return self.codebook

    def wave_paths(self) -> dict[str, Path]:
        return {wave: self.base_dir / spec.file for wave, spec in self.waves.named().items()}

    def review_path(self) -> Path | None:
        return self.base_dir / self.match_review if self.match_review else None

    def other_input_paths(self) -> dict[str, Path]:
        """Files besides the wave exports that change the results: the match review file,
        the logs and a study's own aspiration dictionary (the manifest hashes them)."""
        named = {
            "match_review": self.match_review,
            "attendance": self.attendance.file if self.attendance else None,
            "service_log": self.service_log.file if self.service_log else None,
            "aspiration_dictionary": self.aspirations.dictionary if self.aspirations else None,
        }
        return {role: self.base_dir / file for role, file in named.items() if file}

    def declares_extras(self) -> bool:
        """Whether the study has any part besides the questionnaire (logs, plan, CBPR...)."""
        return any(
            part is not None
            for part in (self.attendance, self.service_log, self.plan, self.cbpr, self.aspirations)
        )

    @model_validator(mode="after")
    def _labels_on_scale(self) -> Study:
        if self.codebook is not None:
            codes = self.codebook.response_scale.codes
            wrong = {k: v for k, v in self.answer_labels.items() if v not in codes}
            if wrong:
                raise ValueError(f"answer_labels map to codes outside the scale {codes}: {wrong}")
        return self


# --------------------------------------------------------------------------- loading


def builtin_instrument_path(name: str) -> Path:
    """Path of an instrument shipped with pkm-eval (``builtin:NAME``)."""
    return Path(str(resources.files("pipeline.resources.instruments").joinpath(f"{name}.yaml")))


def _read_yaml(path: Path, kind: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(
            [Problem("config_file_missing", file=str(path), expected=f"an existing {kind}")]
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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


def _problems_from(exc: ValidationError, path: Path) -> list[Problem]:
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
    path = _resolve_instrument(str(path), Path("."))
    data = _read_yaml(path, "instrument codebook")
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems_from(exc, path), "The instrument codebook is invalid") from None


def _resolve_instrument(spec: str, base_dir: Path) -> Path:
    if spec.startswith(BUILTIN_PREFIX):
        return builtin_instrument_path(spec.removeprefix(BUILTIN_PREFIX))
    path = Path(spec)
    return path if path.is_absolute() else base_dir / path


def _complete_study_model() -> None:
    """Resolve the Study fields typed by :mod:`pipeline.process` models.

    ``pipeline.process`` imports this module (for ``_Model``, ``Text``, ``Limits``) and the
    modules that import it, so importing it here at the top would be circular; the annotations
    stay strings until the first study is loaded.
    """
    if not Study.__pydantic_complete__:
        from pipeline.process import AttendanceLog, Plan, ServiceLog

        Study.model_rebuild(
            _types_namespace={
                "AttendanceLog": AttendanceLog,
                "Plan": Plan,
                "ServiceLog": ServiceLog,
            }
        )


def load_study(path: str | Path) -> Study:
    """Load a ``study.yaml``, validate it and resolve its instrument.

    Raises
    ------
    ConfigError
        With one problem per invalid or missing key, in the study file or its instrument.
    """
    _complete_study_model()
    path = Path(path)
    data = _read_yaml(path, "study file")
    try:
        study = Study.model_validate({**data, "base_dir": path.parent, "source": path})
    except ValidationError as exc:
        raise ConfigError(_problems_from(exc, path), "The study file is invalid") from None
    codebook = load_instrument(_resolve_instrument(study.instrument, path.parent))
    try:
        return Study.model_validate(
            {**data, "base_dir": path.parent, "source": path, "codebook": codebook}
        )
    except ValidationError as exc:
        raise ConfigError(_problems_from(exc, path), "The study file is invalid") from None
