"""The page itself (run by Streamlit): five steps from program facts to downloads.

Each step calls :mod:`pipeline.app.steps`, :mod:`pipeline.app.mapping` or
:mod:`pipeline.app.runner`; a problem with the user's input is shown as the same located
problem table the command line prints, and anything unexpected as one plain sentence (the
traceback goes to the log, never to the page).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from pipeline.app import mapping, runner, steps
from pipeline.app.launch import ROOT_VARIABLE
from pipeline.app.text import LANGUAGES, Words
from pipeline.bundle.workspace import StudyFolders
from pipeline.config import load_study
from pipeline.errors import PkmEvalError, Problem

log = logging.getLogger("pipeline.app")

STEPS = (1, 2, 3, 4, 5)
FACTS = ("title", "partner", "place", "method", "funder", "participants")
REQUIRED_FACTS = ("title", "partner", "place", "method")
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm"]
#: As many problems as the command line prints; the count of the others follows.
SHOWN_PROBLEMS = 200
state = st.session_state


def root() -> Path:
    """The project folder the page works in (``data/raw``, ``data/processed``, ``reports``)."""
    return Path(os.environ.get(ROOT_VARIABLE) or Path.cwd()).resolve()


def folders() -> StudyFolders:
    raw = Path(state["raw"]) if state.get("raw") else None
    return StudyFolders.under(root(), state["program_id"], raw=raw)


def go(step: int) -> None:
    state["step"] = step
    state["reached"] = max(state.get("reached", 1), step)
    st.rerun()


def show_problems(problems: list[Problem] | tuple[Problem, ...], w: Words) -> None:
    """The located problem table, in the page's language."""
    table = steps.problem_table(problems, w.language)
    table = table.assign(severity=table["severity"].map(w.choice("severity")))
    st.error(w("problems_found", n=len(table)))
    shown = table.head(SHOWN_PROBLEMS).rename(columns={c: w(f"col_{c}") for c in table.columns})
    st.table(shown.astype(str).replace({"<NA>": ""}).set_index(w("col_severity")))
    if len(table) > SHOWN_PROBLEMS:
        st.caption(w("problems_more", n=len(table) - SHOWN_PROBLEMS))


def guarded(view, w: Words) -> None:
    """Run one step; bad input becomes the problem table, a bug one sentence and a log entry."""
    try:
        view(w)
    except PkmEvalError as error:
        show_problems(error.problems, w)
    except Exception:
        log.exception("The page failed unexpectedly")
        st.error(w("unexpected"))


# --------------------------------------------------------------------------- sidebar


def sidebar(w: Words) -> None:
    with st.sidebar:
        st.radio(
            "Bahasa / Language",
            LANGUAGES,
            key="lang",
            format_func={"id": "Bahasa Indonesia", "en": "English"}.get,
            horizontal=True,
        )
        st.caption(w("root", path=root()))
        for step in STEPS:
            reached = step <= state.get("reached", 1)
            label = f"{step}. {w(f'step{step}')}"
            if st.button(label, key=f"nav{step}", disabled=not reached, width="stretch"):
                go(step)
        if state.get("program_id"):
            delete_panel(w)


def delete_panel(w: Words) -> None:
    with st.expander(w("delete_title")):
        st.write(w("delete_text", id=state["program_id"]))
        sure = st.checkbox(w("delete_confirm"), key="delete_sure")
        if st.button(w("delete_button"), disabled=not sure, type="primary"):
            removed = folders().remove()
            for key in list(state.keys()):
                if key != "lang":
                    del state[key]
            state["deleted"] = [str(p) for p in removed]
            st.rerun()


# --------------------------------------------------------------------------- step 1


def step_facts(w: Words) -> None:
    st.write(w("step1_intro"))
    new, existing = st.tabs([w("new_study"), w("open_study")])
    with new:
        facts_form(w)
    with existing:
        open_form(w)


