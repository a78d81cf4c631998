"""A funder's portfolio: every study under a folder, evaluated and pooled.

``run_portfolio`` finds each ``study.yaml`` under a folder and evaluates it through Dask
(a local cluster by default, or an existing cluster given its scheduler address), so the same
code runs a faculty's twenty programs on a laptop and a ministry's thousands on a cluster. A
study whose inputs, instrument, configuration and pkm-eval version match its bundle's manifest
is not run again: its bundle is reused. A study that fails is listed with its problems; the
others go on.

Pooling (see :mod:`pipeline.stats.meta` for the formulas): each program contributes one
standardized mean change on its outcome scale (the scale with the most items, i.e. the total
score when the instrument has one), standardized by the pre-test SD of the paired participants
(SMCR, Becker 1988):

- a one-group program (or one without a usable control arm): yi = SMCR of its participants;
- a program with a control group: yi = SMCR(treatment) - SMCR(control), vi the sum;
- a program without a usable treated arm (too few pairs, no spread, or groups but no
  treatment group) is analysed but not pooled, and the report says why.

The two designs answer different questions, so they are pooled separately with a
random-effects model (REML by default, DerSimonian-Laird on request, Hartung-Knapp optional),
with a prediction interval, tau², I², Q, and subgroup tests by method, level and region.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline import outputs
from pipeline.stats import meta

__all__ = [
    "MODERATORS",
    "PortfolioResult",
    "discover",
    "duplicate_ids",
    "evaluate_study",
    "not_pooled",
    "not_pooled_table",
    "pool",
    "report_words",
    "run_portfolio",
    "write_portfolio",
]

#: Program facts the portfolio groups by, as ``program:`` keys in study.yaml.
MODERATORS = ("method", "level", "region")
#: Too few participants for a standardized change with a finite variance.
MIN_PAIRS = 3
PROGRAM_COLUMNS = [
    "study_file",
    "program_id",
    "title",
    "method",
    "level",
    "region",
    "status",
    "reused",
    "design",
    "not_pooled_reason",
    "enrolled",
    "completed",
    "n_treatment",
    "n_control",
    "yi",
    "vi",
    "ci_low",
    "ci_high",
    "problems",
    "seconds",
]


@cache
def report_words(language: str) -> dict[str, Any]:
    """The portfolio report's words (resources/portfolio_text.yaml) in one language."""
    text = resources.files("pipeline.resources").joinpath("portfolio_text.yaml")
    return yaml.safe_load(text.read_text("utf-8"))[language]


def discover(root: Path) -> list[Path]:
    """Every ``study.yaml`` under ``root``, in a stable order."""
    return sorted(Path(root).rglob("study.yaml"))


def _version() -> str:
    try:
        return metadata.version("pkm-eval")
    except metadata.PackageNotFoundError:
        return "unknown"


