"""The fast paths taken at survey scale give the same answers as the plain ones.

Large inputs go through pyarrow's CSV reader and writer and a compressed signed-rank
statistic; these tests force the fast paths on small data and compare them with the plain
paths, so the speed-ups cannot change a number.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.bundle import files as outputs
from pipeline.config import load_study
from pipeline.errors import ConfigError
from pipeline.simulate.survey import SimulationSpec, simulate_study
from pipeline.stages import parse as ingest
from pipeline.stages.compare import SHAPIRO_MAX_N, choose_test, shapiro_row
from pipeline.stats import categories as npcat
from pipeline.stats import nonparametric as npar
from tests.conftest import DEMO

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
CSV_FIXTURES = sorted(p for p in FIXTURES.glob("*.[ct]sv") if p.stat().st_size > 0)


@pytest.mark.parametrize("path", CSV_FIXTURES, ids=lambda p: p.name)
def test_arrow_reader_reads_what_pandas_reads(path, monkeypatch):
    raw = path.read_bytes()
    try:
        plain = ingest.read_table(raw, path.name)
    except ingest.InputError as error:
        monkeypatch.setattr(ingest, "_ARROW_MIN_BYTES", 0)
        with pytest.raises(ingest.InputError) as fast_error:
            ingest.read_table(raw, path.name)
        assert [p.code for p in fast_error.value.problems] == [p.code for p in error.problems]
        return
    monkeypatch.setattr(ingest, "_ARROW_MIN_BYTES", 0)
    fast = ingest.read_table(raw, path.name)
    assert fast.header_row == plain.header_row
    assert fast.details == plain.details
    pd.testing.assert_frame_equal(
        fast.frame.astype(object), plain.frame.astype(object), check_dtype=False
    )


def test_arrow_reader_is_used_on_a_big_clean_file(monkeypatch):
    monkeypatch.setattr(ingest, "_ARROW_MIN_BYTES", 0)
    raw = (DEMO / "pre.csv").read_bytes()
    head = ingest.decode_head(raw)[0].splitlines()
    rows = [r for r in __import__("csv").reader(head)]
    frame = ingest.read_csv_arrow(raw, ",", 0, "utf-8", rows)
    assert frame is not None
    assert len(frame) == len(pd.read_csv(DEMO / "pre.csv", dtype=str))


def test_blank_lines_send_the_file_to_pandas(monkeypatch):
    monkeypatch.setattr(ingest, "_ARROW_MIN_BYTES", 0)
    raw = b"id,a\n1,x\n\n2,y\n"
    assert ingest.read_csv_arrow(raw, ",", 0, "utf-8", [["id", "a"]]) is None
    table = ingest.read_table(raw, "blank.csv")
    assert len(table.frame) == 3  # the blank line is a row the ledger counts


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-12, 12).map(lambda k: k / 4), min_size=1, max_size=60),
    st.floats(-3, 3, allow_nan=False),
    st.booleans(),
)
def test_compressed_signed_rank_statistic_equals_the_plain_one(values, shift, correct):
    x = np.array(values)
    plain = _plain_standardized_v(x, shift, correct=correct)
    distinct, counts = np.unique(x, return_counts=True)
    compressed = npar.standardized_signed_rank(distinct, shift, correct=correct, counts=counts)
    if math.isnan(plain):
        assert math.isnan(compressed)
    else:
        assert compressed == pytest.approx(plain, abs=1e-12)


def _plain_standardized_v(x: np.ndarray, shift: float, *, correct: bool) -> float:
    """The textbook statistic with scipy's average ranks (R's ``wilcox.test`` internals)."""
    from scipy import stats

    xd = x - shift
    xd = xd[xd != 0]
    n = len(xd)
    ranks = stats.rankdata(np.abs(xd))
    z = ranks[xd > 0].sum() - n * (n + 1) / 4
    _, ties = np.unique(ranks, return_counts=True)
    variance = n * (n + 1) * (2 * n + 1) / 24 - np.sum(ties**3 - ties) / 48
    if variance <= 0:
        return math.nan
    return (z - (math.copysign(0.5, z) if correct and z else 0)) / math.sqrt(variance)


def test_shapiro_is_not_run_past_r_limit_and_the_t_test_is_primary():
    rng = np.random.default_rng(1)
    row = shapiro_row(rng.normal(size=SHAPIRO_MAX_N + 1), "difference")
    assert np.isnan(row["p_value"])
    study = load_study(DEMO / "study.yaml")
    test, code, _ = choose_test(row, study)
    assert (test, code) == ("paired t", "large_n")
    small = shapiro_row(rng.normal(size=50), "difference")
    assert choose_test(small, study)[1] in {"normal", "not_normal"}


def test_long_tables_are_written_by_arrow_with_the_same_values(monkeypatch):
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "code": [f"P{i:04d}" for i in range(300)],
            "value": rng.normal(size=300),
            "flag": rng.random(300) < 0.5,
            "text": ["=1+1" if i % 50 == 0 else "ok" for i in range(300)],
        }
    )
    frame.loc[3, "value"] = np.nan
    plain = outputs.csv_bytes(outputs.neutralize_formulas(frame))
    monkeypatch.setattr(outputs, "ARROW_CSV_ROWS", 10)
    fast = outputs.csv_bytes(outputs.neutralize_formulas(frame))
    a, b = pd.read_csv(io.BytesIO(plain)), pd.read_csv(io.BytesIO(fast))
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-9, rtol=1e-9)
    assert b.loc[0, "text"] == "'=1+1"


def test_simulator_can_identify_people_by_student_number(tmp_path):
    from pipeline.config import load_instrument

    instrument = load_instrument("builtin:career_awareness_planning")
    spec = SimulationSpec(n_treatment=600, n_control=400, id_kind="number", seed=3)
    waves = simulate_study(instrument, spec)
    ids = waves["pre"]["NISN"]
    assert ids.str.fullmatch(r"\d{10}|").all()
    assert ids[ids != ""].nunique() == 1000  # one duplicate submission aside
    assert waves["post"]["NISN"].isin(set(ids)).mean() > 0.99


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.0, 0.1, 0.4]))
def test_matrix_pairwise_moments_equal_pandas(seed, missing):
    from pipeline.stats import reliability as rel

    rng = np.random.default_rng(seed)
    values = rng.integers(1, 6, size=(40, 5)).astype(float)
    values[rng.random(values.shape) < missing] = np.nan
    items = pd.DataFrame(values)
    cov, _ = rel.item_covariance(items, use="pairwise")
    np.testing.assert_allclose(cov, items.cov().to_numpy(), atol=1e-12, equal_nan=True)
    corr = rel.item_correlation(items, use="pairwise")
    np.testing.assert_allclose(corr, items.corr().to_numpy(), atol=1e-12, equal_nan=True)
    complete = items.dropna()
    if len(complete) >= 2:
        listwise, n = rel.item_covariance(items, use="listwise")
        assert n == len(complete)
        np.testing.assert_allclose(listwise, complete.cov().to_numpy(), atol=1e-12, equal_nan=True)


@given(st.lists(st.one_of(st.floats(-5, 1.5), st.just(float("nan"))), max_size=40))
def test_vectorized_hake_labels_equal_the_scalar_rule(values):
    from pipeline.stats import gain

    series = pd.Series(values, dtype=float)
    expected = [gain.hake_label(v) for v in values]
    assert gain.hake_labels(series).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.sampled_from(["holm", "fdr_bh"]))
def test_written_out_adjustment_equals_statsmodels(p, method):
    from statsmodels.stats.multitest import multipletests

    from pipeline.stats import multiplicity

    values = np.array(p)
    expected = multipletests(values, method=method)[1]
    np.testing.assert_allclose(multiplicity.adjust(values, method=method), expected, atol=1e-12)


def _plain_shifts(pre: pd.Series, post: pd.Series, scheme) -> pd.Series:
    """Per participant, whether the level label moved up, stayed or moved down (label order)."""
    order = {label: i for i, label in enumerate(scheme.labels)}
    a, b = pre.map(order), post.map(order)
    moved = np.select([b > a, b == a, b < a], ["up", "stayed", "down"], default="")
    return pd.Series(moved, index=pre.index).replace("", None)


def _plain_categories(scores: pd.DataFrame, study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Categories and shifts the plain way: text labels per row, shifts by label order."""
    from pipeline.stages.score import _schemes, analysis_groups

    rows, moves = [], []
    for scale, name, scheme, column in _schemes(scores, study):
        part = scores[scores["scale"] == scale]
        labels = npcat.categorize(part[column], scheme)
        rows.append(pd.DataFrame({"scheme": name, "scale": scale, "category": labels.to_numpy()}))
        by_person = part.set_index(["participant_code", "wave"])[column].unstack("wave")
        if not {"pre", "post"} <= set(by_person.columns):
            continue
        both = by_person.dropna(subset=["pre", "post"])
        moved = _plain_shifts(
            npcat.categorize(both["pre"], scheme), npcat.categorize(both["post"], scheme), scheme
        )
        group = part.drop_duplicates("participant_code").set_index("participant_code")["group"]
        for arm in analysis_groups(scores, study.arm_order()):
            chosen = moved if arm == "all" else moved[group.reindex(both.index).eq(arm)]
            counts = chosen.value_counts()
            moves.append(
                {"scale": scale, "scheme": name, "group": arm, "n": len(chosen)}
                | {k: int(counts.get(k, 0)) for k in ("up", "stayed", "down")}
            )
    return pd.concat(rows, ignore_index=True), pd.DataFrame(moves)