def facts_form(w: Words) -> None:
    saved = state.get("facts", {})
    with st.form("facts_form"):
        values = {key: st.text_input(w(f"fact_{key}"), value=saved.get(key, "")) for key in FACTS}
        start = st.date_input(
            w("fact_start_date"), value=saved.get("start_date"), format="DD/MM/YYYY"
        )
        end = st.date_input(w("fact_end_date"), value=saved.get("end_date"), format="DD/MM/YYYY")
        short = st.text_input(
            w("fact_id"), value=state.get("program_id", ""), help=w("fact_id_help")
        )
        submitted = st.form_submit_button(w("save_facts"), type="primary")
    if not submitted:
        return
    facts = {k: v.strip() for k, v in values.items() if v.strip()}
    facts |= {k: v for k, v in (("start_date", start), ("end_date", end)) if v}
    missing = [w(f"fact_{k}") for k in REQUIRED_FACTS if k not in facts]
    if missing:
        st.warning(w("facts_missing", names=", ".join(missing)))
        return
    program_id = steps.slug(short or facts["title"])
    checked = {"start_date": dt.date.today(), "end_date": dt.date.today(), **facts}
    problems = steps.check_facts(checked, program_id=program_id)
    if problems:
        show_problems(problems, w)
        return
    taken = StudyFolders.under(root(), program_id).study_file
    if taken.is_file() and state.get("program_id") != program_id:
        st.warning(w("study_exists", id=program_id))
        return
    state.update(facts=facts, program_id=program_id, raw=None, opened=False)
    go(2)


def open_form(w: Words) -> None:
    found = sorted(root().glob("data/raw/**/study.yaml"))
    if not found:
        st.info(w("no_studies"))
        return
    choice = st.selectbox(
        w("existing_study"), found, format_func=lambda p: p.relative_to(root()).as_posix()
    )
    if st.button(w("open_button")):
        study = load_study(choice)
        state.update(
            program_id=study.program.id, raw=str(choice.parent), opened=True,
            study_path=str(choice), facts={}, reached=5,
        )  # fmt: skip
        go(4)


# --------------------------------------------------------------------------- step 2


def step_uploads(w: Words) -> None:
    st.write(w("step2_intro"))
    design = st.radio(
        w("design"),
        ("prepost", "tryout"),
        format_func=w.choice("design"),
        horizontal=True,
        key="design",
    )
    waves = ("pre", "post", "follow_up") if design == "prepost" else (steps.TRYOUT,)
    uploads = {
        role: st.file_uploader(w(f"upload_{role}"), type=UPLOAD_TYPES, key=f"up_{role}")
        for role in waves
    }
    with st.expander(w("logs_title")):
        for role in steps.LOGS:
            uploads[role] = st.file_uploader(
                w(f"upload_{role}"), type=UPLOAD_TYPES, key=f"up_{role}"
            )
    st.caption(w("upload_where", folder=folders().raw))
    if not st.button(w("read_uploads"), type="primary"):
        return
    needed = ("pre", "post") if design == "prepost" else (steps.TRYOUT,)
    if any(uploads[role] is None for role in needed):
        st.warning(w(f"need_{design}"))
        return
    target = folders()
    paths = {
        role: target.save_export(role, file.name, file.getvalue())
        for role, file in uploads.items()
        if file is not None
    }
    frames = steps.read_exports(paths)
    draft = steps.draft_exports(frames, paths)
    table = mapping.mapping_table(draft)
    state.update(paths=paths, frames=frames, draft=draft, grid=table, instrument="")
    state.update(labels=mapping.labels_table(draft), arms=None, study_path=None, checked=None)
    go(3)


# --------------------------------------------------------------------------- step 3


def _grid_config(w: Words, *, locked: bool) -> dict:
    column = st.column_config
    return {
        "header": column.TextColumn(w("col_header"), disabled=True),
        "role": column.SelectboxColumn(
            w("col_role"),
            options=list(mapping.ROLE_CHOICES),
            format_func=w.choice("role"),
            required=True,
        ),
        "item_id": column.TextColumn(w("col_item_id"), disabled=locked),
        "scale": column.TextColumn(w("col_scale"), disabled=locked, help=w("col_scale_help")),
        "reverse": column.CheckboxColumn(w("col_reverse"), disabled=locked),
        "reason": column.TextColumn(w("col_reason"), disabled=True),
    }


def instrument_choice(w: Words) -> str:
    """The bundled instrument chosen ("" for the drafted codebook); choosing one fills the
    grid in."""
    names = ["", *mapping.builtin_instruments()]
    titles = mapping.builtin_instruments()
    chosen = st.selectbox(
        w("instrument"),
        names,
        index=names.index(state.get("instrument", "")),
        format_func=lambda n: titles.get(n) or w("instrument_draft"),
    )
    if chosen != state.get("instrument", ""):
        table = mapping.mapping_table(state["draft"])
        state["grid"] = mapping.builtin_mapping(table, chosen) if chosen else table
        state["instrument"] = chosen
    return chosen


