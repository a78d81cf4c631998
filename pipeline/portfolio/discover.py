"""Finding a portfolio's studies and deciding which can be reused: every ``study.yaml`` under a
folder, the program ids two studies share, and whether a bundle still belongs to its study's
inputs, instrument, configuration and pkm-eval version."""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.bundle.read import is_whole, load_bundle
from pipeline.bundle.write import instrument_digest
from pipeline.config import Study
from pipeline.config.base import read_yaml
from pipeline.errors import ConfigError, ReportError
from pipeline.portfolio.report import reasons
from pipeline.stages.read import file_digests

__all__ = [
    "discover",
    "duplicate_ids",
    "duplicate_row",
    "failed_row",
    "pkm_eval_version",
    "reusable",
]


def discover(root: Path) -> list[Path]:
    """Every ``study.yaml`` under ``root``, in a stable order."""
    return sorted(Path(root).rglob("study.yaml"))


def pkm_eval_version() -> str:
    """The installed pkm-eval version (what a reusable bundle must have been made with)."""
    try:
        return metadata.version("pkm-eval")
    except metadata.PackageNotFoundError:
        return "unknown"


def reusable(study: Study, bundle_dir: Path, *, whole: bool = False) -> bool:
    """Whether the bundle in ``bundle_dir`` was made from exactly these inputs and settings
    (and, with ``whole``, holds every table, not only the portfolio's)."""
    try:
        manifest = load_bundle(bundle_dir, tables=()).manifest
    except (OSError, ValueError, ReportError):  # no bundle, a broken one, or a failed run
        return False
    if whole and not is_whole(bundle_dir):
        return False
    if manifest.get("packages", {}).get("pkm-eval") != pkm_eval_version():
        return False
    if manifest.get("instrument_sha256") != instrument_digest(study):
        return False
    recorded = {role: f.get("sha256") for role, f in manifest.get("other_inputs", {}).items()}
    current = {role: f["sha256"] for role, f in file_digests(study.other_input_paths()).items()}
    if recorded != current:  # a log, the match review or the aspiration dictionary changed
        return False
    if manifest.get("config") != json.loads(json.dumps(study.model_dump(mode="json"))):
        return False
    inputs = manifest.get("inputs", {})
    for wave, found in file_digests(study.wave_paths()).items():
        recorded = inputs.get(wave, {}).get("sha256")
        if recorded is None or recorded != found["sha256"]:
            return False
    return True


def _declared_program(study_file: Path) -> dict[str, Any]:
    """The ``program:`` mapping a study file declares, read without validating the study
    (a study that cannot be read has none here; its worker reports why). Read by the one safe
    loader: a study file is a user's, and a bomb in one must not stop the portfolio."""
    try:
        data = read_yaml(study_file, "study file")
    except (OSError, ConfigError):
        return {}
    program = data.get("program") if isinstance(data, dict) else None
    return program if isinstance(program, dict) else {}


def duplicate_ids(files: list[Path]) -> dict[str, list[Path]]:
    """Program ids declared by more than one study file, with those files.

    The id names a study's bundle and report folders, so two studies with one id would
    overwrite each other's results (concurrently, on a cluster) and never be reused."""
    by_id: dict[str, list[Path]] = defaultdict(list)
    for path in files:
        program_id = _declared_program(path).get("id")
        if isinstance(program_id, str):
            by_id[program_id].append(path)
    return {program_id: paths for program_id, paths in by_id.items() if len(paths) > 1}


def duplicate_row(path: Path, program_id: str, sharing: list[Path]) -> dict[str, Any]:
    """The failed row of a study held back because its program id is not its own."""
    problems = reasons(
        "duplicate_id",
        program_id=program_id,
        count=len(sharing),
        files=", ".join(str(p) for p in sharing),
    )
    return failed_row(path, problems) | {"program_id": program_id}


def failed_row(path: Path, problems: dict[str, str], *, seconds: float = 0.0) -> dict[str, Any]:
    """The portfolio row of a study that gave no row of its own (held back, stopped at its
    time limit, its process lost), named by the id and title its file declares; ``problems``
    gives the reason by column, in each language (:func:`pipeline.portfolio.report.reasons`)."""
    program = _declared_program(path)
    program_id, title = program.get("id"), program.get("title")
    return {
        "study_file": str(path),
        "program_id": program_id if isinstance(program_id, str) else "",
        "title": title if isinstance(title, str) else "",
        "status": "failed",
        "reused": False,
        **problems,
        "seconds": seconds,
    }