def test_categories_on_integer_codes_equal_the_labels_categorized_one_by_one(demo_analysis):
    """score.category_tables works on level codes; the plain path categorizes text labels.
    The demo's scores, with some removed, give the same categories and the same shifts."""
    from pipeline.stages.score import category_tables

    study = demo_analysis.study
    scores = demo_analysis.scored.scores.copy()
    gone = np.random.default_rng(19).random(len(scores)) < 0.1
    scores.loc[gone, ["sum", "mean"]] = np.nan
    categories, _, shift = category_tables(scores, study)
    plain, plain_shift = _plain_categories(scores, study)
    missing = "(missing)"
    got = categories["category"].astype(object).fillna(missing)
    assert got.tolist() == plain["category"].fillna(missing).tolist()
    assert got.eq(missing).any() and not got.eq(missing).all()
    assert categories["scheme"].astype(str).tolist() == plain["scheme"].tolist()
    pd.testing.assert_frame_equal(
        shift.sort_values(["scale", "scheme", "group"]).reset_index(drop=True),
        plain_shift.sort_values(["scale", "scheme", "group"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert shift["n"].sum() > 0 and shift["up"].sum() > 0


def test_a_long_table_writes_the_bytes_of_the_one_at_a_time_writers(monkeypatch, tmp_path):
    """Its parquet file is written in a second thread while the CSV streams; the files are
    those of the two writers run one after the other."""
    monkeypatch.setattr(outputs, "ARROW_CSV_ROWS", 10)
    frame = pd.DataFrame({"code": [f"P{i:04d}" for i in range(300)], "x": np.arange(300) / 7})
    frame["group"] = pd.Categorical(["=a" if i % 3 else "b" for i in range(300)])
    outputs.write_table(tmp_path, "long", frame)
    expected_csv = outputs.csv_bytes(outputs.neutralize_formulas(frame))
    assert (tmp_path / "long.csv").read_bytes() == expected_csv
    expected_parquet = frame.to_parquet(index=False, engine="pyarrow")
    assert (tmp_path / "long.parquet").read_bytes() == expected_parquet


# --------------------------------------------------------------------------- portfolio caches


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([np.nan, 0.0, 1.0, 2.0, 3.0, 5.0, 7.0, -0.0, 2.5, -1.0, np.inf])),
    st.sampled_from([[1, 2, 3, 4, 5], [0, 1, 2, 3], [], [1, 2, 3, 4, 5, 6, 7]]),
)
def test_on_scale_check_on_numbers_equals_the_pandas_form(values, scale):
    from pipeline.stages.validate import _on_scale

    codes = pd.Series(values, index=np.arange(len(values)) * 3 + 5, dtype=float)
    for column in (codes, codes.astype(object)):
        expected = column.isin(scale) | column.isna()
        pd.testing.assert_series_equal(_on_scale(column, scale), expected)


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="ab Ç/[]1.)*:\n\u00a0-", max_size=40))
def test_remembered_header_keys_equal_the_keys_computed_afresh(header):
    from pipeline.stages import header_names

    expected = header_names._header_keys(header)
    assert header_names.header_keys(header) == expected
    assert header_names.header_keys(header) == expected  # the remembered answer
    long = header * 20 + "x" * 600  # past the remembered length: computed each time
    assert header_names.header_keys(long) == header_names._header_keys(long)


