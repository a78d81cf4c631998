"""The checks before a run, and what in a check or a run needs a person.

``pkm-eval validate`` reads, validates and cleans a study (:func:`check`) and lists what needs a
person (:func:`needs_a_person`) without loading the statistics stages, so it starts quickly;
:mod:`pipeline.run` uses the same functions in a full run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Study
from pipeline.config.roots import output_roots
from pipeline.errors import InputError, Problem
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.stages.matching import NEAR_MISS_STATUS, STATUS
from pipeline.stages.read import read_inputs
from pipeline.stages.result import CleanResult, IngestResult, ValidationResult
from pipeline.stages.validate import validate
from pipeline.text import phrase

__all__ = ["Attention", "check", "needs_a_person", "prepared", "require_pairs"]


def prepared(
    study: Study, progress: Callable[[str], None] = lambda stage: None
) -> tuple[IngestResult, ValidationResult, CleanResult]:
    """Read, ingest, validate and clean a study and check that it has pairs: the steps a run
    (:func:`pipeline.run.analyse`) and a check share; ``progress`` hears each stage's name.

    The ingested and validated results come back released (their response rows emptied,
    see :meth:`IngestResult.released`): validation is the only reader of the coded rows and
    cleaning of the valid ones, so each is let go as soon as its reader is done rather than
    held beside the next copy."""
    progress("ingest")
    ingested = ingest(read_inputs(study), study)
    progress("validate")
    validated = validate(ingested, study)
    ingested = ingested.released()
    progress("clean")
    cleaned = clean(validated, study)
    validated = validated.released()
    require_pairs(cleaned, study)
    return ingested, validated, cleaned


def check(study: Study) -> tuple[ValidationResult, CleanResult]:
    """Read, validate and clean a study without writing anything, to see what needs a person
    before a run (``pkm-eval validate``).

    Raises
    ------
    InputError
        As :func:`analyse` does: unreadable exports, a column that cannot identify people,
        too many bad rows, or nobody who answered before and after.
    """
    _, validated, cleaned = prepared(study)
    return validated, cleaned


def require_pairs(cleaned: CleanResult, study: Study) -> None:
    """A pre/post evaluation without a single participant in both waves cannot go on; a
    try-out has one wave, so nothing to pair."""
    if study.is_tryout:
        return
    # Integer keys: isin on a million text codes hashes them one Python object at a time.
    keys, _ = pd.factorize(cleaned.responses["participant_code"])
    wave = cleaned.responses["wave"]
    pre, post = keys[wave.eq("pre").to_numpy()], keys[wave.eq("post").to_numpy()]
    if not np.isin(post, pre).any():
        raise InputError(
            [Problem("no_pairs", file=str(study.source))],
            "No participant answered both before and after",
        )


# --------------------------------------------------------------------------- needs a person


@dataclass(frozen=True)
class Attention:
    """One thing in a run (or a check) that needs a person: how many, and where to look.

    Attributes
    ----------
    key
        What it is: ``id_fallback``, ``match_review``, ``near_miss``, ``duplicate_conflict``,
        ``timestamps``, ``short_rows``, ``quarantine`` (``needs_<key>`` in
        ``resources/console.yaml``).
    count
        How many.
    file
        The file to open; None: the problems the command listed.
    after_run
        True when the file is written by ``pkm-eval run`` (a check writes nothing).
    details
        Other values the sentence names.
    """

    key: str
    count: int
    file: str | None
    after_run: bool = False
    details: dict[str, object] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        """The sentence, in ``"id"`` or ``"en"``."""
        where = self.file if self.file is not None else phrase("listed_above", language)
        if self.after_run:
            where = phrase("after_run", language, file=where)
        return phrase(f"needs_{self.key}", language, n=self.count, file=where, **self.details)


def needs_a_person(
    study: Study,
    validated: ValidationResult,
    cleaned: CleanResult | None,
    *,
    bundle_dir: Path | None = None,
) -> list[Attention]:
    """What needs a person after a run (``bundle_dir`` given) or a check (None): an id
    column replaced, name pairs and near-miss student numbers awaiting a decision, duplicate
    submissions that may be two people, unreadable times, short rows and quarantined rows,
    each with the file to open."""
    problems = [*validated.problems, *(cleaned.warnings if cleaned else ())]
    listed = None if bundle_dir is None else str(bundle_dir / "problems.csv")
    found = []
    for problem in (p for p in problems if p.code == "id_fallback"):
        details = {k: problem.details[k] for k in ("chosen", "reasons")} | {
            "column": problem.column
        }
        found.append(Attention("id_fallback", 1, str(study.source), details=details))
    if cleaned is not None:
        review = str((bundle_dir or _default_bundle(study)) / "match_review.csv")
        status = cleaned.review["status"].astype(str)
        counts = {
            "match_review": int(status.eq(STATUS["proposed"]).sum()),
            "near_miss": int(status.str.startswith(NEAR_MISS_STATUS).sum()),
        }
        found += [Attention(k, n, review, bundle_dir is None) for k, n in counts.items() if n]
    counts = {
        "duplicate_conflict": sum(p.code == "duplicate_conflict" for p in problems),
        "timestamps": sum(
            int(p.details["count"]) for p in problems if p.code == "timestamps_unreadable"
        ),
        "short_rows": sum(p.code == "row_short" for p in problems),
    }
    found += [Attention(k, n, listed) for k, n in counts.items() if n]
    if len(validated.quarantine):
        where = None if bundle_dir is None else str(bundle_dir / "quarantine.csv")
        found.append(Attention("quarantine", len(validated.quarantine), where))
    return found


def _default_bundle(study: Study) -> Path:
    return output_roots(study.source)[0] / study.program.id
