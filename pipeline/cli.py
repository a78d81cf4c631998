"""The ``pkm-eval`` command: a thin face over :mod:`pipeline.run`.

Exit status: 0 on success, 1 when the input or configuration is invalid (the problems are
listed), 2 on a usage error (unknown command or option, missing argument).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pipeline.errors import PkmEvalError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evaluate PKM career-guidance programs from their pre/post survey exports.",
)
console = Console(stderr=True)
out = Console()

DEMO_STUDY = Path("data/raw/demo/study.yaml")


class Language(StrEnum):
    """Language of messages."""

    id = "id"
    en = "en"


Lang = Annotated[
    Language, typer.Option("--lang", case_sensitive=False, help="Language of problem messages.")
]


def _print_problems(error: PkmEvalError, language: str) -> None:
    """Each problem on its own line, unwrapped, so paths and values can be copied whole."""
    language = getattr(language, "value", language)
    console.print(f"[bold red]{error.summary}[/]")
    for problem in error.problems[:200]:
        console.print(
            f"- {problem.message(language)}", soft_wrap=True, markup=False, highlight=False
        )
    if len(error.problems) > 200:
        console.print(f"... and {len(error.problems) - 200} more (see problems.csv)")


def _run(study: Path, *, processed: Path, reports: Path, render: bool, language: str) -> None:
    from pipeline import run as flow

    stages = flow.STAGES if render else flow.STAGES[:-1]
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=len(stages))

        def progress(stage: str) -> None:
            bar.update(task, description=stage, completed=stages.index(stage))

        try:
            result = flow.run_study(
                study,
                processed_root=processed,
                reports_root=reports,
                render_report=render,
                progress=progress,
            )
        except PkmEvalError as error:
            bar.stop()
            _print_problems(error, language)
            raise typer.Exit(1) from None
        bar.update(task, description="done", completed=len(stages))
    ledger = result.analysis.cleaned.ledger
    out.print(
        f"[green]Done.[/] {len(ledger)} input rows: "
        + ", ".join(f"{k} {v}" for k, v in ledger["outcome"].value_counts().items())
    )
    out.print(f"Bundle: {result.bundle_dir}")
    if result.report_path:
        out.print(f"Report: {result.report_path}")


StudyArg = Annotated[Path, typer.Argument(help="The study file (study.yaml).")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace files that exist (refused otherwise).")
]
ProcessedOpt = Annotated[Path, typer.Option(help="Folder for results bundles.")]
ReportsOpt = Annotated[Path, typer.Option(help="Folder for reports.")]


@app.command()
def run(
    study: StudyArg,
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: ReportsOpt = Path("reports"),
    report: Annotated[bool, typer.Option(help="Render the HTML report.")] = True,
    lang: Lang = Language.en,
) -> None:
    """Run every stage on a study and write its bundle and reports."""
    _run(study, processed=processed_dir, reports=reports_dir, render=report, language=lang)


@app.command()
def tryout(
    study: StudyArg,
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: ReportsOpt = Path("reports"),
    report: Annotated[bool, typer.Option(help="Render the HTML report.")] = True,
    lang: Lang = Language.en,
) -> None:
    """Analyse an instrument try-out (waves: {tryout: FILE}): r hitung against r tabel,
    valid or gugur, alpha or KR-20 with its CI, difficulty and discrimination. `run` does the
    same for a try-out study; this command also checks that the study is one."""
    from pipeline.config import load_study
    from pipeline.errors import ConfigError, Problem

    try:
        if not load_study(study).is_tryout:
            raise ConfigError([Problem("not_a_tryout", file=str(study), column="waves")])
    except PkmEvalError as error:
        _print_problems(error, lang)
        raise typer.Exit(1) from None
    _run(study, processed=processed_dir, reports=reports_dir, render=report, language=lang)


@app.command()
def validate(study: StudyArg, lang: Lang = Language.en) -> None:
    """Check the study file, instrument and exports; print every problem found."""
    from pipeline.config import load_study
    from pipeline.stages.ingest import ingest
    from pipeline.stages.read import read_inputs
    from pipeline.stages.validate import validate as check

    try:
        loaded = load_study(study)
        result = check(ingest(read_inputs(loaded), loaded), loaded)
    except PkmEvalError as error:
        _print_problems(error, lang)
        raise typer.Exit(1) from None
    n_bad = len(result.quarantine)
    out.print(f"{result.n_input} rows read, {result.n_input - n_bad} valid, {n_bad} quarantined.")
    if result.problems:
        _print_problems(PkmEvalError(result.problems, "Rows that will be quarantined"), lang)


@app.command()
def demo(
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: ReportsOpt = Path("reports"),
) -> None:
    """Run the bundled demo study (data/raw/demo) end to end."""
    if not DEMO_STUDY.is_file():
        console.print(f"[red]{DEMO_STUDY} not found: run this from the pkm-eval folder.[/]")
        raise typer.Exit(2)
    _run(DEMO_STUDY, processed=processed_dir, reports=reports_dir, render=True, language="en")


@app.command()
def examples(
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: ReportsOpt = Path("reports"),
) -> None:
    """Run the bundled example studies (data/raw/examples) end to end: pesantren career
    planning, CBPR with children, a university counseling service, a knowledge test (Google
    Forms quiz), an instrument try-out, and three arms with a follow-up."""
    from pipeline.simulate.examples import EXAMPLES, EXAMPLES_ROOT

    for name in EXAMPLES:
        study = Path(EXAMPLES_ROOT) / name / "study.yaml"
        if not study.is_file():
            console.print(f"[red]{study} not found: run this from the pkm-eval folder.[/]")
            raise typer.Exit(2)
        _run(study, processed=processed_dir, reports=reports_dir, render=True, language="en")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="New study folder to create.")],
    with_example_data: Annotated[
        bool,
        typer.Option(help="Also write simulated pre.csv and post.csv so the study runs at once."),
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Scaffold a study folder: study.yaml, a copy of the bundled instrument, and a README."""
    from pipeline.bundle.files import atomic_write_text, refuse_to_overwrite
    from pipeline.config import builtin_instrument_path
    from pipeline.simulate import survey as simulate

    instrument = builtin_instrument_path("career_awareness_planning")
    wanted = [folder / "study.yaml", folder / instrument.name]
    wanted += [folder / "pre.csv", folder / "post.csv"] if with_example_data else []
    try:
        refuse_to_overwrite(wanted, force=force)
    except PkmEvalError as error:
        _print_problems(error, "en")
        raise typer.Exit(1) from None
    program = {
        **simulate.DEMO_PROGRAM,
        "id": _slug(folder.name),
        "title": "Judul program",
        "partner": "Nama mitra",
        "place": "Tempat",
        "funder": "Penyandang dana",
    }
    if with_example_data:
        simulate.write_study(folder, program=program, force=True)  # checked above
    atomic_write_text(folder / instrument.name, instrument.read_text("utf-8"))
    atomic_write_text(
        folder / "study.yaml",
        simulate.study_yaml(
            program=program, spec=simulate.SimulationSpec(), instrument=instrument.name
        ),
    )
    out.print(
        f"Created {folder}/study.yaml. Put your exports beside it as pre.csv and post.csv "
        f"(or edit 'waves'), check the column names, then: pkm-eval validate "
        f"{folder}/study.yaml"
    )