def test_a_codebook_is_loaded_again_only_when_its_file_changed(tmp_path):
    from pipeline.config.instrument import builtin_instrument_path, load_instrument

    source = builtin_instrument_path("career_awareness_planning").read_text(encoding="utf-8")
    path = tmp_path / "codebook.yaml"
    path.write_text(source, encoding="utf-8")
    first = load_instrument(path)
    assert load_instrument(path) is first  # same file, same content: shared (models are frozen)
    changed = source.replace(f"id: {first.id}", "id: changed_codebook", 1)
    assert changed != source
    path.write_text(changed, encoding="utf-8")
    again = load_instrument(path)
    assert again is not first and again.id == "changed_codebook"
    path.write_text("items: [", encoding="utf-8")  # a broken file is still reported
    with pytest.raises(ConfigError, match=r"YAML|codebook"):
        load_instrument(path)


def test_the_header_lookup_kept_per_codebook_matches_a_fresh_one():
    from pipeline.stages.headers import _Lookup, _lookup

    instrument = load_study(DEMO / "study.yaml").instrument_spec
    kept = _lookup(instrument)
    assert _lookup(instrument) is kept
    fresh = _Lookup(instrument)
    headers = [*fresh.exact, *fresh.keys, "Cap waktu", "Nama Lengkap", "1. Saya tahu", "x/y"]
    assert [kept.match(h) for h in headers] == [fresh.match(h) for h in headers]