def arms_editor(w: Words, grid: pd.DataFrame) -> pd.DataFrame:
    groups = list(grid.loc[grid["role"].eq("group"), "header"])
    header = groups[0] if groups else None
    if len(groups) > 1:
        st.warning(w("one_group_column", column=header))
    arms = state.get("arms")
    if arms is None or state.get("arms_for") != header:
        arms = mapping.arms_table(state["draft"], state["frames"], header)
        state.update(arms=arms, arms_for=header)
    if header is None:
        return arms
    st.subheader(w("arms_title"))
    options = list(mapping.ARMS)
    return st.data_editor(
        arms,
        key=f"arms_editor_{header}",
        hide_index=True,
        column_config={
            "label": st.column_config.TextColumn(w("col_label"), disabled=True),
            "arm": st.column_config.SelectboxColumn(
                w("col_arm"), options=options, format_func=w.choice("arm"), required=True
            ),
        },
    )


def log_keys(w: Words) -> dict:
    """The study-file keys of the uploaded program logs, their columns chosen here."""
    paths, keys = state.get("paths", {}), {}
    if "attendance" in paths:
        headers = steps.log_headers(paths["attendance"])
        st.subheader(w("attendance_title"))
        keys["attendance"] = {
            "file": paths["attendance"].name,
            "session_column": st.selectbox(w("attendance_session"), headers),
            "id_column": st.selectbox(w("attendance_id"), headers, index=min(1, len(headers) - 1)),
        }
    if "service_log" in paths:
        headers = steps.log_headers(paths["service_log"])
        st.subheader(w("service_title"))
        case = st.selectbox(w("service_case"), headers)
        chosen = st.multiselect(w("service_steps"), [h for h in headers if h != case])
        if len(chosen) >= 2:
            keys["service_log"] = {
                "file": paths["service_log"].name,
                "case_column": case,
                "steps": [{"name": step} for step in chosen],
            }
    return keys


def step_mapping(w: Words) -> None:
    if state.get("draft") is None:
        st.info(w("mapping_needs_uploads"))
        return
    st.write(w("step3_intro"))
    instrument = instrument_choice(w)
    shown = state["grid"].assign(reason=state["grid"]["reason"].map(w.reason))
    grid = st.data_editor(
        shown,
        key=f"mapping_editor_{instrument}",
        hide_index=True,
        column_config=_grid_config(w, locked=bool(instrument)),
        width="stretch",
    )
    for role in ("id", "timestamp"):
        if grid["role"].eq(role).sum() > 1:
            st.warning(w(f"one_{role}_column"))
    st.subheader(w("labels_title"))
    labels = st.data_editor(
        state["labels"],
        key=f"labels_editor_{instrument}",
        hide_index=True,
        num_rows="dynamic",
        disabled=bool(instrument),
        column_config={
            "label_id": st.column_config.TextColumn(w("col_label_id")),
            "label_en": st.column_config.TextColumn(w("col_label_en")),
            "code": st.column_config.NumberColumn(w("col_code"), step=1),
        },
    )
    arms = arms_editor(w, grid)
    draft = state["draft"]
    id_kind = st.radio(
        w("id_kind"), ("name", "number"), index=int(draft.id_kind == "number"),
        format_func=w.choice("id_kind"), horizontal=True,
    )  # fmt: skip
    language = st.radio(
        w("report_language"), LANGUAGES, index=LANGUAGES.index(w.language),
        format_func={"id": "Bahasa Indonesia", "en": "English"}.get, horizontal=True,
    )  # fmt: skip
    extra = log_keys(w)
    if st.button(w("save_mapping"), type="primary"):
        state.update(grid=grid, labels=labels, arms=arms)
        revised = mapping.revise(
            draft, grid, labels=labels, arms=arms, frames=state["frames"], id_kind=id_kind
        )
        steps.write_study(
            folders(), revised, facts=state.get("facts", {}), language=language,
            instrument=instrument or None, scales=mapping.scales_of(grid), extra=extra,
        )  # fmt: skip
        state.update(study_path=str(folders().study_file), checked=None)
        go(4)


# --------------------------------------------------------------------------- step 4


def step_validate(w: Words) -> None:
    if not state.get("study_path"):
        st.info(w("validate_needs_study"))
        return
    study_path = Path(state["study_path"])
    st.write(w("step4_intro", file=study_path))
    if st.button(w("validate_button"), type="primary"):
        state["checked"] = steps.check_study(study_path)
    checked: steps.Checked | None = state.get("checked")
    if checked is None:
        return
    good = checked.n_input - checked.n_quarantined
    st.write(w("validate_counts", n=checked.n_input, good=good, bad=checked.n_quarantined))
    if checked.problems:
        show_problems(checked.problems, w)
    else:
        st.success(w("no_problems"))
    reviews_panel(w, checked, study_path)
    if st.button(w("to_run"), type="primary"):
        go(5)


