"""The ``pkm-eval`` command: a thin face over :mod:`pipeline.run`.

Exit status: 0 on success, 1 when the input or configuration is invalid (the problems are
listed), 2 on a usage error (unknown command or option, missing argument).
"""

from __future__ import annotations

import gc
import os
import sys
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


def _lang(language: object) -> str:
    return str(getattr(language, "value", language))


def _print_problems(error: PkmEvalError, language: object) -> None:
    """Each problem on its own line, unwrapped, so paths and values can be copied whole."""
    from pipeline.text import phrase

    language = _lang(language)
    heading = (
        error.summary
        if language == "en"
        else phrase("problems_heading", language, n=len(error.problems))
    )
    _print_list(heading, error.problems, language, style="bold red")


def _print_list(heading: str, problems, language: str, *, style: str) -> None:
    from pipeline.text import phrase

    console.print(f"[{style}]{heading}[/]", highlight=False)
    for problem in problems[:200]:
        console.print(
            f"- {problem.message(language)}", soft_wrap=True, markup=False, highlight=False
        )
    if len(problems) > 200:
        console.print(phrase("more_problems", language, n=len(problems) - 200), markup=False)


def _print_checked(problems, language: str) -> None:
    """A check's problems: rows set aside (errors) apart from warnings (rows kept)."""
    from pipeline.text import phrase

    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if errors:
        _print_list(phrase("errors_heading", language), errors, language, style="bold red")
    if warnings:
        _print_list(phrase("warnings_heading", language), warnings, language, style="bold yellow")


def _print_needs(items, language: str) -> None:
    """The short list of what needs a person, each with the file to open."""
    from pipeline.text import phrase

    if not items:
        out.print(phrase("needs_nothing", language), highlight=False)
        return
    out.print(f"[bold]{phrase('needs_heading', language)}[/]", highlight=False)
    for item in items:
        out.print(f"- {item.text(language)}", soft_wrap=True, markup=False, highlight=False)


def _run(
    study: Path, *, processed: Path | None, reports: Path | None, render: bool, language: object
) -> None:
    from pipeline import run as flow
    from pipeline.stages.check import needs_a_person
    from pipeline.text import phrase

    language = _lang(language)
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
    analysis = result.analysis
    ledger = analysis.cleaned.ledger
    counts = ", ".join(
        f"{phrase(f'outcome_{k}', language)} {v}"
        for k, v in ledger["outcome"].value_counts().items()
    )
    out.print(
        f"[green]{phrase('done', language, rows=len(ledger), counts=counts)}[/]", highlight=False
    )
    out.print(phrase("bundle", language, path=result.bundle_dir), highlight=False)
    if result.report_path:
        out.print(phrase("report", language, path=result.report_path), highlight=False)
    needs = needs_a_person(
        analysis.study, analysis.validated, analysis.cleaned, bundle_dir=result.bundle_dir
    )
    _print_needs(needs, language)


StudyArg = Annotated[Path, typer.Argument(help="The study file (study.yaml).")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace files that exist (refused otherwise).")
]
_ROOTS = (
    "Default: data/processed (reports: reports) in the project root, the folder holding the "
    "data/raw/ the study file is in (else the current folder)."
)
ProcessedOpt = Annotated[
    Path | None, typer.Option(help=f"Folder for results bundles. {_ROOTS}", show_default=False)
]
ReportsOpt = Annotated[
    Path | None, typer.Option(help=f"Folder for reports. {_ROOTS}", show_default=False)
]