def _plain_conflicts(dupes: pd.DataFrame, kept: pd.DataFrame) -> np.ndarray:
    """The rows of ``dupes`` whose group or contact differ from their kept row, by a
    reindex on (wave, id): the way the clean stage compared them before."""
    keys = ["wave", "id_norm"]
    compare = ["group_label", *[c for c in kept.columns if c.startswith("contact__")]]
    latest = kept[[*keys, *compare]].set_index(keys)[compare]
    other = latest.reindex(pd.MultiIndex.from_frame(dupes[keys]))
    return (other.to_numpy() != dupes[compare].to_numpy()).any(axis=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["pre", "post"]),
            st.sampled_from(["ani", "budi", "citra", "dewi", ""]),
            st.sampled_from(["A", "B", ""]),
            st.sampled_from(["0812", "0813", "", None]),
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda r: (r[0], r[1]),
    ),
    st.lists(
        st.tuples(
            st.integers(0, 11),
            st.sampled_from(["A", "B", ""]),
            st.sampled_from(["0812", "0814", None]),
        )
    ),
)
def test_duplicate_conflicts_by_position_equal_the_reindexed_ones(kept_rows, dupe_rows):
    from pipeline.stages.clean import _duplicate_conflicts

    kept = pd.DataFrame(kept_rows, columns=["wave", "id_norm", "group_label", "contact__hp"])
    kept.index = np.arange(len(kept)) * 2 + 1
    chosen = [(kept_rows[k % len(kept_rows)], group, phone) for k, group, phone in dupe_rows]
    dupes = pd.DataFrame(
        {
            "wave": [row[0] for row, _, _ in chosen],
            "id_norm": [row[1] for row, _, _ in chosen],
            "group_label": [group for _, group, _ in chosen],
            "contact__hp": [phone for _, _, phone in chosen],
            "source_file": "pre.csv",
            "source_row": np.arange(len(chosen)) + 2,
            "kept_row": np.arange(len(chosen)) + 50,
        }
    )
    found = _duplicate_conflicts(dupes, kept)
    if dupes.empty:
        assert found == []
        return
    expected = dupes.loc[_plain_conflicts(dupes, kept), "source_row"].tolist()
    assert [p.row for p in found] == expected


