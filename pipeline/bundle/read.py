"""Reading a results bundle back: the one loader that notebooks, report writers and the
portfolio use. Personal tables are never loaded."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.bundle.catalog import TABLES, public_tables
from pipeline.errors import Problem, ReportError

__all__ = ["Bundle", "is_whole", "load_bundle"]


@dataclass(frozen=True)
class Bundle:
    """A results bundle read back from ``data/processed/<study>/`` (personal tables excluded)."""

    folder: Path
    tables: dict[str, pd.DataFrame]
    results: dict[str, Any]
    manifest: dict[str, Any]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def has(self, name: str) -> bool:
        """Whether the bundle holds the table (a program part's table only when declared)."""
        return name in self.tables


def _status(folder: Path) -> dict[str, Any]:
    path = folder / "status.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def is_whole(folder: str | Path) -> bool:
    """Whether the bundle holds every table of its run, not only a portfolio's."""
    return "only_tables" not in _status(Path(folder))


def load_bundle(folder: str | Path, *, tables: Iterable[str] | None = None) -> Bundle:
    """Read every table a report may read (see :mod:`pipeline.bundle.catalog`), with
    ``results.json`` and ``manifest.json``; only the named ``tables`` when given (a portfolio
    of thousands of programs reads just the scores).

    Raises
    ------
    ReportError
        When the bundle's last run failed or did not finish (its tables may not belong to
        the current inputs), or when it holds only a portfolio's tables and others are
        asked for.
    """
    folder = Path(folder)
    status = _status(folder)
    if status.get("status") != "complete":
        raise ReportError(
            [Problem("bundle_failed", file=str(folder))],
            "The last run of this study failed; its bundle is not complete",
        )
    if "only_tables" in status and (
        tables is None or not set(tables) <= set(status["only_tables"])
    ):
        raise ReportError(
            [Problem("bundle_partial", file=str(folder))],
            "This bundle holds only a portfolio's tables",
        )
    results = json.loads((folder / "results.json").read_text("utf-8"))
    # A part's table counts only when this run wrote it: a part removed from the study file
    # may have left its table from an earlier run.
    written = set(results.get("extras", {}).get("tables", []))
    # Likewise a design table (a try-out's, a follow-up's) only when this run's design has it.
    designed = set(results.get("design", {}).get("tables", []))
    wanted = public_tables() if tables is None else [n for n in public_tables() if n in tables]
    found = {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in wanted
        if (folder / f"{name}.parquet").exists()
        and (not TABLES[name].part or name in written)
        and (not TABLES[name].design or name in designed)
    }
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    return Bundle(folder, found, results, manifest)