@app.command()
def run(
    study: StudyArg,
    processed_dir: ProcessedOpt = None,
    reports_dir: ReportsOpt = None,
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


def _load_the_checks() -> None:
    """Load what ``validate`` runs (numpy, pandas, pandera, pydantic and the stages) the
    quick way when nothing has loaded numpy yet, as in a fresh ``pkm-eval validate``:

    - numpy's OpenBLAS on one thread: the checks do no linear algebra, and a thread per core
      that starts and spins waiting for work cost about 0.05 CPU s. The user's own
      ``OPENBLAS_NUM_THREADS`` is kept; the variable is unset again once numpy is loaded.
    - no garbage collection while the modules load, and the objects they leave frozen out of
      later collections: loading makes some 160,000 objects that live as long as the
      process, and collections passing over them again and again, while loading, checking
      and at exit, cost about 0.1 CPU s in the process and 0.3 s measured from outside.
    """
    if "numpy" in sys.modules:
        return  # loaded already (a notebook, a test): nothing left to save
    one_thread = "OPENBLAS_NUM_THREADS" not in os.environ
    if one_thread:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    collecting = gc.isenabled()
    gc.disable()
    try:
        import pipeline.stages.check  # noqa: F401
    finally:
        if one_thread:
            del os.environ["OPENBLAS_NUM_THREADS"]
        if collecting:
            gc.freeze()
            gc.enable()


@app.command()
def validate(study: StudyArg, lang: Lang = Language.en) -> None:
    """Check the study file, instrument and exports without writing anything; print every
    problem found and what needs a person."""
    # The checks only (read, validate, clean): the statistics stages of pipeline.run are
    # not loaded, so a user fixing a file reruns this in a second.
    _load_the_checks()
    from pipeline.config import load_study
    from pipeline.stages.check import check, needs_a_person
    from pipeline.text import phrase

    language = _lang(lang)
    try:
        loaded = load_study(study)
        validated, cleaned = check(loaded)
    except PkmEvalError as error:
        _print_problems(error, language)
        raise typer.Exit(1) from None
    n_bad = len(validated.quarantine)
    rows = validated.n_input
    out.print(
        phrase("validated", language, rows=rows, valid=rows - n_bad, quarantined=n_bad),
        highlight=False,
    )
    _print_checked([*validated.problems, *cleaned.warnings], language)
    _print_needs(needs_a_person(loaded, validated, cleaned), language)


@app.command()
def demo(processed_dir: ProcessedOpt = None, reports_dir: ReportsOpt = None) -> None:
    """Run the bundled demo study (data/raw/demo) end to end."""
    if not DEMO_STUDY.is_file():
        console.print(f"[red]{DEMO_STUDY} not found: run this from the pkm-eval folder.[/]")
        raise typer.Exit(2)
    _run(DEMO_STUDY, processed=processed_dir, reports=reports_dir, render=True, language="en")


@app.command()
def examples(processed_dir: ProcessedOpt = None, reports_dir: ReportsOpt = None) -> None:
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
    exports: Annotated[
        list[Path] | None,
        typer.Argument(help="With --from: the pre export, then the post (and follow-up) one."),
    ] = None,
    from_exports: Annotated[
        bool,
        typer.Option(
            "--from",
            help="Draft study.yaml and codebook.yaml from the exports that follow "
            "(init DIR --from pre.csv post.csv); they are copied into the folder.",
        ),
    ] = False,
    with_example_data: Annotated[
        bool,
        typer.Option(help="Also write simulated pre.csv and post.csv so the study runs at once."),
    ] = False,
    force: ForceOpt = False,
    lang: Lang = Language.en,
) -> None:
    """Scaffold a study folder: a study.yaml to fill in, or with --from a study.yaml and a
    codebook drafted from your exports. Files that exist are never replaced without --force."""
    from pipeline.text import phrase

    language = _lang(lang)
    if bool(exports) != from_exports:
        console.print(
            "[red]Give the exports after --from: pkm-eval init DIR --from pre.csv post.csv[/]"
        )
        raise typer.Exit(2)
    if exports:
        _init_from(folder, exports, language, force=force)
        return
    _init_plain(folder, with_example_data=with_example_data, force=force, language=language)
    out.print(phrase("init_created", language, folder=folder), soft_wrap=True, highlight=False)


def _refuse_existing(paths: list[Path], *, force: bool, language: str) -> None:
    """Stop with exit 1, naming each file, before anything replaces files that exist."""
    from pipeline.bundle.files import refuse_to_overwrite

    try:
        refuse_to_overwrite(paths, force=force)
    except PkmEvalError as error:
        _print_problems(error, language)
        raise typer.Exit(1) from None


