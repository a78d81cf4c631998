"""The portfolio's outputs: its bundle (tables and ``portfolio.json``), the forest plots and
the HTML and XLSX report. Program-level numbers only: no personal data."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline.bundle import files
from pipeline.portfolio.pool import PortfolioResult
from pipeline.reports.figures import literal_text
from pipeline.reports.render import notebook_dir, render_notebook, to_html
from pipeline.stages.pairs import MIN_PAIRS

#: The tables of a portfolio bundle (besides portfolio.json): no personal data.
PORTFOLIO_TABLES = ("programs", "pooled", "subgroups")

__all__ = [
    "PORTFOLIO_TABLES",
    "forest_figure",
    "load_portfolio",
    "not_pooled",
    "not_pooled_table",
    "report_words",
    "write_portfolio",
    "write_portfolio_reports",
]


@cache
def report_words(language: str) -> dict[str, Any]:
    """The portfolio report's words (resources/portfolio_text.yaml) in one language."""
    text = resources.files("pipeline.resources").joinpath("portfolio_text.yaml")
    return yaml.safe_load(text.read_text("utf-8"))[language]


#: The languages a failed program's reasons are kept in: the programs table holds both
#: (``problems`` in English, ``problems_id`` in Indonesian), so each report reads its own.
REASON_LANGUAGES = {"en": "problems", "id": "problems_id"}


def reasons(key: str, **values: Any) -> dict[str, str]:
    """The report's sentence ``key`` filled with ``values``, by the programs table's column
    for each language (see :data:`REASON_LANGUAGES`)."""
    return {
        column: report_words(language)[key].format(**values)
        for language, column in REASON_LANGUAGES.items()
    }


def load_portfolio(
    folder: Path,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A portfolio bundle read back: ``portfolio.json`` and the programs, pooled and
    subgroups tables."""
    summary = json.loads((folder / "portfolio.json").read_text("utf-8"))
    tables = [pd.read_parquet(folder / f"{name}.parquet") for name in PORTFOLIO_TABLES]
    return summary, *tables


def write_portfolio(result: PortfolioResult, folder: Path) -> None:
    """The portfolio bundle: its tables (CSV and parquet) and ``portfolio.json``. No personal
    data: program-level facts and numbers only."""
    programs = result.programs.drop(columns=["study_file"])
    ok = result.programs["status"].eq("ok")
    summary = {
        "settings": result.settings,
        "programs": len(result.programs),
        "programs_ok": int(ok.sum()),
        "programs_failed": int((~ok).sum()),
        "programs_not_pooled": int(not_pooled(result.programs).sum()),
        "programs_reused": int(result.programs["reused"].fillna(False).astype(bool).sum()),
        "enrolled": int(pd.to_numeric(result.programs["enrolled"], errors="coerce").sum()),
        "completed": int(pd.to_numeric(result.programs["completed"], errors="coerce").sum()),
    }
    with files.staged_folder(folder) as staging:  # all tables from one run, or the last run's
        files.write_table(staging, "programs", programs)
        files.write_table(staging, "pooled", result.pooled)
        files.write_table(staging, "subgroups", result.subgroups)
        files.write_json(staging / "portfolio.json", summary)
        files.write_json(staging / "status.json", {"status": "complete"})


@literal_text
def forest_figure(programs: pd.DataFrame, pooled: pd.Series, *, language: str = "id", top=40):
    """Forest plot of one design: each program's change with its CI (square sized by its
    random-effects weight), the pooled estimate as a diamond and its prediction interval.
    Beyond ``top`` programs only the ``top`` largest are drawn; the pooled row uses all."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    part = programs.dropna(subset=["yi"]).copy()
    part["weight"] = 1 / (part["vi"] + float(pooled["tau2"]))
    shown = part.nlargest(top, "weight").sort_values("yi") if len(part) > top else part
    shown = shown.sort_values("yi")
    height = 1.2 + 0.28 * (len(shown) + 2)
    figure, axis = plt.subplots(figsize=(7.5, height))
    y = np.arange(len(shown))[::-1] + 2
    sizes = 20 + 180 * shown["weight"] / shown["weight"].max()
    axis.hlines(y, shown["ci_low"], shown["ci_high"], color="#555555", linewidth=1)
    axis.scatter(shown["yi"], y, s=sizes, marker="s", color="#0072B2", zorder=3)
    est, low, high = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    axis.fill([low, est, high, est], [0.5, 0.8, 0.5, 0.2], color="#D55E00", zorder=3)
    if np.isfinite(pooled.get("pi_low", np.nan)):
        axis.hlines(0.5, pooled["pi_low"], pooled["pi_high"], color="#D55E00", linewidth=1)
    axis.axvline(0, color="black", linewidth=0.8)
    labels = list(shown["program_id"])
    pooled_label = "Gabungan (RE)" if language == "id" else "Pooled (RE)"
    axis.set_yticks([*y, 0.5], [*labels, pooled_label], fontsize=7)
    axis.set_xlabel(
        "Perubahan terstandar (SMCR) dan 95% CI"
        if language == "id"
        else "Standardized mean change (SMCR) with 95% CI"
    )
    if len(part) > top:
        note = (
            f"{top} dari {len(part)} program dengan bobot terbesar"
            if language == "id"
            else f"the {top} of {len(part)} programs with the largest weights"
        )
        axis.set_title(note, fontsize=8)
    axis.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def not_pooled(programs: pd.DataFrame) -> pd.Series:
    """Which programs were analysed but have no effect to pool (``not_pooled_reason`` says
    why): the one definition the bundle, the report, the workbook and the CLI count by."""
    return programs["status"].eq("ok") & programs["design"].eq("none")