def _reusable(study, bundle_dir: Path) -> bool:
    """Whether the bundle in ``bundle_dir`` was made from exactly these inputs and settings."""
    from pipeline.bundle import instrument_digest, other_input_digests

    try:
        status = json.loads((bundle_dir / "status.json").read_text("utf-8"))
        manifest = json.loads((bundle_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if status.get("status") != "complete":
        return False
    if manifest.get("packages", {}).get("pkm-eval") != _version():
        return False
    if manifest.get("instrument_sha256") != instrument_digest(study):
        return False
    recorded = {role: f.get("sha256") for role, f in manifest.get("other_inputs", {}).items()}
    current = {role: f["sha256"] for role, f in other_input_digests(study).items()}
    if recorded != current:  # a log, the match review or the aspiration dictionary changed
        return False
    if manifest.get("config") != json.loads(json.dumps(study.model_dump(mode="json"))):
        return False
    inputs = manifest.get("inputs", {})
    for wave, path in study.wave_paths().items():
        recorded = inputs.get(wave, {}).get("sha256")
        if recorded is None or recorded != hashlib.sha256(Path(path).read_bytes()).hexdigest():
            return False
    return True


def _pairs(scores: pd.DataFrame, scale: str, group: str | None) -> pd.DataFrame:
    part = scores[scores["scale"] == scale]
    if group is not None:
        part = part[part["group"] == group]
    wide = part.pivot_table(index="participant_code", columns="wave", values="mean")
    if not {"pre", "post"} <= set(wide.columns):
        return pd.DataFrame(columns=["pre", "post"])
    return wide[["pre", "post"]].dropna()


def _arm_problem(pairs: pd.DataFrame) -> str | None:
    """Why an arm has no standardized change (a code the report words), or None."""
    if len(pairs) < MIN_PAIRS:
        return "too_few_pairs"
    if pairs["pre"].std() == 0 or pairs["post"].std() == 0:
        return "no_spread"
    return None


def _arm_effect(pairs: pd.DataFrame) -> meta.Effect | None:
    if _arm_problem(pairs) is not None:
        return None
    r = float(np.corrcoef(pairs["pre"], pairs["post"])[0, 1])
    return meta.smcr(
        pairs["pre"].mean(), pairs["post"].mean(), pairs["pre"].std(), min(r, 1.0), len(pairs)
    )


def program_effect(bundle_dir: Path) -> dict[str, Any]:
    """Design, counts and the standardized change of one finished bundle."""
    results = json.loads((bundle_dir / "results.json").read_text("utf-8"))
    scores = pd.read_parquet(bundle_dir / "scores.parquet")
    scales = results["instrument"]["scales"]
    outcome = max(scales, key=lambda s: s["n_items"])["id"]
    groups = set(pd.unique(scores["group"]))
    # A study without groups scores everyone as "all": only then is everyone the treated arm.
    # With groups, the control arm alone must not stand in for it (its change minus itself is 0).
    grouped = bool(groups & {"treatment", "control"})
    treated = _pairs(scores, outcome, "treatment" if grouped else None)
    control = _pairs(scores, outcome, "control") if "control" in groups else pd.DataFrame()
    out: dict[str, Any] = {
        "enrolled": results["flow"]["participants"],
        "completed": len(_pairs(scores, outcome, None)),
        "n_treatment": len(treated),
        "n_control": len(control),
        "outcome": outcome,
        "not_pooled_reason": "",
    }
    if grouped and "treatment" not in groups:
        reason = "no_treatment_group"
    else:
        reason = _arm_problem(treated)
    if reason is not None:
        out.update(design="none", yi=np.nan, vi=np.nan, not_pooled_reason=reason)
        return out
    t_effect = _arm_effect(treated)
    c_effect = _arm_effect(control) if len(control) else None
    if c_effect is not None:
        out.update(design="controlled", yi=t_effect.yi - c_effect.yi, vi=t_effect.vi + c_effect.vi)
    else:  # one group, or a control arm too small to use
        out.update(design="one_group", yi=t_effect.yi, vi=t_effect.vi)
    return out


def evaluate_study(
    study_file: str,
    processed_root: str,
    reports_root: str,
    render_reports: bool = False,
    reuse: bool = True,
) -> dict[str, Any]:
    """Evaluate one study (or reuse its bundle) and return its portfolio row.

    Never raises: a study that cannot be evaluated comes back with status "failed" and its
    problems, so one broken study cannot stop a portfolio. Runs in a Dask worker, so it takes
    and returns plain, picklable values.
    """
    import time

    from pipeline.config import load_study
    from pipeline.errors import PkmEvalError
    from pipeline.run import run_study

    start = time.perf_counter()
    row: dict[str, Any] = {"study_file": study_file, "status": "failed", "reused": False}
    try:
        study = load_study(study_file)
        facts = study.program
        row.update(
            program_id=facts.id,
            title=facts.title,
            **{m: getattr(facts, m) or "" for m in MODERATORS},
        )
        bundle_dir = Path(processed_root) / facts.id
        if reuse and _reusable(study, bundle_dir):
            row["reused"] = True
        else:
            run_study(
                study_file,
                processed_root=processed_root,
                reports_root=reports_root,
                render_report=render_reports,
            )
        row.update(program_effect(bundle_dir), status="ok", problems="")
    except PkmEvalError as error:
        messages = [p.message("en") for p in error.problems[:5]]
        more = len(error.problems) - len(messages)
        row["problems"] = " | ".join(messages) + (f" | and {more} more" if more > 0 else "")
    except Exception as error:  # a bug must not stop the portfolio either; it is reported
        last = traceback.extract_tb(error.__traceback__)[-1]
        row["problems"] = (
            f"internal error {type(error).__name__}: {error} ({Path(last.filename).name}:"
            f"{last.lineno}); please report it"
        )
    row["seconds"] = time.perf_counter() - start
    return row


@dataclass(frozen=True)
class PortfolioResult:
    """The portfolio's tables: one row per program, the pooled effects, the subgroups."""

    programs: pd.DataFrame
    pooled: pd.DataFrame
    subgroups: pd.DataFrame
    settings: dict[str, Any]


def _interval(row: pd.Series, z: float) -> tuple[float, float]:
    half = z * np.sqrt(row["vi"])
    return row["yi"] - half, row["yi"] + half


DESIGNS = ("one_group", "controlled")


def pool(
    programs: pd.DataFrame, *, method: str = "REML", hk: bool = False, level: float = 0.95
) -> PortfolioResult:
    """Pool the programs' effects per design, overall and by each moderator."""
    from scipy import stats

    programs = programs.copy()
    z = stats.norm.isf((1 - level) / 2)
    usable = programs["status"].eq("ok") & programs["yi"].notna()
    limits = programs[usable].apply(_interval, axis=1, z=z, result_type="expand")
    if len(limits):
        programs.loc[usable, ["ci_low", "ci_high"]] = limits.to_numpy()
    pooled, subgroups = [], []
    for design in DESIGNS:
        part = programs[usable & programs["design"].eq(design)]
        if part.empty:
            continue
        fit = meta.random_effects(part["yi"], part["vi"], method=method, hk=hk, level=level)
        pooled.append({"design": design, **fit.as_dict()})
        for moderator in MODERATORS:
            labels = part[moderator].replace("", "(not stated)")
            if labels.nunique() < 2:
                continue
            found = meta.subgroups(
                part["yi"], part["vi"], labels, method=method, hk=hk, level=level
            )
            test = {  # with Hartung-Knapp QM is an F on (QM_df, QM_df2) df, else a chi-square
                "QM": found.QM,
                "QM_df": found.QM_df,
                "QM_df2": found.QM_df2,
                "QM_p": found.QM_p,
                "QM_test": found.test,
                "tau2_resid": found.tau2_resid,
            }
            for record in found.levels.to_dict("records"):
                subgroups.append({"design": design, "moderator": moderator, **record, **test})
    settings = {"method": method, "hk": hk, "level": level, "measure": "SMCR (pre-test SD)"}
    return PortfolioResult(
        programs.reindex(columns=PROGRAM_COLUMNS),
        pd.DataFrame(pooled),
        pd.DataFrame(subgroups),
        settings,
    )


# Every study file is read on the client before any runs: libyaml's loader, when installed, is
# about eight times faster, which a portfolio of thousands notices.
_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _declared_program(study_file: Path) -> dict[str, Any]:
    """The ``program:`` mapping a study file declares, read without validating the study
    (a study that cannot be read has none here; its worker reports why)."""
    try:
        data = yaml.load(study_file.read_text("utf-8"), Loader=_FAST_SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
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


def _duplicate_row(path: Path, program_id: str, sharing: list[Path]) -> dict[str, Any]:
    """The failed row of a study held back because its program id is not its own."""
    problem = report_words("en")["duplicate_id"].format(
        program_id=program_id, count=len(sharing), files=", ".join(str(p) for p in sharing)
    )
    title = _declared_program(path).get("title")
    return {
        "study_file": str(path),
        "program_id": program_id,
        "title": title if isinstance(title, str) else "",
        "status": "failed",
        "reused": False,
        "problems": problem,
        "seconds": 0.0,
    }


def _client(address: str | None, workers: int):
    from dask.distributed import Client, LocalCluster

    if address:
        return Client(address), None
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster), cluster


def run_portfolio(
    root: Path,
    *,
    processed_root: Path,
    reports_root: Path,
    scheduler: str | None = None,
    workers: int = 2,
    render_reports: bool = False,
    reuse: bool = True,
    method: str = "REML",
    hk: bool = False,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> PortfolioResult:
    """Evaluate every study under ``root`` on a Dask cluster and pool the results.

    Parameters
    ----------
    root
        Folder searched recursively for ``study.yaml`` files.
    processed_root, reports_root
        Where each study's bundle (and, with ``render_reports``, its reports) go.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); a local cluster of
        ``workers`` processes when None.
    progress
        Called as each study finishes with (done, total, its row).

    Studies that declare one ``program.id`` between them are not run (the id names their
    output folder): each is listed as failed, naming the files that share it.
    """
    files = discover(root)
    if not files:
        from pipeline.errors import InputError, Problem

        raise InputError(
            [Problem("portfolio_empty", file=str(root))],
            "No study.yaml was found under the portfolio folder",
        )
    rows: list[dict[str, Any]] = []

    def record(row: dict[str, Any]) -> None:
        rows.append(row)
        if progress:
            progress(len(rows), len(files), row)

    # Checked before anything runs: studies sharing an id would write one folder at once.
    held_back = {
        path: _duplicate_row(path, program_id, sharing)
        for program_id, sharing in duplicate_ids(files).items()
        for path in sharing
    }
    for row in held_back.values():
        record(row)
    to_run = [path for path in files if path not in held_back]
    if to_run:
        _evaluate_on_cluster(
            to_run,
            record,
            scheduler=scheduler,
            workers=workers,
            options=(str(processed_root), str(reports_root), render_reports, reuse),
        )
    programs = pd.DataFrame(rows).sort_values("study_file", kind="stable").reset_index(drop=True)
    for column in PROGRAM_COLUMNS:
        if column not in programs:
            programs[column] = np.nan if column in {"yi", "vi", "ci_low", "ci_high"} else ""
    return pool(programs, method=method, hk=hk)


def _evaluate_on_cluster(
    files: list[Path],
    record: Callable[[dict[str, Any]], None],
    *,
    scheduler: str | None,
    workers: int,
    options: tuple[str, str, bool, bool],
    evaluate: Callable[..., dict[str, Any]] | None = None,
) -> None:
    """Run ``evaluate_study`` on each file in Dask workers, recording rows as they finish.

    A task that fails outside ``evaluate_study`` (its worker died, the cluster lost it) is
    recorded as that study's failure; the studies already finished and the rest are kept.
    """
    import uuid

    from dask.distributed import as_completed

    evaluate = evaluate or evaluate_study
    run = uuid.uuid4().hex[:8]  # task keys unique per run: a shared scheduler may hold others
    client, cluster = _client(scheduler, workers)
    try:
        futures = {
            client.submit(
                evaluate, str(path), *options, key=f"study-{run}-{k}-{path.parent.name}", pure=False
            ): path
            for k, path in enumerate(files)
        }
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as error:  # any task failure is this study's alone
                row = {
                    "study_file": str(futures[future]),
                    "status": "failed",
                    "reused": False,
                    "problems": f"the Dask task of this study failed ({type(error).__name__}: "
                    f"{error}); the other studies are unaffected",
                }
            record(row)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def write_portfolio(result: PortfolioResult, folder: Path) -> None:
    """The portfolio bundle: its tables (CSV and parquet) and ``portfolio.json``. No personal
    data: program-level facts and numbers only."""
    outputs.clear_stale_temp(folder)
    programs = result.programs.drop(columns=["study_file"])
    outputs.write_table(folder, "programs", programs)
    outputs.write_table(folder, "pooled", result.pooled)
    outputs.write_table(folder, "subgroups", result.subgroups)
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
    outputs.write_json(folder / "portfolio.json", summary)
    outputs.write_json(folder / "status.json", {"status": "complete"})


# --------------------------------------------------------------------------- simulation

_METHODS = ("pelatihan", "bimbingan kelompok", "CBPR", "lokakarya")
_LEVELS = ("SD", "SMP", "SMA/MA", "S1")
_REGIONS = ("Jawa Timur", "Jawa Barat", "Sumatera Utara", "Sulawesi Selatan", "NTB")


def simulate_portfolio(
    root: Path, n_programs: int, *, seed: int = 20261122, broken: int = 0
) -> list[Path]:
    """Write ``n_programs`` simulated studies (30-150 participants each; true effects vary
    between programs and by method) under ``root``, plus ``broken`` studies whose pre-test
    export is not a survey at all. Returns the study files."""
    from pipeline.outputs import atomic_write_bytes
    from pipeline.simulate import DEMO_PROGRAM, SimulationSpec, write_study

    rng = np.random.default_rng(seed)
    files = []
    for k in range(n_programs):
        method = _METHODS[k % len(_METHODS)]
        n = int(rng.integers(30, 151))
        controlled = rng.random() < 0.4
        effect = max(0.0, rng.normal(0.35 + 0.15 * (method == "CBPR"), 0.15))
        spec = SimulationSpec(
            n_treatment=n // 2 if controlled else n,
            n_control=n - n // 2 if controlled else 0,
            effect=float(effect),
            seed=seed + k,
        )
        program = {
            **DEMO_PROGRAM,
            "id": f"program-{k + 1:04d}",
            "title": f"Program PKM simulasi {k + 1}",
            "method": method,
            "level": _LEVELS[int(rng.integers(len(_LEVELS)))],
            "region": _REGIONS[int(rng.integers(len(_REGIONS)))],
        }
        folder = Path(root) / program["id"]
        folder.mkdir(parents=True, exist_ok=True)
        files.append(write_study(folder, spec=spec, program=program))
    for k in range(broken):
        folder = Path(root) / f"broken-{k + 1}"
        folder.mkdir(parents=True, exist_ok=True)
        program = {**DEMO_PROGRAM, "id": f"broken-{k + 1}", "title": "Program dengan data rusak"}
        files.append(write_study(folder, spec=SimulationSpec(seed=k), program=program))
        atomic_write_bytes(folder / "pre.csv", b"\x00\x01 not a survey export \x02")
    return files


# --------------------------------------------------------------------------- presentation


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


def write_portfolio_reports(bundle_dir: Path, report_dir: Path, *, language: str = "id") -> Path:
    """portfolio.html (papermill notebook, code hidden), portfolio.xlsx and the forest plots."""
    from pipeline.report import notebook_dir, render_notebook, to_html

    programs = pd.read_parquet(bundle_dir / "programs.parquet")
    pooled = pd.read_parquet(bundle_dir / "pooled.parquet")
    subgroups = pd.read_parquet(bundle_dir / "subgroups.parquet")
    for row in pooled.itertuples():
        figure = forest_figure(
            programs[programs["design"].eq(row.design) & programs["status"].eq("ok")],
            pd.Series(row._asdict()),
            language=language,
        )
        for folder in (bundle_dir, report_dir):  # the notebook embeds the bundle's copy
            outputs.write_figure(folder / f"forest_{row.design}", figure)
        import matplotlib.pyplot as plt

        plt.close(figure)
    failed = programs[programs["status"].ne("ok")][["program_id", "title", "problems"]]
    sheets = {"programs": programs, "pooled": pooled, "subgroups": subgroups, "failed": failed}
    sheets["not_pooled"] = not_pooled_table(programs, language)
    outputs.write_xlsx(report_dir / "portfolio.xlsx", sheets)
    parameters = {"bundle_dir": str(Path(bundle_dir).resolve()), "language": language}
    executed = render_notebook(notebook_dir() / "portfolio_report.ipynb", parameters)
    outputs.atomic_write_text(report_dir / "portfolio.html", to_html(executed))
    return report_dir / "portfolio.html"
