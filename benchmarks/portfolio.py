"""``make bench-portfolio``: a funder's portfolio of simulated programs on a local Dask cluster.

Simulates ``--programs`` studies (30-150 participants each, one in three with a control
group) once under ``benchmarks/.data/portfolio_<n>/``, then times the portfolio analysis
(every study evaluated without per-study HTML, then pooled) on local clusters of each
``--workers`` count, on the first ``--scaling-programs`` studies, and on all of them with the
largest worker count. Bundles are never reused here, so every study is evaluated each time.
Each row gives the wall-clock seconds, the programs per second, and the CPU seconds of the
whole run (this process and every process it started and reaped: Dask workers, study hosts,
study processes) per program, which a busy machine disturbs less than the wall clock.
``--whole-bundles`` times the portfolio writing every table of each study, as before the
portfolio wrote only what it reads.

Writes ``benchmarks/results/portfolio.{csv,md}`` and refreshes the README table between
``<!-- portfolio-bench:start -->`` and ``<!-- portfolio-bench:end -->``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import pandas as pd

from benchmarks.cpu import cpu_seconds
from pipeline.portfolio import evaluate as pf
from pipeline.portfolio.discover import discover
from pipeline.simulate.portfolio import simulate_portfolio

HERE = Path(__file__).parent
README = HERE.parent / "README.md"
START, END = "<!-- portfolio-bench:start -->", "<!-- portfolio-bench:end -->"


def studies(n: int) -> Path:
    """The folder of ``n`` simulated studies, made once."""
    root = HERE / ".data" / f"portfolio_{n}"
    stamp = root / "stamp.json"
    if stamp.exists() and json.loads(stamp.read_text())["programs"] == n:
        return root
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    simulate_portfolio(root, n, seed=20261122)
    stamp.write_text(json.dumps({"programs": n, "seconds": time.perf_counter() - start}))
    return root


def timed_run(
    root: Path, limit: int, workers: int, work: Path, *, whole_bundles: bool = False
) -> dict[str, float]:
    """Evaluate the first ``limit`` studies under ``root`` and pool them."""
    subset = work / f"subset_{limit}"
    if not subset.exists():
        subset.mkdir(parents=True)
        for path in discover(root)[:limit]:
            shutil.copytree(path.parent, subset / path.parent.name)
    processed = work / f"processed_{limit}_{workers}"
    shutil.rmtree(processed, ignore_errors=True)
    start, cpu = time.perf_counter(), cpu_seconds()
    result = pf.run_portfolio(
        subset,
        processed_root=processed,
        reports_root=work / "reports",
        workers=workers,
        reuse=False,
        whole_bundles=whole_bundles,
    )
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    ok = result.programs["status"].eq("ok")
    return {
        "programs": limit,
        "workers": workers,
        "bundles": "whole" if whole_bundles else "portfolio",
        "seconds": seconds,
        "programs_per_second": limit / seconds,
        "cpu_seconds": cpu,
        "cpu_s_per_program": cpu / limit,
        "per_study_median_s": float(result.programs["seconds"].median()),
        "failed": int((~ok).sum()),
        "pooled_designs": len(result.pooled),
    }


def markdown(table: pd.DataFrame) -> str:
    lines = [
        "| programs | workers | bundles | seconds | programs per second | CPU s per program "
        "| median s per study | failed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.programs:,} | {row.workers} | {row.bundles} | {row.seconds:.1f} | "
            f"{row.programs_per_second:.2f} | {row.cpu_s_per_program:.2f} | "
            f"{row.per_study_median_s:.2f} | {row.failed} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=2000)
    parser.add_argument("--scaling-programs", type=int, default=200)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument(
        "--whole-bundles", action="store_true", help="write every table of each study's bundle"
    )
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    root = studies(args.programs)
    work = HERE / ".work" / "portfolio"
    rows = []
    runs = [(min(args.scaling_programs, args.programs), count) for count in workers]
    if args.programs > args.scaling_programs:
        runs.append((args.programs, max(workers)))
    for programs, count in runs:
        rows.append(timed_run(root, programs, count, work, whole_bundles=args.whole_bundles))
        print(
            f"{programs} programs on {count} workers: "
            f"{rows[-1]['programs_per_second']:.2f} programs per second, "
            f"{rows[-1]['cpu_s_per_program']:.2f} CPU s per program",
            flush=True,
        )
    table = pd.DataFrame(rows)
    (HERE / "results").mkdir(exist_ok=True)
    table.to_csv(HERE / "results" / "portfolio.csv", index=False)
    text = markdown(table)
    (HERE / "results" / "portfolio.md").write_text(text, encoding="utf-8")
    if not args.no_readme and START in README.read_text(encoding="utf-8"):
        head, rest = README.read_text(encoding="utf-8").split(START, 1)
        _, tail = rest.split(END, 1)
        README.write_text(f"{head}{START}\n{text}{END}{tail}", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