def _plain_matrix(long: pd.DataFrame, values: pd.Series, columns: list[str]):
    """The first non-missing value per participant and cell by pandas' groupby, on every
    participant and every combination of the columns' values (sorted), and each
    participant's first row."""
    keyed = long.dropna(subset=["participant_code", *columns])
    found = keyed.assign(value=values).dropna(subset=["value"])
    cells = found.groupby(["participant_code", *columns])["value"].first().unstack(columns)
    header = pd.MultiIndex.from_product([sorted(keyed[c].unique()) for c in columns])
    codes = sorted(keyed["participant_code"].unique())
    cells = cells.reindex(index=codes, columns=header) if len(cells) else None
    first = [int(np.flatnonzero(long["participant_code"].eq(c).to_numpy())[0]) for c in codes]
    return cells, codes, first


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 60), st.booleans())
def test_participant_matrix_from_given_keys_equals_the_plain_pivot(seed, n, repeats):
    """The matrix from codes factorized by the pivot itself, or once for the whole table
    and narrowed to some rows (:class:`Participants`), equals pandas' groupby: the first
    value per participant and cell, participants sorted, with repeated cells (which take
    the sorting path of the first-of-each search) and without."""
    from pipeline.stages.pairs import Participants, participant_matrix

    rng = np.random.default_rng(seed)
    rows = n * (3 if repeats else 1)
    table = pd.DataFrame(
        {
            "participant_code": rng.choice([f"P{k:03d}" for k in range(n)], rows),
            "scale": rng.choice(["s2", "s1"], rows),
            "wave": rng.choice(["pre", "post", "follow_up"], rows),
        }
    )
    if not repeats:  # one row per participant and cell at most
        table = table.drop_duplicates(["participant_code", "scale", "wave"], ignore_index=True)
    table["value"] = np.where(rng.random(len(table)) < 0.2, np.nan, rng.random(len(table)))
    everyone = Participants.of(table["participant_code"])
    chosen = table["wave"].isin(["pre", "post"]).to_numpy()
    part = table[chosen].reset_index(drop=True)
    cells, codes, first = _plain_matrix(part, part["value"], ["scale", "wave"])
    for people in (None, everyone.at(chosen)):
        wide, at = participant_matrix(part, part["value"], ["scale", "wave"], people=people)
        assert wide.index.tolist() == codes and at.tolist() == first
        if cells is not None:
            np.testing.assert_array_equal(wide.to_numpy(), cells.to_numpy())


def test_score_participants_repeat_the_responses_keys_per_scale(demo_analysis):
    """The scores' codes factorized from the responses' once per scale block equal the
    scores' own codes factorized."""
    from pipeline.stages.pairs import Participants
    from pipeline.stages.score import score_participants

    scored = demo_analysis.scored
    respondents, tiled = score_participants(scored.keyed, scored.scores)
    np.testing.assert_array_equal(
        respondents.keys, Participants.of(scored.keyed["participant_code"]).keys
    )
    own = Participants.of(scored.scores["participant_code"])
    np.testing.assert_array_equal(tiled.keys, own.keys)
    assert tiled.codes.equals(own.codes)
    assert scored.participants is not None
    np.testing.assert_array_equal(scored.participants.keys, own.keys)


