"""Rendering the reports of a bundle: the technical report's notebook executed and converted to
HTML, the funder summary (a one-page brief, its PDF and workbook, written by the package) and
the article kit.

The notebooks in ``notebooks/`` only read the bundle and display it. papermill executes them
with explicit, validated parameters and an explicit kernel; nbconvert turns the executed notebook
into self-contained HTML without code cells; :mod:`pipeline.bundle.files` writes the files.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from pipeline.bundle.files import atomic_write_text, clear_stale_temp
from pipeline.bundle.read import load_bundle
from pipeline.errors import Problem, ReportError
from pipeline.reports.article import write_article_kit
from pipeline.reports.brief import print_pdf, write_funder_summary
from pipeline.reports.summary import write_funder_xlsx

__all__ = [
    "KERNEL_NAME",
    "NOTEBOOKS",
    "notebook_dir",
    "render_notebook",
    "render_reports",
]

log = logging.getLogger(__name__)

#: The Jupyter kernel the Makefile installs into the virtual environment.
KERNEL_NAME = "pkm-eval"
#: Notebook file to the report file it produces.
NOTEBOOKS = {"technical_report.ipynb": "report.html"}
_PARAMETERS = {"bundle_dir": str, "language": str}


def notebook_dir() -> Path:
    """Where the report notebooks live (``PKM_EVAL_NOTEBOOKS`` overrides)."""
    override = os.environ.get("PKM_EVAL_NOTEBOOKS")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "notebooks"


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
            # Every output is in once the last cell has finished (nbclient waits for each
            # cell's outputs): a graceful shutdown would only have the kernel tear down its
            # interpreter (pandas, matplotlib), about a second and 0.6 s of CPU for nothing
            shutdown_kernel="immediate",
        )
    except PapermillExecutionError as exc:
        detail = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        raise ReportError(
            [Problem("report_failed", file=notebook.name, value=detail)], "A report notebook failed"
        ) from None


#: JupyterLab's HTML layout without the math typesetter: user text such as ``$x$`` or
#: ``\(x\)`` shows as typed instead of being typeset (and no script is fetched to do it).
_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "report_html" / "report.html.j2"


def to_html(executed: nbformat.NotebookNode, title: str | None = None, language: str = "id") -> str:
    """Self-contained HTML of an executed notebook, code cells hidden, no math typesetting;
    the page's ``<title>`` is ``title`` (the template escapes it), else nbconvert's "Notebook",
    and its ``lang`` the report's ``language`` (screen readers and hyphenation follow it)."""
    from nbconvert import HTMLExporter

    if title:
        executed.metadata["title"] = title

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        template_file=str(_TEMPLATE),
        language_code=language,
    )
    body, _ = exporter.from_notebook_node(executed)
    return body


def _execute_notebooks(parameters: dict[str, object]) -> dict[str, nbformat.NotebookNode]:
    """Each report notebook executed, by the report file it becomes."""
    return {
        target: render_notebook(notebook_dir() / name, parameters)
        for name, target in NOTEBOOKS.items()
    }


def render_reports(bundle_dir: Path, report_dir: Path, *, language: str = "id") -> Path:
    """Render every report notebook for a bundle into ``report_dir``, and the funder summary,
    its workbook and the article kit beside them; return report.html's path.

    The notebooks' kernel and the browser that prints the PDF run in processes of their own:
    while they work, this process writes the files the package makes from the bundle (two
    threads only wait for them)."""
    # What the kernel's thread imports is imported before it starts: matplotlib, drawing
    # here meanwhile, would otherwise call into an IPython that thread half imported
    import IPython  # noqa: F401
    import papermill  # noqa: F401

    parameters = {"bundle_dir": str(Path(bundle_dir).resolve()), "language": language}
    clear_stale_temp(report_dir)
    bundle = load_bundle(bundle_dir)  # once, for the pages the package writes itself
    title = str(bundle.results["program"]["title"])  # every page's <title>
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pkm-eval-wait") as waiting:
        running = waiting.submit(_execute_notebooks, parameters)
        brief = write_funder_summary(bundle, report_dir, language, pdf=False)
        printing = waiting.submit(print_pdf, brief, brief.with_suffix(".pdf"))
        write_funder_xlsx(bundle, report_dir / "funder_summary.xlsx", language)
        write_article_kit(bundle, report_dir / "article")
        printing.result()
        try:
            executed = running.result()
        except BaseException:
            # The pages above were written from the new bundle: a report left from an earlier
            # run beside them would read as theirs, so it goes with the failed one
            for target in NOTEBOOKS.values():
                (report_dir / target).unlink(missing_ok=True)
            raise
    written = []
    for target, notebook in executed.items():
        atomic_write_text(report_dir / target, to_html(notebook, title, language))
        written.append(report_dir / target)
    return written[0]
