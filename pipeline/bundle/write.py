"""Writing the results bundle: every table and fact a report needs, from one analysis.

``write`` puts into ``data/processed/<study>/`` the tables of :mod:`pipeline.bundle.catalog`
(CSV and parquet; personal tables too, which no report reads), ``results.json`` (facts and
headline numbers), ``manifest.json`` (input hashes, versions, the resolved configuration) and
``status.json``. A failed run leaves ``problems`` and a status marking older tables as stale.
A portfolio's bundle may hold only the tables the portfolio reads (``PORTFOLIO_READS``); its
status names them, and the loader refuses to read it as a whole bundle.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import platform
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.bundle import files
from pipeline.bundle.catalog import TABLES, part_tables
from pipeline.config import Study
from pipeline.config.instrument import KINDS
from pipeline.errors import problems_frame
from pipeline.stages.matching import STATUS
from pipeline.stages.pairs import VALUE_COLUMN
from pipeline.stages.read import file_digests
from pipeline.stages.result import Analysis

__all__ = [
    "PORTFOLIO_READS",
    "instrument_digest",
    "manifest",
    "results",
    "tables",
    "write",
    "write_problems",
]

#: The tables a portfolio reads from each study's bundle (beside results and manifest).
PORTFOLIO_READS = ("scores",)

_PACKAGES = (
    "pkm-eval",
    "pandas",
    "numpy",
    "scipy",
    "pingouin",
    "pandera",
    "pydantic",
    "rapidfuzz",
    "papermill",
    "nbconvert",
    "matplotlib",
    "seaborn",
)


def tables(analysis: Analysis, *, only: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """All tables of the bundle by name, personal ones included, in catalogue order; a
    program part's tables only when the study declares the part. With ``only``, just those
    tables (a portfolio's): the problems' table, the one made here rather than taken from the
    analysis, is then not made for nothing (about a millisecond of each portfolio study)."""
    cleaned, compared, scored = analysis.cleaned, analysis.compared, analysis.scored
    wanted = None if only is None else set(only)
    found = {
        "ledger": cleaned.ledger,
        "quarantine": analysis.validated.quarantine,
        "attrition": cleaned.attrition,
        "careless": cleaned.careless,
        "sources": analysis.ingested.sources,
        "responses": scored.keyed,
        "scores": scored.scores,
        "reliability": scored.reliability,
        "items": scored.items,
        "categories": scored.categories,
        "category_schemes": scored.category_schemes,
        "category_shift": scored.category_shift,
        "gain": scored.gain,
        "gain_summary": scored.gain_summary,
        "descriptives": compared.descriptives,
        "normality": compared.normality,
        "tests": compared.tests,
        "effects": compared.effects,
        "changes": compared.changes,
        "power": compared.power,
        "ancova": compared.ancova,
        "mixed_anova": compared.mixed_anova,
        "gain_comparison": compared.gain_comparison,
        "subgroups": compared.subgroups,
        **_design_tables(analysis),
        "participant_key": cleaned.key,
        "matches": cleaned.matches,
        "match_review": cleaned.review,
        **analysis.parts.tables,
        **analysis.parts.personal,
    }
    if wanted is None or "problems" in wanted:
        problems = [*analysis.validated.problems, *cleaned.warnings, *analysis.parts.problems]
        found["problems"] = problems_frame(problems)
    return {
        name: found[name] for name in TABLES if name in found and (wanted is None or name in wanted)
    }


def _design_tables(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The tables the study's design and outcomes produced (only those with rows)."""
    scored = analysis.scored
    found = {
        "test_items": scored.test_items,
        "test_distractors": scored.distractors,
        "test_summary": scored.test_summary,
        "tryout_items": scored.tryout_items,
        "tryout_scales": scored.tryout_scales,
        **analysis.compared.extra,
        "sensitivity": analysis.sensitivity,
    }
    return {name: frame for name, frame in found.items() if name in TABLES and len(frame)}


def _flow(analysis: Analysis) -> dict[str, Any]:
    ledger = analysis.cleaned.ledger
    responses = analysis.cleaned.responses
    matches = analysis.cleaned.matches
    per_wave_group = responses.groupby(["wave", "group"]).size()
    return {
        "input_rows": len(ledger),
        "input_rows_by_wave": ledger.groupby("wave").size().to_dict(),
        "outcomes": ledger["outcome"].value_counts().sort_index().to_dict(),
        "participants": int(responses["participant_code"].nunique()),
        "respondents_by_wave_group": {f"{w}|{g}": int(n) for (w, g), n in per_wave_group.items()},
        "matched_exact": int((matches["method"] == "exact").sum()),
        "matched_fuzzy": int((matches["method"] == "fuzzy").sum()),
        "matched_review": int((matches["method"] == "review").sum()),
        "review_proposed": int((analysis.cleaned.review["status"] == STATUS["proposed"]).sum()),
        "careless_flagged": int(analysis.cleaned.careless["flagged"].sum()),
        "careless_excluded": int(analysis.cleaned.careless["excluded"].sum()),
        "reach": reach(analysis.cleaned.attrition),
    }


def reach(attrition: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per group of the attrition table: who answered before (``started``), after
    (``completed``), both (``both``), and before but not after (``lost``). The one reading of
    the table's wave patterns ("pre+post", "pre only", ...) that reports use."""
    found = {}
    for group, rows in attrition.groupby("group", sort=False):
        waves = rows["pattern"].str.removesuffix(" only").str.split("+")
        pre = waves.map(lambda w: "pre" in w).to_numpy(dtype=bool)
        post = waves.map(lambda w: "post" in w).to_numpy(dtype=bool)
        n = rows["n"].to_numpy()
        started, both = int(n[pre].sum()), int(n[pre & post].sum())
        completed = int(n[post].sum())
        found[str(group)] = {"started": started, "completed": completed, "both": both,
                             "lost": started - both}  # fmt: skip
    return found


def _instrument(analysis: Analysis) -> dict[str, Any]:
    instrument = analysis.study.instrument_spec
    scale = instrument.response_scale
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title.model_dump(),
        "n_items": len(instrument.items),
        "n_reverse": sum(item.reverse for item in instrument.items),
        "kinds": {kind: len(instrument.items_of(kind)) for kind in KINDS},
        "test_omitted": instrument.test.omitted,
        "response_scale": {"min": scale.min, "max": scale.max} if scale else None,
        "scales": [_scale_facts(s, instrument) for s in instrument.all_scales],
        # Figures label items by what participants read, in the report's language.
        "item_texts": {
            item.id: {"id": item.text.get("id"), "en": item.text.get("en")}
            for item in instrument.items
        },
    }


def _scale_facts(scale, instrument) -> dict[str, Any]:
    """A scale's name, size, outcome kind and the range of the score its comparisons use:
    the response scale (a Likert mean), 0-100 (a test's percentage) or the sum's range."""
    kind = instrument.scale_kind(scale)
    if kind == "likert":
        low, high = instrument.response_scale.min, instrument.response_scale.max
    elif kind == "test":
        low, high = 0, 100
    else:
        low, high = instrument.scale_range(scale)
    facts = {"id": scale.id, "name": scale.name.model_dump(), "n_items": len(scale.items)}
    facts |= {"kind": kind, "column": VALUE_COLUMN[kind], "min": low, "max": high}
    if kind == "test":
        facts["max_points"] = instrument.scale_range(scale)[1]
    return facts


def _answered_roles(analysis: Analysis) -> set[str]:
    """The roles (treatment, control) of the arms someone answered in."""
    roles = analysis.study.roles()
    groups = analysis.cleaned.responses["group"].unique()  # not a Python object per row
    return {roles.get(g, "treatment") for g in groups}


def _has_control(analysis: Analysis) -> bool:
    """A control group counts when someone in it answered, not when it is only declared."""
    return "control" in _answered_roles(analysis)


def _tryout_limits(analysis: Analysis) -> list[dict[str, Any]]:
    limits: list[dict[str, Any]] = [{"code": "tryout"}]
    scales = analysis.scored.tryout_scales
    smallest = int(scales["n"].min()) if len(scales) else 0
    if smallest < 30:
        limits.append({"code": "tryout_small_n", "n": smallest})
    if analysis.study.instrument_spec.items_of("likert"):
        limits.append({"code": "self_report"})
    return limits


def _limits(analysis: Analysis) -> list[dict[str, Any]]:
    """The design's limits as codes with numbers; the report words them."""
    if analysis.study.is_tryout:
        return _tryout_limits(analysis)
    limits: list[dict[str, Any]] = []
    if not _has_control(analysis):
        limits.append({"code": "no_control"})
    if analysis.study.groups and "treatment" not in _answered_roles(analysis):
        limits.append({"code": "no_treatment"})
    counts = reach(analysis.cleaned.attrition)
    pooled = counts.get("all") or next(iter(counts.values()), {"started": 0, "lost": 0})
    started, lost = pooled["started"], pooled["lost"]
    if started and lost:
        limits.append(
            {"code": "attrition", "lost": lost, "started": started, "share": lost / started}
        )
    tests = analysis.compared.tests
    smallest = int(tests["n"].min()) if len(tests) else 0
    if smallest < 30:
        limits.append({"code": "small_n", "n": smallest})
    normality = analysis.compared.normality
    differences = normality[normality["target"] == "difference"]
    failed = differences[differences["p_value"] < analysis.study.analysis.alpha]
    if len(failed):
        limits.append({"code": "nonnormal", "n": len(failed), "total": len(differences)})
    ancova = analysis.compared.ancova
    arms = analysis.compared.extra.get("arms_anova")
    if arms is not None:  # one slopes check per outcome, repeated on its two rows
        ancova = arms.drop_duplicates("outcome")
    if len(ancova) and "slopes_p_value" in ancova:
        unequal = ancova[ancova["slopes_p_value"] < analysis.study.analysis.alpha]
        if len(unequal):
            limits.append({"code": "unequal_slopes", "n": len(unequal)})
    fuzzy = int((analysis.cleaned.matches["method"] == "fuzzy").sum())  # not the whole flow
    if fuzzy:
        limits.append({"code": "fuzzy_matches", "n": fuzzy})
    if analysis.study.instrument_spec.items_of("likert"):
        limits.append({"code": "self_report"})
    return limits


def results(analysis: Analysis, *, limits: bool = True) -> dict[str, Any]:
    """Facts and settings for the reports (no personal data, no timestamps).

    A portfolio's bundle (``limits`` False) states no limits: its analysis stopped at the
    scores (:mod:`pipeline.portfolio.analysis`), and the limits read the comparisons."""
    study = analysis.study
    return {
        "program": study.program.model_dump(mode="json"),
        "language": study.report.language,
        "design": _design(analysis),
        "instrument": _instrument(analysis),
        "primary_scale": study.primary_scale(),
        "primary_effect": study.primary_effect(),
        "flow": _flow(analysis),
        "scoring": analysis.scored.rule,
        "analysis": study.analysis.model_dump(mode="json"),
        "categories": study.categories.model_dump(mode="json"),
        "targets": study.targets.model_dump(mode="json"),
        **({"limits": _limits(analysis)} if limits else {}),
        **({"extras": _parts_facts(analysis)} if analysis.parts.tables else {}),
    }


def _design(analysis: Analysis) -> dict[str, Any]:
    """The design's facts: waves, arms and their roles, the declared hypothesis, the
    sensitivity variants and which design tables this run wrote."""
    study = analysis.study
    arms = study.groups.declared() if study.groups else []
    facts = {
        "has_control": _has_control(analysis),
        "waves": list(study.waves.named()),
        "group_labels": study.groups.label_to_group() if study.groups else {},
    }
    facts |= {
        "kind": "tryout" if study.is_tryout else "program",
        "arms": [
            {"name": a.name, "role": a.role, "title": a.title.model_dump() if a.title else None}
            for a in arms
        ],
        "classic": bool(study.groups and study.groups.classic),
        "hypothesis": study.analysis.hypothesis.model_dump(mode="json"),
        "prior_scale": study.analysis.prior_scale(),
        "sensitivity": [{"name": v.name, "changes": v.changes()} for v in study.sensitivity],
        "tables": list(_design_tables(analysis)),
    }
    return facts


def _parts_facts(analysis: Analysis) -> dict[str, Any]:
    """Facts of the program parts, and which of their tables a report may read."""
    facts = dict(analysis.parts.facts)
    facts["tables"] = [name for name in part_tables() if name in analysis.parts.tables]
    facts["personal_tables"] = [
        name for name in part_tables(personal=True) if name in analysis.parts.personal
    ]
    return facts


def instrument_digest(study: Study) -> str:
    """SHA-256 of the resolved instrument codebook (what the manifest records)."""
    codebook = study.instrument_spec.model_dump_json().encode("utf-8")
    return hashlib.sha256(codebook).hexdigest()


def manifest(analysis: Analysis) -> dict[str, Any]:
    """What produced this bundle: inputs (hashed), software versions and configuration."""
    study = analysis.study
    return {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "study_file": str(study.source),
        "inputs": {
            wave: {"file": str(analysis.ingested.files[wave]), "sha256": digest}
            for wave, digest in analysis.ingested.hashes.items()
        },
        "other_inputs": file_digests(study.other_input_paths()),
        "instrument_sha256": instrument_digest(study),
        "python": platform.python_version(),
        "packages": _versions(),
        "config": study.model_dump(mode="json"),
    }


def _versions() -> dict[str, str | None]:
    """The installed versions of the packages a bundle depends on (a fresh dict per manifest)."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str | None], ...]:
    """Looked up once per process: each look-up scans the installed distributions, and a
    portfolio writes thousands of manifests."""
    found = []
    for name in _PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, None))
    return tuple(found)


def write_problems(problems, folder: Path) -> None:
    """What a failed run leaves: a status that marks any older tables in the folder as not
    belonging to these inputs (written first, so no loader reads them after this point), then
    ``problems.csv``/``.parquet``."""
    files.write_json(folder / "status.json", {"status": "failed", "problems": len(problems)})
    files.write_table(folder, "problems", problems_frame(problems))


def write(analysis: Analysis, folder: Path, *, only: Iterable[str] | None = None) -> None:
    """Write the whole bundle into ``folder`` at once: every table, ``results.json``, the
    manifest and the status are staged beside it and replace the previous bundle together
    (:func:`pipeline.bundle.files.staged_folder`); a run stopped part-way leaves the previous
    bundle whole.

    Parameters
    ----------
    only
        Write just these tables (a portfolio's ``PORTFOLIO_READS``), as parquet only, and
        ``results.json`` without the limits; the status then names the tables, so the bundle
        is never read as a whole one.

    Raises
    ------
    OutputError
        When the folder cannot be written; the previous bundle is unchanged.
    """
    made = tables(analysis, only=only)
    status: dict[str, Any] = {"status": "complete"}
    if only is not None:
        status["only_tables"] = list(made)
    facts, made_by = results(analysis, limits=only is None), manifest(analysis)
    # A portfolio's tables are read by the portfolio only: parquet, without the CSV for people.
    write_table = files.write_table if only is None else files.write_parquet
    with files.staged_folder(folder) as staging:
        for name, frame in made.items():
            write_table(staging, name, frame)
        files.write_json(staging / "results.json", facts)
        files.write_json(staging / "manifest.json", made_by)
        files.write_json(staging / "status.json", status)