def not_pooled_table(programs: pd.DataFrame, language: str) -> pd.DataFrame:
    """The programs analysed but left out of pooling, each with its reason in words."""
    words = report_words(language)["not_pooled_reasons"]
    part = programs[not_pooled(programs)]
    reasons = [
        words[code].format(n=int(n), min=MIN_PAIRS) if code in words else ""
        for code, n in zip(part["not_pooled_reason"], part["n_treatment"], strict=True)
    ]
    return pd.DataFrame(
        {"program_id": part["program_id"], "title": part["title"], "reason": reasons}
    ).fillna("")


def failed_table(programs: pd.DataFrame, language: str) -> pd.DataFrame:
    """The programs that could not be evaluated, with their reasons in ``language`` under
    that language's headings (a bundle written before the Indonesian reasons were kept
    gives its English ones)."""
    column = REASON_LANGUAGES.get(language, "problems")
    if column not in programs:
        column = "problems"
    failed = programs[programs["status"].ne("ok")]
    headings = report_words(language)["failed_columns"]
    return pd.DataFrame(
        {
            headings["program_id"]: failed["program_id"].fillna(""),
            headings["title"]: failed["title"].fillna(""),
            headings["problems"]: failed[column].fillna(""),
        }
    )


def write_portfolio_reports(bundle_dir: Path, report_dir: Path, *, language: str = "id") -> Path:
    """portfolio.html (papermill notebook, code hidden), portfolio.xlsx and the forest plots."""
    _, programs, pooled, subgroups = load_portfolio(bundle_dir)
    for row in pooled.itertuples():
        figure = forest_figure(
            programs[programs["design"].eq(row.design) & programs["status"].eq("ok")],
            pd.Series(row._asdict()),
            language=language,
        )
        for folder in (bundle_dir, report_dir):  # the notebook embeds the bundle's copy
            files.write_figure(folder / f"forest_{row.design}", figure)
        import matplotlib.pyplot as plt

        plt.close(figure)
    failed = failed_table(programs, language)
    sheets = {"programs": programs, "pooled": pooled, "subgroups": subgroups, "failed": failed}
    sheets["not_pooled"] = not_pooled_table(programs, language)
    files.write_xlsx(report_dir / "portfolio.xlsx", sheets)
    parameters = {"bundle_dir": str(Path(bundle_dir).resolve()), "language": language}
    executed = render_notebook(notebook_dir() / "portfolio_report.ipynb", parameters)
    page = to_html(executed, report_words(language)["title"], language)
    files.atomic_write_text(report_dir / "portfolio.html", page)
    return report_dir / "portfolio.html"
