"""Report: execute the report notebooks on a results bundle and convert them to HTML.

The notebooks in ``notebooks/`` only read the bundle and display it. papermill executes them
with explicit, validated parameters and an explicit kernel; nbconvert turns the executed notebook
into self-contained HTML without code cells; the outputs module writes the files.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import nbformat
import pandas as pd
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from pipeline import outputs
from pipeline.errors import Problem, ReportError

__all__ = ["KERNEL_NAME", "NOTEBOOKS", "notebook_dir", "render_notebook", "render_reports"]

log = logging.getLogger(__name__)

#: The Jupyter kernel the Makefile installs into the virtual environment.
KERNEL_NAME = "pkm-eval"
#: Notebook file to the report file it produces.
NOTEBOOKS = {"technical_report.ipynb": "report.html", "funder_summary.ipynb": "funder_summary.html"}
_PARAMETERS = {"bundle_dir": str, "language": str}


def notebook_dir() -> Path:
    """Where the report notebooks live (``PKM_EVAL_NOTEBOOKS`` overrides)."""
    override = os.environ.get("PKM_EVAL_NOTEBOOKS")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "notebooks"


def _kernel_name() -> str:
    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        log.warning("Jupyter kernel %r is not installed; using 'python3'", KERNEL_NAME)
        return "python3"
    return KERNEL_NAME


def _check_parameters(parameters: dict[str, object], notebook: Path) -> None:
    # papermill only warns about unknown parameters, so a typo would pass unnoticed.
    problems = [
        Problem("report_failed", file=str(notebook), value=f"unknown parameter {name!r}")
        for name in parameters
        if name not in _PARAMETERS
    ]
    problems += [
        Problem(
            "report_failed", file=str(notebook), value=f"parameter {name!r} must be {kind.__name__}"
        )
        for name, kind in _PARAMETERS.items()
        if not isinstance(parameters.get(name), kind)
    ]
    if problems:
        raise ReportError(problems, "The report notebook was given invalid parameters")


def render_notebook(notebook: Path, parameters: dict[str, object]) -> nbformat.NotebookNode:
    """Execute one notebook with papermill and return the executed notebook (nothing written).

    Raises
    ------
    ReportError
        When a cell fails; the message names the cell and the error.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _check_parameters(parameters, notebook)
    try:
        return papermill.execute_notebook(
            str(notebook),
            None,
            parameters=parameters,
            kernel_name=_kernel_name(),
            progress_bar=False,
            cwd=str(notebook.parent),
            # ipykernel 7 warns on every start that its local TCP sockets are unencrypted,
            # which reads like a security alert to a user; errors still show.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        detail = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        raise ReportError(
            [Problem("report_failed", file=notebook.name, value=detail)], "A report notebook failed"
        ) from None


def to_html(executed: nbformat.NotebookNode) -> str:
    """Self-contained HTML of an executed notebook, code cells hidden."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True
    )
    body, _ = exporter.from_notebook_node(executed)
    return body


def render_reports(bundle_dir: Path, report_dir: Path, *, language: str = "id") -> Path:
    """Render every report notebook for a bundle into ``report_dir``; return report.html's path."""
    parameters = {"bundle_dir": str(Path(bundle_dir).resolve()), "language": language}
    written = []
    for name, target in NOTEBOOKS.items():
        executed = render_notebook(notebook_dir() / name, parameters)
        outputs.atomic_write_text(report_dir / target, to_html(executed))
        written.append(report_dir / target)
    _write_funder_xlsx(bundle_dir, report_dir / "funder_summary.xlsx", language)
    write_article_kit(bundle_dir, report_dir / "article")
    return written[0]


def write_article_kit(bundle_dir: Path, folder: Path) -> None:
    """Tables (DOCX, CSV, Markdown), figures (PNG 300 dpi, SVG) and paragraphs, in Indonesian
    and English, for an article about the study."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline import article

    bundle = outputs.load_bundle(bundle_dir)
    for language in ("id", "en"):
        target = folder / language
        made = article.tables(bundle, language)
        for name, (_, table) in made.items():
            outputs.atomic_write_text(
                target / f"{name}.csv", outputs.neutralize_formulas(table).to_csv(index=False)
            )
            outputs.atomic_write_text(target / f"{name}.md", article.markdown_table(table))
        captions = []
        for name, (figure, caption) in article.figures(bundle, language).items():
            outputs.write_figure(target / name, figure)
            plt.close(figure)
            captions.append(f"{name}: {caption}")
        outputs.atomic_write_text(target / "figure_captions.txt", "\n".join(captions) + "\n")
        paragraphs = [
            ("Results", article.results_paragraph(bundle, language)),
            ("Methods", article.methods_paragraph(bundle, language)),
        ]
        outputs.atomic_write_text(
            target / "paragraphs.md",
            "".join(f"## {heading}\n\n{text}\n\n" for heading, text in paragraphs),
        )
        outputs.write_docx(
            target / "article_tables.docx",
            title=bundle.results["program"]["title"],
            paragraphs=paragraphs,
            tables=list(made.values()),
        )


def _write_funder_xlsx(bundle_dir: Path, path: Path, language: str) -> None:
    """The funder summary's indicators as a workbook (the same table the HTML shows)."""
    from pipeline import present, summary

    bundle = outputs.load_bundle(bundle_dir)
    words = present.texts(language)["funder"]
    table = summary.indicators(bundle, language).rename(
        columns={
            "indicator": words["indicator"],
            "value": words["value"],
            "detail": words["detail"],
        }
    )
    limits = pd.DataFrame({words["limits"]: present.limit_sentences(bundle, language)})
    outputs.write_xlsx(path, {words["title"]: table, words["limits"]: limits})
