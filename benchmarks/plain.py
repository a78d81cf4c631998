"""The yardstick of the analysis: a plain pandas + scipy script of the same statistics.

What a careful analyst writes by hand for the benchmark study: read both exports with
pandas' pyarrow engine, turn answer labels into codes, key the reversed items, keep the last
submission per student number, score every scale (the mean of the answered items when at
least the study's share is answered), Cronbach's alpha per scale and wave from pairwise
covariances, and per scale and group the paired t test, the Wilcoxon signed-rank test and
Cohen's d_z on the pairs. No validation, no report tables, no audit trail: the floor a
pipeline with those duties is measured against (``make bench``)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.config import Study

__all__ = ["plain_statistics"]


def _codes(study: Study) -> dict[str, float]:
    """Answer text (lower case, spaces squeezed) to its code: labels in both languages,
    aliases and the bare numbers."""
    scale = study.instrument_spec.response_scale
    out: dict[str, float] = {}
    for code, label in scale.labels.items():
        out[label.id.lower()] = out[label.en.lower()] = float(code)
        out[str(code)] = float(code)
    out.update({k.lower(): float(v) for k, v in scale.aliases.items()})
    return out


def _wave(study: Study, wave: str, path) -> pd.DataFrame:
    """One export: one row per student number (the last submission), items as codes."""
    raw = pd.read_csv(path, engine="pyarrow", dtype=str)
    instrument = study.instrument_spec
    headers = {_bracket(h): h for h in raw.columns}
    columns = {i.id: headers[_bracket(i.text.id)] for i in instrument.items}
    ids = raw[study.columns.id].str.strip()
    keep = ids.notna() & ids.ne("")
    raw, ids = raw[keep], ids[keep]
    last = ~ids.duplicated(keep="last")
    codes = _codes(study)
    items = pd.DataFrame(
        {
            item: raw.loc[last, column].str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
            for item, column in columns.items()
        }
    )
    items = items.apply(lambda col: col.map(codes)).astype(float)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    reverse = [i.id for i in instrument.items if i.reverse]
    items[reverse] = low + high - items[reverse]
    items.index = ids[last].to_numpy()
    items["group"] = raw.loc[last, study.groups.column].to_numpy()
    return items


def _bracket(text: str) -> str:
    """The statement of a Google Forms grid header 'question [statement]'."""
    found = re.search(r"\[(.*)\]\s*$", text)
    return (found.group(1) if found else text).strip()


def _alpha(items: pd.DataFrame) -> float:
    cov = items.cov().to_numpy()
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def plain_statistics(study: Study) -> dict[str, pd.DataFrame]:
    """Alphas per scale and wave, and paired tests per scale and group (``reliability``,
    ``tests``), computed the plain way."""
    instrument = study.instrument_spec
    waves = {w: _wave(study, w, p) for w, p in study.wave_paths().items()}
    share = study.analysis.min_answered_share
    reliability, tests = [], []
    scores = {}
    for scale in instrument.all_scales:
        for wave, items in waves.items():
            values = items[scale.items]
            reliability.append({"scale": scale.id, "wave": wave, "alpha": _alpha(values)})
            enough = values.notna().sum(axis=1) >= math.ceil(share * len(scale.items) - 1e-9)
            scores[scale.id, wave] = values.mean(axis=1).where(enough)
    groups = {"treatment": study.groups.treatment, "control": study.groups.control}
    for scale in instrument.all_scales:
        pre, post = scores[scale.id, "pre"], scores[scale.id, "post"]
        both = pd.concat({"pre": pre, "post": post}, axis=1, join="inner").dropna()
        arm = waves["pre"]["group"].reindex(both.index)
        for group, labels in groups.items():
            pair = both[arm.isin(labels)]
            diff = pair["post"] - pair["pre"]
            t = stats.ttest_rel(pair["post"], pair["pre"])
            w = stats.wilcoxon(pair["post"], pair["pre"], correction=True, method="approx")
            tests.append(
                {
                    "scale": scale.id,
                    "group": group,
                    "n": len(pair),
                    "t": float(t.statistic),
                    "t_p": float(t.pvalue),
                    "wilcoxon_p": float(w.pvalue),
                    "d_z": float(diff.mean() / diff.std()),
                }
            )
    return {"reliability": pd.DataFrame(reliability), "tests": pd.DataFrame(tests)}


def agreement(plain: dict[str, pd.DataFrame], bundle_dir) -> float:
    """The largest absolute difference between the plain script's numbers and the bundle's
    (alphas, t, its p, the Wilcoxon p, d_z), read from the bundle's parquet tables."""
    from pathlib import Path

    folder = Path(bundle_dir)
    reliability = pd.read_parquet(folder / "reliability.parquet")
    tests = pd.read_parquet(folder / "tests.parquet")
    effects = pd.read_parquet(folder / "effects.parquet")
    alpha = plain["reliability"].merge(reliability, on=["scale", "wave"], suffixes=("", "_b"))
    found = plain["tests"].rename(columns={"scale": "outcome"})
    t = tests[tests["test"].eq("paired t")][["outcome", "group", "statistic", "p_value"]]
    w = tests[tests["test"].eq("Wilcoxon signed-rank")][["outcome", "group", "p_value"]]
    d = effects[effects["effect"].eq("d_z")][["outcome", "group", "value"]]
    both = (
        found.merge(t, on=["outcome", "group"])
        .merge(w, on=["outcome", "group"], suffixes=("", "_w"))
        .merge(d, on=["outcome", "group"])
    )
    if len(alpha) != len(plain["reliability"]) or len(both) != len(found):
        return math.inf  # a row of the plain script has no counterpart in the bundle
    differences = [
        (alpha["alpha"] - alpha["alpha_b"]).abs(),
        (both["t"] - both["statistic"]).abs(),
        (both["t_p"] - both["p_value"]).abs(),
        (both["wilcoxon_p"] - both["p_value_w"]).abs(),
        (both["d_z"] - both["value"]).abs(),
    ]
    return float(max(d.max() for d in differences))
