"""``make bench-portfolio``: a funder's portfolio of simulated programs on a local Dask cluster.

Simulates ``--programs`` studies (30-150 participants each, one in three with a control
group) once under ``benchmarks/.data/portfolio_<n>/``, then times the portfolio analysis
(every study evaluated without per-study HTML, then pooled) on local clusters of each
``--workers`` count, on the first ``--scaling-programs`` studies, and on all of them with the
largest worker count. Bundles are never reused here, so every study is evaluated each time.

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

from pipeline.portfolio import evaluate as pf

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
    pf.simulate_portfolio(root, n, seed=20261122)
    stamp.write_text(json.dumps({"programs": n, "seconds": time.perf_counter() - start}))
    return root


def timed_run(root: Path, limit: int, workers: int, work: Path) -> dict[str, float]:
    """Evaluate the first ``limit`` studies under ``root`` and pool them."""
    subset = work / f"subset_{limit}"
    if not subset.exists():
        subset.mkdir(parents=True)
        for path in pf.discover(root)[:limit]:
            shutil.copytree(path.parent, subset / path.parent.name)
    processed = work / f"processed_{limit}_{workers}"
    shutil.rmtree(processed, ignore_errors=True)
    start = time.perf_counter()
    result = pf.run_portfolio(
        subset,
        processed_root=processed,
        reports_root=work / "reports",
        workers=workers,
        reuse=False,
    )
    seconds = time.perf_counter() - start
    ok = result.programs["status"].eq("ok")
    return {
        "programs": limit,
        "workers": workers,
        "seconds": seconds,
        "programs_per_second": limit / seconds,
        "per_study_median_s": float(result.programs["seconds"].median()),
        "failed": int((~ok).sum()),
        "pooled_designs": len(result.pooled),
    }


def markdown(table: pd.DataFrame) -> str:
    lines = [
        "| programs | workers | seconds | programs / s | median s per study | failed |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.programs:,} | {row.workers} | {row.seconds:.1f} | "
            f"{row.programs_per_second:.2f} | {row.per_study_median_s:.2f} | {row.failed} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=2000)
    parser.add_argument("--scaling-programs", type=int, default=200)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    root = studies(args.programs)
    work = HERE / ".work" / "portfolio"
    rows = []
    for count in workers:
        rows.append(timed_run(root, min(args.scaling_programs, args.programs), count, work))
        print(rows[-1], flush=True)
    if args.programs > args.scaling_programs:
        rows.append(timed_run(root, args.programs, max(workers), work))
        print(rows[-1], flush=True)
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
