"""Study files (``study.yaml``): program facts, waves, columns, groups, analysis options and
limits, loaded and validated with the study's instrument resolved."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from pipeline.config.base import FrozenModel, problems_from, read_yaml
from pipeline.config.designs import (
    FOLLOW_UPS,
    WAVE_ORDER,
    Arm,
    Groups,
    Hypothesis,
    Sensitivity,
    WaveFile,
    Waves,
)
from pipeline.config.instrument import Instrument, load_instrument, resolve_instrument
from pipeline.config.parts import AspirationQuestion, AttendanceLog, CbprCycle, Plan, ServiceLog
from pipeline.errors import ConfigError, Problem

__all__ = [
    "FOLLOW_UPS",
    "PORTFOLIO_PREFIX",
    "PRIMARY_EFFECTS",
    "WAVE_ORDER",
    "AnalysisOptions",
    "Arm",
    "Hypothesis",
    "IdKind",
    "Limits",
    "Sensitivity",
    "Study",
    "WaveFile",
    "load_study",
]


#: A portfolio's bundle and reports go to ``portfolio-<folder>/`` beside the studies' own.
PORTFOLIO_PREFIX = "portfolio-"


class ProgramFacts(FrozenModel):
    """What the program was, for the report's first section."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="Short name used for folders (at most 64 characters; not 'portfolio-...', "
        "the name of a portfolio's own folder).",
    )
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

    @field_validator("id")
    @classmethod
    def _not_a_portfolio_folder(cls, value: str) -> str:
        if value.startswith(PORTFOLIO_PREFIX):
            raise ValueError(
                f"an id that does not begin with '{PORTFOLIO_PREFIX}' (a portfolio writes its "
                "own tables into the folder of that name)"
            )
        return value

    @model_validator(mode="after")
    def _dates_ordered(self) -> ProgramFacts:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


#: How participant ids are compared: names (lower-cased, accents and punctuation dropped,
#: similar names matched across waves), student numbers (digits only, exact; one-digit typos
#: proposed for review) or e-mail addresses (lower-cased, exact).
IdKind = Literal["name", "number", "email"]