def _init_plain(folder: Path, *, with_example_data: bool, force: bool, language: str) -> None:
    """The neutral template, or a simulated study with the bundled instrument."""
    from pipeline.bundle.files import atomic_write_text
    from pipeline.config import builtin_instrument_path
    from pipeline.draft import render_blank_study
    from pipeline.simulate import survey as simulate

    instrument = builtin_instrument_path("career_awareness_planning")
    wanted = [folder / "study.yaml"]
    if with_example_data:
        wanted += [folder / instrument.name, folder / "pre.csv", folder / "post.csv"]
    _refuse_existing(wanted, force=force, language=language)
    if not with_example_data:
        atomic_write_text(folder / "study.yaml", render_blank_study(program_id=_slug(folder.name)))
        return
    program = {
        **simulate.DEMO_PROGRAM,
        "id": _slug(folder.name),
        "title": "Judul program",
        "partner": "Nama mitra",
        "place": "Tempat",
        "funder": "Penyandang dana",
    }
    simulate.write_study(folder, program=program, force=True)  # checked above
    atomic_write_text(folder / instrument.name, instrument.read_text("utf-8"))
    atomic_write_text(
        folder / "study.yaml",
        simulate.study_yaml(
            program=program, spec=simulate.SimulationSpec(), instrument=instrument.name
        ),
    )


def _init_from(folder: Path, exports: list[Path], language: str, *, force: bool) -> None:
    """Read the exports, copy them into the folder, and write the drafted study and
    codebook."""
    from pipeline.bundle.files import atomic_write_bytes, atomic_write_text
    from pipeline.config import WAVE_ORDER
    from pipeline.draft import describe, propose, render_codebook, render_study

    order = [wave for wave in WAVE_ORDER if wave != "tryout"]  # a program's waves, in time order
    if len(exports) > len(order):
        console.print(f"[red]At most {len(order)} exports (pre, post, follow-ups).[/]")
        raise typer.Exit(2)
    waves = dict(zip(order, exports, strict=False))
    names = _export_names(exports, list(waves))
    targets = [folder / "study.yaml", folder / "codebook.yaml"]
    targets += [
        folder / names[w] for w, path in waves.items()
        if path.resolve() != (folder / names[w]).resolve()
    ]  # fmt: skip
    _refuse_existing(targets, force=force, language=language)
    try:
        frames, copies = _read_exports(waves, names, folder)
        draft = propose(frames, files=names)
    except PkmEvalError as error:
        _print_problems(error, language)
        raise typer.Exit(1) from None
    for name, data in copies.items():
        atomic_write_bytes(folder / name, data)
    study, codebook = folder / "study.yaml", folder / "codebook.yaml"
    atomic_write_text(codebook, render_codebook(draft))
    atomic_write_text(study, render_study(draft, program_id=_slug(folder.name)))
    for line in describe(draft, language, study=str(study), codebook=str(codebook)):
        out.print(line, soft_wrap=True, markup=False, highlight=False)


def _read_exports(waves: dict[str, Path], names: dict[str, str], folder: Path):
    """Each export read as text (by the read stage, its header the first fullest row), and
    the bytes of those to copy into the folder; every file's problems together."""
    from pipeline.config import Limits
    from pipeline.draft import header_cells
    from pipeline.errors import InputError, Problem
    from pipeline.stages.read import read_bytes, read_file

    frames, copies, problems = {}, {}, []
    for wave, path in waves.items():
        missing = Problem("file_missing", file=str(path), details={"wave": wave})
        options = {"label": str(path), "limits": Limits(), "missing": missing}
        try:
            frames[wave] = read_file(path, score=header_cells, **options).table.frame
            if path.resolve() != (folder / names[wave]).resolve():
                copies[names[wave]] = read_bytes(path, **options)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems, "The exports cannot be read")
    return frames, copies


def _export_names(exports: list[Path], waves: list[str]) -> dict[str, str]:
    """Each export's file name in the study folder: its own, or prefixed by its wave when
    two exports share a name."""
    names = [p.name for p in exports]
    return {
        wave: name if names.count(name) == 1 else f"{wave}_{name}"
        for wave, name in zip(waves, names, strict=True)
    }


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
    whole_bundles: Annotated[
        bool,
        typer.Option(
            "--whole-bundles",
            help="Write every table of each study's bundle, not only what the portfolio reads.",
        ),
    ] = False,
    study_time_limit: Annotated[
        float,
        typer.Option(
            min=0.1, help="Seconds a study may take before it is stopped and listed as failed."
        ),
    ] = 600.0,
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
                whole_bundles=whole_bundles,
                study_time_limit=study_time_limit,
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


if __name__ == "__main__":  # pragma: no cover - ``python -m pipeline.cli``
    main()
