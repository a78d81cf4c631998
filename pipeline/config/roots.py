"""Where a study's outputs go by default: the project root above the ``data/raw/`` holding
its study file (or the current folder), then ``data/processed`` and ``reports`` under it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["output_roots"]


def output_roots(study_path: str | Path, *, cwd: Path | None = None) -> tuple[Path, Path]:
    """The folders under which a study's bundle and reports go by default.

    Parameters
    ----------
    study_path
        The study file.
    cwd
        The current folder (default: the process's).

    Returns
    -------
    tuple of Path
        ``<root>/data/processed`` and ``<root>/reports``, where ``<root>`` is the folder that
        holds the ``data/raw/`` the study file lies in; for a study outside any ``data/raw/``,
        the current folder, or the root above it when the current folder is itself inside a
        ``data/raw/``.
    """
    cwd = (cwd or Path.cwd()).resolve()
    study = (cwd / study_path).resolve()  # an absolute study path stays as it is
    root = _project_root(study.parent) or _project_root(cwd) or cwd
    return root / "data" / "processed", root / "reports"


def _project_root(folder: Path) -> Path | None:
    """The folder above the nearest ``data/raw`` holding ``folder``, or None."""
    for parent in [folder, *folder.parents]:
        if parent.name == "raw" and parent.parent.name == "data":
            return parent.parent.parent
    return None
