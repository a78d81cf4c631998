"""The typed results of the stages, each a frozen dataclass of tidy tables and facts: what one
stage hands the next, and :class:`Analysis`, everything one study's analysis produced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import Study
from pipeline.errors import Problem
from pipeline.stages.keys import IdChoice, IdKey
from pipeline.stages.pairs import Participants
from pipeline.stages.read import LogTable

__all__ = [
    "Analysis",
    "CleanResult",
    "CompareResult",
    "IngestResult",
    "ProgramParts",
    "ScoreResult",
    "ValidationResult",
]


@dataclass(frozen=True)
class IngestResult:
    """Every input row of every wave, coded.

    Attributes
    ----------
    responses
        One row per non-blank input row: ``META_COLUMNS``, one column per demographic (by its
        name), contact columns (prefixed ``contact__``), then item and attention-check codes as
        floats (NaN where blank or where the answer could not be read).
    problems
        Cell-level problems found while coding answers (unknown labels), with their location.
    blank_rows
        Rows with no content at all: ``wave, source_file, source_row``.
    sources
        One row per file read: wave, file, sheet, header row, delimiter, encoding, timestamp
        header, rows, sha256.
    files
        Wave name to the path that was read.
    hashes
        Wave name to the SHA-256 of the file's content.
    item_headers
        Wave name to {item id: the export header it was read from}, for messages.
    review
        The study's reviewed name matches (``wave, name_base, name_other, decision`` with
        decision "yes", "no" or ""), or None when the study declares no review file.
    open_answers
        The answers to the open aspiration question, when the study asks it: ``wave,
        source_row, answer`` as written (personal text; never a bundle table).
    logs
        The program's logs as the read stage found them (``"attendance"``,
        ``"service_log"``), for :mod:`pipeline.program`.
    id_keys
        The columns that may identify participants, in order (:func:`pipeline.stages.keys.
        id_keys`): ``participant`` holds the first, ``key__1`` ... the others.
    """

    responses: pd.DataFrame
    problems: tuple[Problem, ...]
    blank_rows: pd.DataFrame
    sources: pd.DataFrame
    files: dict[str, Path]
    hashes: dict[str, str]
    item_headers: dict[str, dict[str, str]]
    review: pd.DataFrame | None = None
    open_answers: pd.DataFrame | None = None
    logs: Mapping[str, LogTable] = field(default_factory=dict)
    id_keys: tuple[IdKey, ...] = ()

    def released(self) -> IngestResult:
        """This result with ``responses`` emptied (no rows, the same columns): what a
        finished :class:`Analysis` keeps, since validation is the only reader of the rows
        and a survey's coded answers are many times its item data."""
        return replace(self, responses=_no_rows(self.responses))


@dataclass(frozen=True)
class ValidationResult:
    """Rows that passed, rows quarantined, and every problem found.

    Attributes
    ----------
    valid
        Rows without problems; ``submitted_at`` parsed to datetime (NaT where blank).
    quarantine
        Rows with problems: ``wave, source_file, source_row, reason`` (all problems, joined).
    problems
        All problems, ingest's cell problems included.
    n_input
        Number of input rows seen, blank rows included.
    blank_rows
        Rows without any content (``wave, source_file, source_row``), passed on from ingest.
    review
        Reviewed name matches read by ingest, or None.
    identity
        The column that identifies participants (``participant`` holds it), and why; None
        only for results made by hand.
    """

    valid: pd.DataFrame
    quarantine: pd.DataFrame
    problems: tuple[Problem, ...]
    n_input: int
    blank_rows: pd.DataFrame
    review: pd.DataFrame | None = None
    identity: IdChoice | None = None

    def released(self) -> ValidationResult:
        """This result with ``valid`` emptied (no rows, the same columns): what a finished
        :class:`Analysis` keeps, since cleaning is the only reader of the rows."""
        return replace(self, valid=_no_rows(self.valid))


def _no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's columns without its rows, holding no reference to its data."""
    return frame.iloc[:0].copy()