def test_careless_reasons_written_for_the_flagged_rows_equal_every_rows_words(demo_analysis):
    """careless_flags words only the flagged rows; the plain path words every row (blank
    where nothing is flagged). Random answers with long runs, attention checks failed and
    blanks give the same reasons, of the same dtype."""
    from pipeline.stages.careless import careless_flags, reasons

    instrument = demo_analysis.study.instrument_spec
    likert = [item.id for item in instrument.items_of("likert")]
    checks = [check.id for check in instrument.attention_checks]
    rng = np.random.default_rng(19)
    n = 400
    answers = rng.integers(1, 6, size=(n, len(likert))).astype(float)
    answers[rng.random(n) < 0.2] = 3.0  # straight lines
    answers[rng.random(answers.shape) < 0.05] = np.nan
    responses = pd.DataFrame(answers, columns=likert, index=np.arange(n) * 3)
    for check in checks:
        responses[check] = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, np.nan], n)
    flags = careless_flags(responses, instrument, longstring_share=0.8)
    plain = reasons(
        flags["longstring"].to_numpy(),
        flags["attention_failed"].to_numpy(),
        long=flags["longstring_flag"].to_numpy(),
        n_items=len(likert),
    )
    assert flags["flagged"].any() and not flags["flagged"].all()
    assert flags["reason"].tolist() == list(plain)
    assert flags["reason"].dtype == pd.Series(plain).dtype


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.0, 0.1, 0.6]))
def test_pairwise_moments_centre_the_columns_as_nanmean(seed, missing):
    """pairwise_moments centres each column by its answers' sum over their count; the
    plain path is nanmean over the columns (an unanswered column's centre 0). The moments
    are bit for bit those of the plain centring."""
    from pipeline.stats import reliability as rel
    from pipeline.stats.threads import one_blas_thread

    rng = np.random.default_rng(seed)
    values = rng.integers(1, 6, size=(50, 6)).astype(float)
    values[rng.random(values.shape) < missing] = np.nan
    values[:, 2] = np.nan if seed % 3 == 0 else values[:, 2]  # a column without answers
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(np.where(present.any(axis=0), values, 0.0), axis=0)
    x = np.where(present, values - centre, 0.0)
    mask = present.astype(float)
    with one_blas_thread():
        n = mask.T @ mask
        sums = x.T @ mask
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (x.T @ x - sums * sums.T / n) / (n - 1)
    cov[n < 2] = np.nan
    np.testing.assert_array_equal(rel.pairwise_moments(values)[0], cov)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_first_wave_levels_by_integer_keys_equal_the_text_lookup(demo_analysis, seed):
    """compare's subgroup levels: each participant's level at their first wave, found by
    the responses' integer keys, equal the plain path's sort, drop_duplicates and reindex
    on the text codes, with some participants' pre rows gone, rows shuffled, and an index
    of the codes that lacks some participants or is exactly theirs."""
    from pipeline.config import WAVE_ORDER
    from pipeline.stages.compare import _first_wave_rows
    from pipeline.stages.pairs import Participants

    study = demo_analysis.study
    keyed = demo_analysis.scored.keyed
    demo = next(d.name for d in study.demographics if d.name in keyed)
    rng = np.random.default_rng(seed)
    keyed = keyed[~(keyed["wave"].eq("pre").to_numpy() & (rng.random(len(keyed)) < 0.2))]
    keyed = keyed.iloc[rng.permutation(len(keyed))]
    keyed.loc[keyed.index[rng.random(len(keyed)) < 0.1], demo] = ""
    codes = pd.Index(sorted(keyed["participant_code"].unique()), name="participant_code")
    for index in (codes, codes[rng.random(len(codes)) < 0.7]):
        first = (
            keyed[["participant_code", "wave"]]
            .sort_values("wave", key=lambda w: w.map(WAVE_ORDER))
            .drop_duplicates("participant_code")
        )
        level_of = keyed.loc[first.index, ["participant_code", demo]]
        plain = level_of.set_index("participant_code")[demo].replace("", np.nan)
        plain = plain.reindex(index).to_numpy()
        for respondents in (None, Participants.of(keyed["participant_code"])):
            rows, at = _first_wave_rows(keyed, respondents, index)
            level = keyed[demo].iloc[rows].set_axis(at).replace("", np.nan)
            got = level.reindex(pd.RangeIndex(len(index))).to_numpy()
            assert got.dtype == plain.dtype
            assert pd.isna(got).tolist() == pd.isna(plain).tolist()
            assert [str(v) for v in got] == [str(v) for v in plain]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["treatment", "control"]), st.sampled_from(["L", "P", "X"])),
        min_size=1,
        max_size=30,
    )
)
def test_empty_cells_counted_on_codes_equal_the_crosstab(cells):
    """The interaction test's note on empty arm x level cells, from integer codes, equals
    the one read off pandas' crosstab."""
    from pipeline.stats.models import _cells_note

    levels = pd.Series([lv for _, lv in cells])
    text = pd.Series([g for g, _ in cells])
    for groups in (text, text.astype("category")):  # the scores' groups are categorical
        table = pd.crosstab(groups, levels)
        empty = [
            f"{g} x {lv}" for g in table.index for lv in table.columns if table.loc[g, lv] == 0
        ]
        plain = (
            f"no participants in: {', '.join(empty)}; the interaction is not estimable"
            if empty
            else ""
        )
        assert _cells_note(groups, levels) == plain