@app.command()
def simulate(
    folder: Annotated[Path, typer.Argument(help="Folder to write pre.csv, post.csv, study.yaml.")],
    n_treatment: int = 32,
    n_control: int = 28,
    effect: float = 0.45,
    seed: int = 20260721,
    force: ForceOpt = False,
) -> None:
    """Write a simulated messy study (Google Forms, Indonesian locale) for trying pkm-eval.
    Files that exist are never replaced without --force."""
    from pipeline.simulate import survey as sim

    spec = sim.SimulationSpec(
        n_treatment=n_treatment, n_control=n_control, effect=effect, seed=seed
    )
    program = {**sim.DEMO_PROGRAM, "id": _slug(folder.name)}
    try:
        path = sim.write_study(folder, spec=spec, program=program, force=force)
    except PkmEvalError as error:
        _print_problems(error, "en")
        raise typer.Exit(1) from None
    out.print(f"Wrote {path}")


class PoolMethod(StrEnum):
    """Estimator of the between-program variance."""

    REML = "REML"
    DL = "DL"


@app.command()
def portfolio(
    folder: Annotated[Path, typer.Argument(help="Folder searched for study.yaml files.")],
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: ReportsOpt = Path("reports"),
    workers: Annotated[int, typer.Option(min=1, help="Local Dask worker processes.")] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of an existing Dask scheduler (tcp://host:8786).")
    ] = None,
    method: Annotated[PoolMethod, typer.Option(help="tau² estimator.")] = PoolMethod.REML,
    hk: Annotated[bool, typer.Option("--hk", help="Hartung-Knapp adjustment.")] = False,
    study_reports: Annotated[
        bool, typer.Option(help="Also render each study's HTML reports (slow).")
    ] = False,
    reuse: Annotated[bool, typer.Option(help="Reuse bundles whose inputs are unchanged.")] = True,
    lang: Lang = Language.id,
) -> None:
    """Evaluate every study under FOLDER, pool their effects and write the portfolio report."""
    from pipeline.config.study import PORTFOLIO_PREFIX
    from pipeline.portfolio.evaluate import run_portfolio
    from pipeline.portfolio.report import not_pooled, write_portfolio, write_portfolio_reports

    name = f"{PORTFOLIO_PREFIX}{_slug(folder.resolve().name)}"
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("studies", total=None)

        def advance(done: int, total: int, row: dict) -> None:
            mark = "reused" if row.get("reused") else row.get("status")
            bar.update(
                task, completed=done, total=total, description=f"{row['study_file']}: {mark}"
            )

        try:
            result = run_portfolio(
                folder,
                processed_root=processed_dir,
                reports_root=reports_dir,
                scheduler=scheduler,
                workers=workers,
                render_reports=study_reports,
                reuse=reuse,
                method=method.value,
                hk=hk,
                progress=advance,
            )
            bundle_dir = processed_dir / name
            write_portfolio(result, bundle_dir)
            bar.update(task, description="portfolio report")
            html = write_portfolio_reports(
                bundle_dir, reports_dir / name, language=getattr(lang, "value", lang)
            )
        except PkmEvalError as error:
            _print_problems(error, lang)
            raise typer.Exit(1) from None
    programs = result.programs
    failed = programs[programs["status"].ne("ok")]
    unpooled = programs[not_pooled(programs)]
    out.print(
        f"{len(programs)} studies, {len(failed)} failed, {len(unpooled)} analysed but not "
        f"pooled; report: {html}; tables: {bundle_dir}"
    )
    for row in failed.itertuples():
        out.print(f"- {row.study_file}: {row.problems}", soft_wrap=True, markup=False)
    for row in unpooled.itertuples():
        out.print(
            f"- {row.study_file}: not pooled ({row.not_pooled_reason})",
            soft_wrap=True,
            markup=False,
        )


@app.command("app")
def web_app(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Local port of the page.")] = 8501,
    root: Annotated[
        Path, typer.Option(help="Project folder: studies in data/raw, reports in reports.")
    ] = Path("."),
    browser: Annotated[bool, typer.Option(help="Open the page in the web browser.")] = True,
) -> None:
    """Start the web page on http://127.0.0.1:PORT (this computer only; no usage statistics
    are sent): upload two exports, check the mapping, validate, run, download the reports."""
    import subprocess
    import sys

    # The page is its own face (pipeline.app, independent of this one): started as a process.
    command = [sys.executable, "-m", "pipeline.app", "--port", str(port), "--root", str(root)]
    out.print(f"pkm-eval app: http://127.0.0.1:{port} (Ctrl+C stops it)")
    try:
        status = subprocess.call([*command, *([] if browser else ["--no-browser"])])
    except KeyboardInterrupt:
        status = 0
    raise typer.Exit(status)


def _slug(name: str) -> str:
    """A folder name as a program id: lower case, letters, digits, '-' and '_', at most 64
    characters (the limit of program.id)."""
    import re

    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:64].rstrip("-_")
    return slug or "study"


def main() -> None:  # pragma: no cover - console script entry
    app()
