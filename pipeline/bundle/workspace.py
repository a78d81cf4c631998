"""One study's three folders (its exports and study file, its bundle, its reports): writing an
uploaded export or a reviewed match file into the study folder, packing the three folders into
one zip that reruns elsewhere, and removing them."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.bundle import files
from pipeline.stages.read import REVIEW_COLUMNS

__all__ = [
    "EXPORT_SUFFIXES",
    "REVIEW_FILE",
    "StudyFolders",
    "export_name",
    "write_review",
    "zip_files",
]

#: The reviewed name matches the page writes beside the study file.
REVIEW_FILE = "match_review.csv"
#: File types an export (or a program log) may have.
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class StudyFolders:
    """Where one study lives under a project folder ``root``.

    ``raw`` holds the exports and ``study.yaml`` (``data/raw/<name>``), ``processed`` the
    bundle (``data/processed/<program id>``), ``reports`` the reports (``reports/<program
    id>``): the layout ``pkm-eval run`` uses when run from ``root``.
    """

    root: Path
    raw: Path
    processed: Path
    reports: Path

    @classmethod
    def under(cls, root: str | Path, program_id: str, *, raw: Path | None = None) -> StudyFolders:
        """The folders of program ``program_id`` under ``root`` (``raw`` when the study file
        lives elsewhere than ``data/raw/<program id>``)."""
        root = Path(root)
        return cls(
            root=root,
            raw=raw if raw is not None else root / "data" / "raw" / program_id,
            processed=root / "data" / "processed" / program_id,
            reports=root / "reports" / program_id,
        )

    @property
    def study_file(self) -> Path:
        return self.raw / "study.yaml"

    def save_export(self, role: str, name: str, data: bytes) -> Path:
        """Write an uploaded file into the study folder as ``<role><suffix>`` and return its
        path: the user's own file name never chooses where bytes land."""
        path = self.raw / export_name(role, name)
        files.atomic_write_bytes(path, data)
        return path

    def archive(self) -> bytes:
        """The three folders as one zip, paths relative to ``root``, so that unpacking it and
        running ``pkm-eval run data/raw/<name>/study.yaml`` there repeats the analysis.

        It holds the exports (names, contacts): keep it as safely as the exports themselves.
        """
        return zip_files(
            [
                (path, self._inside(path))
                for path in _files_in(self.raw, self.processed, self.reports)
            ]
        )

    def article_kit(self) -> bytes:
        """The article kit (``reports/<id>/article``: both languages) as one zip."""
        article = self.reports / "article"
        return zip_files([(p, p.relative_to(article).as_posix()) for p in _files_in(article)])

    def _inside(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:  # a study file outside the project folder keeps its own layout
            return (Path("data/raw") / self.raw.name / path.relative_to(self.raw)).as_posix()

    def save_review(self, review: pd.DataFrame, study_file: Path) -> Path:
        """Write the reviewed matches as ``match_review.csv`` beside the study file and declare
        it there (``match_review: match_review.csv``) when the study file does not yet."""
        text = study_file.read_text("utf-8")
        declared = re.search(r"^match_review\s*:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(#.*)?$", text, re.M)
        name = declared.group(1).strip() if declared else REVIEW_FILE
        path = study_file.parent / name
        write_review(review, path)
        if not declared:
            note = "# Keputusan pasangan nama / reviewed name matches (pkm-eval app)\n"
            files.atomic_write_text(study_file, f"{text.rstrip()}\n\n{note}match_review: {name}\n")
        return path

    def remove(self) -> list[Path]:
        """Delete the study's exports, study file, bundle and reports; return what was removed."""
        removed = []
        for folder in (self.raw, self.processed, self.reports):
            if folder.is_dir():
                shutil.rmtree(folder)
                removed.append(folder)
        return removed


def _files_in(*folders: Path) -> list[Path]:
    """Every finished file under the folders (temporary files of a running write left out)."""
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".tmp"]
    return found


def zip_files(entries: list[tuple[Path, str]]) -> bytes:
    """Files packed into one zip (in memory), each under the name given with it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in entries:
            archive.write(path, name)
    return buffer.getvalue()


def export_name(role: str, name: str) -> str:
    """The file name an upload is stored under: its role (``pre``, ``post``, ``attendance``)
    and its own suffix when that is an export type, else ``.csv``."""
    stem = re.sub(r"[^a-z0-9_]+", "_", role.lower()).strip("_") or "export"
    suffix = Path(name).suffix.lower()
    return stem + (suffix if suffix in EXPORT_SUFFIXES else ".csv")


def write_review(review: pd.DataFrame, path: Path) -> None:
    """Write a match review file (``wave, name_base, name_other, decision``) that
    :func:`pipeline.stages.read.read_review` reads back; other columns are kept after them."""
    extra = [c for c in review.columns if c not in REVIEW_COLUMNS]
    frame = review[REVIEW_COLUMNS + extra]
    files.atomic_write_bytes(path, files.csv_text(frame))