def reviews_panel(w: Words, checked: steps.Checked, study_path: Path) -> None:
    pending = checked.pending
    if pending.empty:
        return
    st.subheader(w("reviews_title", n=len(pending)))
    st.caption(w("reviews_help"))
    choices = {}
    for index, row in pending.iterrows():
        choices[index] = st.radio(
            w("review_pair", base=row["name_base"], other=row["name_other"],
              wave=row["wave"], score=row["score"]),
            ("", "yes", "no"), format_func=w.choice("decision"),
            key=f"review_{index}", horizontal=True,
        )  # fmt: skip
    if st.button(w("save_decisions")):
        review = checked.review.copy()
        for index, decision in choices.items():
            review.loc[index, "decision"] = decision
        path = folders().save_review(review, study_path)
        state["checked"] = steps.check_study(study_path)
        st.success(w("decisions_saved", file=path.name))


# --------------------------------------------------------------------------- step 5


def step_run(w: Words) -> None:
    if not state.get("study_path"):
        st.info(w("validate_needs_study"))
        return
    study_path = Path(state["study_path"])
    st.write(w("step5_intro"))
    job = runner.current(study_path)
    busy = job is not None and job.running
    if st.button(w("run_button"), type="primary", disabled=busy):
        target = folders()
        job = runner.start(
            study_path,
            processed_root=target.processed.parent,
            reports_root=target.reports.parent,
        )
        state["shown_end"] = None
    if job is not None:
        st.fragment(run_every=1.0 if job.running else None)(progress_panel)(w, study_path)
        results(w, job)


def progress_panel(w: Words, study_path: Path) -> None:
    """The run's progress, refreshed every second while it runs; a full rerun once it ends
    shows the results."""
    job = runner.current(study_path)
    if job is None:
        return
    current = job.started[-1] if job.started else job.stages[0]
    text = w("progress", stage=w(f"stage_{current}")) if job.running else w("progress_ended")
    st.progress(job.share_done, text=text)
    marks = {  # Streamlit's own icon font: no emoji font needed, nothing fetched
        "done": ":green[:material/check_circle:]",
        "running": ":blue[:material/hourglass_top:]",
        "waiting": ":gray[:material/radio_button_unchecked:]",
        "stopped": ":red[:material/cancel:]",
    }
    st.markdown("  \n".join(f"{marks[job.stage_state(s)]} {w(f'stage_{s}')}" for s in job.stages))
    if not job.running and state.get("shown_end") != job.serial:
        state["shown_end"] = job.serial
        st.rerun(scope="app")


def results(w: Words, job: runner.Job) -> None:
    if job.running:
        return
    if job.problems:
        show_problems(job.problems, w)
        return
    if job.failed:
        st.error(w("unexpected"))
        return
    ledger = job.result.analysis.cleaned.ledger["outcome"].value_counts()
    st.success(w("run_done", rows=int(ledger.sum())))
    downloads(w)
    report = job.result.report_path
    if report is not None and report.is_file():
        st.subheader(w("report_title"))
        st.iframe(report, height=900)


def downloads(w: Words) -> None:
    target = folders()
    st.subheader(w("downloads_title"))
    columns = st.columns(3)
    entries = [(key, path.read_bytes, path.name, mime) for key, path, mime in steps.outputs(target)]
    if (target.reports / "article").is_dir():
        entries.append(("article", target.article_kit, "article_kit.zip", "application/zip"))
    entries.append(("archive", target.archive, f"{target.processed.name}.zip", "application/zip"))
    for n, (key, data, name, mime) in enumerate(entries):
        columns[n % 3].download_button(
            w(f"download_{key}"), data=data, file_name=name, mime=mime,
            on_click="ignore", key=f"download_{key}", width="stretch",
        )  # fmt: skip
    st.caption(w("archive_note"))


# --------------------------------------------------------------------------- the page

VIEWS = {1: step_facts, 2: step_uploads, 3: step_mapping, 4: step_validate, 5: step_run}


def main() -> None:
    st.set_page_config(page_title="pkm-eval", page_icon="📊", layout="wide")
    state.setdefault("lang", LANGUAGES[0])
    state.setdefault("step", 1)
    w = Words(state["lang"])
    guarded(sidebar, w)
    st.title(w("title"))
    if state.get("deleted") is not None:
        st.success(w("deleted", n=len(state.pop("deleted"))))
    step = state["step"]
    st.caption(w("step_of", n=step, total=len(STEPS)))
    st.header(w(f"step{step}"))
    guarded(VIEWS[step], w)


main()