@dataclass(frozen=True)
class CleanResult:
    """Pseudonymized responses, the identity key, wave matches, flags and the ledger.

    Attributes
    ----------
    responses
        One row per analysed submission (latest per participant and wave, careless ones left
        out when the study excludes them): ``participant_code``, ``wave``, ``group``
        (treatment/control, or "all" without groups), demographics, items. No names, phone
        numbers or e-mails.
    key
        ``participant_code`` to the identity as entered and contact columns, per wave:
        personal data, stays in ``data/processed``.
    matches
        How each participant's waves were joined: ``participant_code, wave, method (exact,
        fuzzy, review), score`` and the two names compared. Personal data.
    review
        Name pairs considered beyond exact ids (``REVIEW_OUTPUT_COLUMNS``), for the user to
        confirm or reject; personal data.
    careless
        ``CARELESS_COLUMNS`` for every kept submission.
    ledger
        One row per input row: ``LEDGER_COLUMNS``.
    attrition
        Participants per group by the waves they answered: ``group, pattern, n`` with
        patterns such as ``pre+post``, ``pre only``, ``post only``; group "all" pools groups.
    warnings
        Problems found while cleaning that keep the rows but need a look (a duplicate that
        may be another person with the same name).
    """

    responses: pd.DataFrame
    key: pd.DataFrame
    matches: pd.DataFrame
    review: pd.DataFrame
    careless: pd.DataFrame
    ledger: pd.DataFrame
    attrition: pd.DataFrame
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ScoreResult:
    """Keyed responses, scale scores and everything derived from them, as tidy tables.

    Attributes
    ----------
    keyed
        The cleaned responses with reverse-keyed items recoded.
    scores
        ``SCORE_COLUMNS``: one row per participant, wave and scale; NaN scores when too few
        items were answered.
    reliability
        One row per scale and wave: n, k, alpha with its Feldt CI, standardized alpha, omega
        total, the missing-data rule and a note.
    items
        One row per item, scale and wave: mean, SD, item-total r, item-rest r, alpha if
        deleted, the critical r with its df, and whether the item reaches it.
    categories
        One row per participant, wave, scale and scheme: the score categorized and its level.
    category_schemes
        One row per scale and scheme: the norm mean and SD, the cut points and their bounds.
    category_shift
        One row per scale, scheme and group: how many moved up, stayed or moved down.
    gain
        One row per participant and scale with both waves: POMP before and after, Hake's g,
        Marx-Cummings' c, the chosen value, its Hake level and a note.
    gain_summary
        One row per scale and group: class-average g, mean and median gain, effectiveness.
    rule
        The scoring rules in words, for the report.
    test_items, distractors, test_summary
        Knowledge tests (:mod:`pipeline.stages.knowledge`): per test scale, wave and item
        the difficulty, discrimination and point-biserial r; per option how often it was
        chosen; per scale and wave the totals, KR-20 and KR-21. Empty without test items.
    tryout_items, tryout_scales
        An instrument try-out (:mod:`pipeline.stages.tryout`): r hitung, r tabel and the
        decision per item; alpha or KR-20 with its CI per scale. Empty unless a try-out.
    participants
        The participant codes of ``scores`` as integers (:class:`~pipeline.stages.pairs.
        Participants`), factorized once for the score stage's pivots and the compare
        stage's; None where a result was built without them. Not part of the bundle.
    respondents
        The same for the rows of ``keyed`` (None likewise).
    """

    keyed: pd.DataFrame
    scores: pd.DataFrame
    reliability: pd.DataFrame
    items: pd.DataFrame
    categories: pd.DataFrame
    category_schemes: pd.DataFrame
    category_shift: pd.DataFrame
    gain: pd.DataFrame
    gain_summary: pd.DataFrame
    rule: dict[str, object]
    test_items: pd.DataFrame = field(default_factory=pd.DataFrame)
    distractors: pd.DataFrame = field(default_factory=pd.DataFrame)
    test_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    tryout_items: pd.DataFrame = field(default_factory=pd.DataFrame)
    tryout_scales: pd.DataFrame = field(default_factory=pd.DataFrame)
    participants: Participants | None = field(default=None, repr=False, compare=False)
    respondents: Participants | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class CompareResult:
    """Every comparison as a tidy table (columns documented in the README).

    Attributes
    ----------
    descriptives
        Per outcome, wave and group ("all" pools groups): n, mean, SD (ddof 1), median,
        quartiles (linear interpolation), min, max.
    normality
        Shapiro-Wilk per outcome and group: of the differences, and of each wave on request.
    tests
        Paired t and Wilcoxon per outcome and group, post minus pre; the primary one flagged,
        with the reason, and p adjusted across the family of outcomes of the group.
    effects
        d_z, d_av, Hedges' g_av and the matched rank-biserial r, with CIs and Cohen's labels.
    changes
        How many participants improved, stayed or declined, and the pre-post correlation.
    power
        The smallest d_z detectable with the chosen power, and the power at the observed d_z.
    ancova, mixed_anova, gain_comparison
        Between-arm analyses of the classic treatment and control design, empty otherwise.
    subgroups
        Interaction tests of each declared demographic.
    extra
        The tables the design adds, by bundle table name: ``bayes`` and ``qq`` (every pre/post
        study), ``directional`` (a declared direction), ``arms_anova``, ``arms_means``,
        ``arms_contrasts`` (several arms), ``waves_anova``, ``friedman``, ``followup_pairs``,
        ``retained_gain`` (follow-up waves), ``mastery`` and ``mastery_tests`` (a passing
        score). See :mod:`pipeline.stages.designs`, :mod:`pipeline.stages.parity` and
        :mod:`pipeline.stages.knowledge`.
    """

    descriptives: pd.DataFrame
    normality: pd.DataFrame
    tests: pd.DataFrame
    effects: pd.DataFrame
    changes: pd.DataFrame
    power: pd.DataFrame
    ancova: pd.DataFrame
    mixed_anova: pd.DataFrame
    gain_comparison: pd.DataFrame
    subgroups: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class ProgramParts:
    """The analysed parts of a program beside the questionnaire (see :mod:`pipeline.program`).

    Attributes
    ----------
    tables
        Bundle tables by name (the parts' tables in :mod:`pipeline.bundle.catalog`); only
        the parts the study declares.
    personal
        Tables with text as entered (the catalogue's personal part tables).
    facts
        Facts for ``results.json`` (the dose caveat, the bottleneck, counts of uncoded
        answers, plan attainment per pillar...).
    problems
        Problems found in the logs (errors quarantine a log row, warnings keep it).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    personal: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """Every stage's typed result for one study.

    What later stages and the bundle need is kept; the response rows of ``ingested`` and
    ``validated`` are released (their columns stay, with no rows): ``cleaned.responses``
    and ``scored.keyed`` hold the answers. Call the stages themselves for those rows."""

    study: Study
    ingested: IngestResult
    validated: ValidationResult
    cleaned: CleanResult
    scored: ScoreResult
    compared: CompareResult
    #: The program's parts beside the questionnaire (attendance, service log, aspirations,
    #: plan, CBPR cycle).
    parts: ProgramParts = field(default_factory=ProgramParts)
    #: Sensitivity variants beside the primary analysis (:mod:`pipeline.stages.sensitivity`).
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