class Columns(FrozenModel):
    """Which export columns hold the participant's identity and the submission time."""

    id: str | list[str] = Field(
        description="Column identifying a participant (name or student number), or several in "
        "order of preference, e.g. [NIM, Nama Lengkap]: the first that can tell people apart "
        "in every wave is used."
    )
    id_kind: IdKind | list[IdKind] | None = Field(
        None,
        description="name, number or email: one kind, or one per id column; by default read "
        "off each column's values (digits: number, addresses: email, else name).",
    )
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

    @field_validator("id")
    @classmethod
    def _named(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names or any(not str(n).strip() for n in names):
            raise ValueError("one column header, or a list of headers, none of them empty")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each id column once; repeated: {', '.join(repeated)}")
        return value

    @model_validator(mode="after")
    def _one_kind_per_column(self) -> Columns:
        kinds = self.id_kind
        if isinstance(kinds, list) and len(kinds) != len(self.id_columns):
            raise ValueError(
                f"id_kind lists {len(kinds)} kind(s) for {len(self.id_columns)} id column(s); "
                "give one kind per column, in the same order"
            )
        if isinstance(kinds, str) and len(self.id_columns) > 1:
            raise ValueError(
                f"id_kind '{kinds}' is one kind for {len(self.id_columns)} id columns; give one "
                "kind per column, e.g. [number, name], or leave id_kind out"
            )
        return self

    @property
    def id_columns(self) -> list[str]:
        """The id columns in order of preference."""
        return [self.id] if isinstance(self.id, str) else list(self.id)

    @property
    def id_kinds(self) -> list[IdKind | None]:
        """The declared kind of each id column (None: read off its values)."""
        kinds = self.id_kind
        if kinds is None:
            return [None] * len(self.id_columns)
        return [kinds] if isinstance(kinds, str) else list(kinds)


class Demographic(FrozenModel):
    """A demographic column and, optionally, its allowed values."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    column: str
    values: list[str] | None = None


class Targets(FrozenModel):
    """What the program planned to reach, for the funder summary (the POAC comparison of
    planned and achieved is ``plan:``)."""

    participants: int | None = Field(None, ge=0)
    effect_size: float | None = None


#: The effect sizes a study can declare as its headline (``analysis.primary_effect``): the
#: within-group effects of the ``effects`` table and the ANCOVA difference from a control arm.
PRIMARY_EFFECTS = ("d_z", "d_av", "g_av", "rank_biserial", "ancova")


class AnalysisOptions(FrozenModel):
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
    primary_scale: str | None = Field(
        None,
        description="The scale every output leads with (report, funder summary, article kit, "
        "portfolio); by default the instrument's total scale, else its scale with the most "
        "items (the first such).",
    )
    primary_effect: Literal["auto", *PRIMARY_EFFECTS] = Field(
        "auto",
        description="The headline effect size every output names (funder summary, report, "
        "article kit): d_z, d_av, g_av or rank_biserial (the change within the treated group) "
        "or ancova (the difference from the control arm adjusted for the pre score). auto: "
        "ancova when the design has a control arm, else d_z; a try-out has none.",
    )
    hypothesis: Hypothesis = Field(
        default_factory=lambda: Hypothesis(),
        description="The expected direction of the change, declared before the program.",
    )
    bayes_prior: float | Literal["medium", "wide", "ultrawide"] = Field(
        "medium",
        description="Scale r of the Cauchy prior of the Bayesian paired t test: medium "
        "(sqrt(2)/2, JASP's default), wide (1), ultrawide (sqrt(2)) or a number.",
    )
    bayes_method: Literal["exact", "bayesfactor"] = Field(
        "exact",
        description="exact: the JZS integrals by quadrature; bayesfactor: BayesFactor's (and "
        "JASP's) shortcut for one-sided tests with |t| > 5.",
    )
    passing_score: float | None = Field(
        None,
        ge=0,
        le=100,
        description="Passing score (KKM) of test and score outcomes, in percent of the maximum; "
        "mastery (ketuntasan) before and after is reported when given.",
    )
    item_group_share: float = Field(
        0.27,
        gt=0,
        le=0.5,
        description="Share of respondents in the upper and lower groups of "
        "the item discrimination index D (Kelley's 27%).",
    )

    @field_validator("bayes_prior")
    @classmethod
    def _positive_prior(cls, value: float | str) -> float | str:
        if not isinstance(value, str) and value <= 0:
            raise ValueError("a positive prior scale (medium = 0.707)")
        return value

    def prior_scale(self) -> float:
        """The Cauchy prior's scale r as a number."""
        named = {"medium": math.sqrt(2) / 2, "wide": 1.0, "ultrawide": math.sqrt(2)}
        prior = self.bayes_prior
        return named[prior] if isinstance(prior, str) else float(prior)

    @model_validator(mode="after")
    def _review_below_accept(self) -> AnalysisOptions:
        if self.review_threshold > self.fuzzy_threshold:
            raise ValueError(
                f"review_threshold ({self.review_threshold}) must not exceed "
                f"fuzzy_threshold ({self.fuzzy_threshold})"
            )
        return self


class CustomCuts(FrozenModel):
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


class Categories(FrozenModel):
    """Score categories: Azwar norms (hypothetical or empirical) and optional custom cuts."""

    levels: Literal[3, 5] = 3
    norm: Literal["hypothetical", "empirical"] = Field(
        "hypothetical", description="The norm the report shows first; both are computed."
    )
    norm_wave: str = Field(
        "pre", description="Wave whose sample mean and SD are the empirical norm."
    )
    custom: CustomCuts | None = None


class Limits(FrozenModel):
    """Sizes past which an input is refused with a message instead of exhausting memory."""

    max_file_mb: float = Field(200, gt=0, description="Largest export file, in megabytes.")
    max_rows: int = Field(5_000_000, gt=0, description="Most data rows in one export.")
    max_cell_chars: int = Field(10_000, gt=0, description="Longest text in one cell.")


class Report(FrozenModel):
    """The language of the reports; every run writes all of them (HTML, XLSX, DOCX, figures)."""

    language: Literal["id", "en"] = "id"


#: Keys that earlier versions accepted but nothing read, with what to write instead.
REMOVED_KEYS = {
    ("targets", "sessions"): "plan.plan.sessions (compared with the sessions held in the "
    "attendance log)",
    ("targets", "completion_rate"): "plan.actuate.completion_share",
    ("report", "formats"): "nothing: every run writes the HTML reports, the funder workbook "
    "and the article kit",
}


def _removed_keys(data: dict[str, Any], path: Path) -> list[Problem]:
    """A located problem for each removed key the study file still uses."""
    return [
        Problem("config_key_removed", file=str(path), column=f"{section}.{key}", expected=instead)
        for (section, key), instead in REMOVED_KEYS.items()
        if isinstance(data.get(section), dict) and key in data[section]
    ]


class Study(FrozenModel):
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
    analysis: AnalysisOptions = Field(default_factory=AnalysisOptions)
    sensitivity: list[Sensitivity] = Field(
        default_factory=list,
        description="Variants of the analysis (other options on the same data) reported "
        "beside the primary one.",
    )
    categories: Categories = Field(default_factory=Categories)
    limits: Limits = Field(default_factory=Limits)
    report: Report = Field(default_factory=Report)
    # Parts of a program beside the questionnaire (pipeline.program analyses them).
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

    def declares_parts(self) -> bool:
        """Whether the study has any part besides the questionnaire (logs, plan, CBPR...)."""
        return any(
            part is not None
            for part in (self.attendance, self.service_log, self.plan, self.cbpr, self.aspirations)
        )

    def primary_scale(self) -> str:
        """The id of the headline scale: ``analysis.primary_scale``, else the total scale,
        else the scale with the most items (the first such in the codebook)."""
        if self.analysis.primary_scale:
            return self.analysis.primary_scale
        instrument = self.instrument_spec
        if instrument.total_scale:
            return instrument.total_scale.id
        return max(instrument.scales, key=lambda s: len(s.items)).id

    @model_validator(mode="after")
    def _primary_scale_known(self) -> Study:
        wanted = self.analysis.primary_scale
        if self.codebook is not None and wanted is not None:
            known = [s.id for s in self.codebook.all_scales]
            if wanted not in known:
                raise ValueError(
                    f"analysis.primary_scale '{wanted}' is not a scale of the instrument; "
                    f"its scales are {', '.join(known)}"
                )
        return self

    def primary_effect(self) -> str | None:
        """The headline effect size (one of :data:`PRIMARY_EFFECTS`): the declared
        ``analysis.primary_effect``, else (``auto``) ``ancova`` when an arm is a control and
        ``d_z`` otherwise (one group, or arms without a control); None for a try-out, which
        measures no change. Follow-up waves do not change it: the headline is pre to post."""
        if self.is_tryout:
            return None
        declared = self.analysis.primary_effect
        if declared != "auto":
            return declared
        return "ancova" if "control" in self.roles().values() else "d_z"

    @field_validator("analysis")
    @classmethod
    def _primary_effect_fits(cls, analysis: AnalysisOptions, info: ValidationInfo) -> Any:
        declared = analysis.primary_effect
        if declared == "auto" or "waves" not in info.data or "groups" not in info.data:
            return analysis  # waves or groups that failed their own checks are reported there
        waves, groups = info.data["waves"], info.data["groups"]
        if waves.is_tryout:
            raise ValueError(
                f"primary_effect '{declared}': a try-out measures no change, so it has no "
                "effect size; leave analysis.primary_effect out"
            )
        if declared == "ancova" and (groups is None or "control" not in groups.roles().values()):
            raise ValueError(
                "primary_effect 'ancova' needs a control arm (groups.control, or an arm with "
                "role: control) and this design has none; use d_z, d_av, g_av, rank_biserial "
                "or auto"
            )
        return analysis

    @property
    def is_tryout(self) -> bool:
        """An instrument try-out: one wave, no comparison."""
        return self.waves.is_tryout

    def arm_order(self) -> list[str]:
        """The groups analysed one by one, in reading order: the declared arms, or "all"."""
        return [arm.name for arm in self.groups.declared()] if self.groups else ["all"]

    def roles(self) -> dict[str, str]:
        """Arm name to treatment or control ("all" is the treated group without groups)."""
        return self.groups.roles() if self.groups else {"all": "treatment"}

    def with_options(self, changes: dict[str, Any]) -> Study:
        """This study with some analysis options changed (a sensitivity variant)."""
        analysis = self.analysis.model_copy(update=changes)
        return self.model_copy(update={"analysis": analysis})

    @model_validator(mode="after")
    def _hypothesis_in_advance(self) -> Study:
        declared = self.analysis.hypothesis.declared
        if declared is not None and declared > self.program.start_date:
            raise ValueError(
                f"analysis.hypothesis.declared ({declared}) is after the program started "
                f"({self.program.start_date}): a direction chosen after the start is not "
                "declared in advance; test two-sided"
            )
        names = [variant.name for variant in self.sensitivity]
        if len(set(names)) < len(names):
            raise ValueError(f"sensitivity variant names must be unique: {names}")
        return self

    @model_validator(mode="after")
    def _labels_on_scale(self) -> Study:
        if self.codebook is not None and self.answer_labels:
            if self.codebook.response_scale is None:
                raise ValueError("answer_labels need an instrument with a response_scale")
            codes = self.codebook.response_scale.codes
            wrong = {k: v for k, v in self.answer_labels.items() if v not in codes}
            if wrong:
                raise ValueError(f"answer_labels map to codes outside the scale {codes}: {wrong}")
        return self


def load_study(path: str | Path) -> Study:
    """Load a ``study.yaml``, validate it and resolve its instrument.

    Raises
    ------
    ConfigError
        With one problem per invalid or missing key, in the study file or its instrument.
    """
    path = Path(path)
    data = read_yaml(path, "study file")
    removed = _removed_keys(data, path)
    if removed:
        raise ConfigError(removed, "The study file uses keys that pkm-eval no longer reads")
    try:
        study = Study.model_validate({**data, "base_dir": path.parent, "source": path})
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, path), "The study file is invalid") from None
    codebook = load_instrument(resolve_instrument(study.instrument, path.parent))
    try:
        return Study.model_validate(
            {**data, "base_dir": path.parent, "source": path, "codebook": codebook}
        )
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, path), "The study file is invalid") from None