def test_gain_notes_by_number_equal_the_notes_chosen_as_text(demo_analysis):
    """gain_tables picks each row's note by number, then its words; the plain path lets
    np.select choose among the texts. Same notes, same dtype, on the demo's gains with a
    ceiling and declines."""
    gain = demo_analysis.scored.gain.copy()
    gain.loc[gain.index[:3], "pre_pomp"] = 100.0
    plain = pd.Series(
        np.select(
            [gain["pre_pomp"] >= 100, gain["post_pomp"] < gain["pre_pomp"]],
            ["pre at the ceiling: no room to gain", "declined"],
            default="",
        ),
        index=gain.index,
    )
    from pipeline.stages.score import GAIN_NOTES

    numbered = np.select([gain["pre_pomp"] >= 100, gain["post_pomp"] < gain["pre_pomp"]], [1, 2])
    got = gain.assign(note=GAIN_NOTES[numbered])["note"]
    assert got.dtype == gain.assign(note=plain.to_numpy())["note"].dtype
    assert got.tolist() == plain.tolist() and set(got) == {"", "declined", plain.iloc[0]}


def test_clean_orders_by_code_numbers_as_by_the_codes(demo_analysis):
    """Clean sorts its responses and careless table, and counts attrition, by the code
    numbers; the plain path sorts and factorizes the text codes. Same tables."""
    from pipeline.config import WAVE_ORDER
    from pipeline.stages.clean import attrition_table

    cleaned = demo_analysis.cleaned
    responses, careless = cleaned.responses, cleaned.careless
    plain = responses.sort_values(
        ["participant_code", "wave"],
        key=lambda s: s.map(WAVE_ORDER) if s.name == "wave" else s,
    ).reset_index(drop=True)
    pd.testing.assert_frame_equal(responses, plain)
    plain = careless.sort_values(["participant_code", "wave"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(careless, plain)
    numbers = responses["participant_code"].str[1:].astype(int).to_numpy()
    pd.testing.assert_frame_equal(attrition_table(responses, numbers), attrition_table(responses))
    assert len(cleaned.attrition) and cleaned.attrition.equals(attrition_table(responses))
