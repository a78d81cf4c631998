"""Writing a draft out: the codebook and ``study.yaml`` as YAML with comments in Indonesian
and English on what to check (templates ``pipeline/templates/draft_*.yaml.j2``), the neutral
study file of a plain ``pkm-eval init``, and a few lines for the console on what was found."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.draft.propose import Draft
from pipeline.text import normalize_text, phrase

__all__ = ["describe", "render_blank_study", "render_codebook", "render_study"]


def describe(draft: Draft, language: str = "en", *, study: str, codebook: str) -> list[str]:
    """What the draft found, in a few lines for the console, in ``"id"`` or ``"en"``.

    Parameters
    ----------
    draft
        What :func:`propose` found.
    language
        ``"id"`` or ``"en"``.
    study, codebook
        The files written, as the user should type them.
    """
    none = phrase("none", language)
    lines = [
        phrase("draft_written", language, study=study, codebook=codebook),
        phrase(
            "draft_items",
            language,
            items=len(draft.items),
            family=draft.scale.family,
            low=draft.scale.min,
            high=draft.scale.max,
            reverse=sum(item.reverse for item in draft.items),
        ),
    ]
    if draft.id_column:
        keys = [(draft.id_column, draft.id_kind), *draft.id_fallbacks]
        columns = ", ".join(f"'{column}' ({kind})" for column, kind in keys)
        lines.append(phrase("draft_id", language, columns=columns))
    failed = next((j for j in draft.id_judgements if j.column == draft.id_column), None)
    if draft.id_column and not draft.id_usable and failed is not None:
        reasons = ", ".join(failed.reasons)
        lines.append(phrase("draft_id_unusable", language, column=draft.id_column, reasons=reasons))
    lines.append(
        phrase(
            "draft_columns",
            language,
            timestamp=draft.timestamp or none,
            contacts=", ".join(draft.contacts) or none,
            group=draft.group.column if draft.group else none,
            demographics=", ".join(d.column for d in draft.demographics) or none,
        )
    )
    if "post" not in draft.files and "tryout" not in draft.files:
        lines.append(phrase("draft_missing_post", language))
    lines.append(phrase("draft_next", language, study=study))
    return lines


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # A JSON string is a YAML double-quoted scalar: any header text stays one safe value.
    env.filters["q"] = lambda text: json.dumps(str(text), ensure_ascii=False)
    env.filters["r"] = lambda value: f"{value:.2f}"
    return env


def render_codebook(
    draft: Draft,
    *,
    instrument_id: str = "kuesioner",
    scales: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The proposed codebook as YAML text (loads with :func:`pipeline.config.load_instrument`).

    Parameters
    ----------
    draft
        What :func:`pipeline.draft.propose` found.
    instrument_id
        The codebook's ``id``.
    scales
        Subscale name to its item ids, when the user named two or more subscales; they are
        written with a total scale over every item. Default: one scale of every item.

    Notes
    -----
    Items get their Indonesian text only (the English text is optional; a comment says where
    to add it); the items that look reverse-keyed get ``reverse: true`` with a comment asking
    to check it.
    """
    return (
        _environment()
        .get_template("draft_codebook.yaml.j2")
        .render(
            draft=draft,
            instrument_id=instrument_id,
            sources=_sources(draft),
            scales=_named_scales(scales) if scales and len(scales) > 1 else None,
        )
    )


def _named_scales(scales: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """Each named subscale with an id made from its name (unique, a letter first)."""
    taken: set[str] = set()
    named = []
    for name, items in scales.items():
        slug = re.sub(r"[^a-z0-9]+", "_", normalize_text(name)).strip("_") or "scale"
        slug = slug if slug[0].isalpha() else f"s_{slug}"
        base, n = slug, 2
        while slug in taken or slug == "total":
            slug, n = f"{base}_{n}", n + 1
        taken.add(slug)
        named.append({"id": slug, "name": name, "items": list(items)})
    return named


def render_study(
    draft: Draft,
    *,
    codebook: str = "codebook.yaml",
    program_id: str = "studi",
    language: str = "id",
    today: dt.date | None = None,
    program: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The proposed ``study.yaml`` as text (loads with :func:`pipeline.config.load_study`).

    Parameters
    ----------
    draft
        What :func:`propose` found.
    codebook
        The codebook's file name, relative to the study file.
    program_id
        The program's short name (folders ``data/processed/<id>``).
    language
        Report language, ``id`` or ``en``.
    today
        Program dates when the exports carry no times (default: the current date).
    program
        The program facts as the user gave them (``title``, ``partner``, ``place``,
        ``method``, ``start_date``, ``end_date``, ``funder`` ...); without them the file
        carries placeholders marked FILL IN. Empty values are left out.
    extra
        Further top-level keys written as they are (``match_review``, ``attendance``,
        ``service_log``).
    """
    start, end = draft.dates or (today or dt.date.today(),) * 2
    facts = None
    if program:
        facts = {"start_date": start, "end_date": end}
        facts |= {k: v for k, v in program.items() if v not in (None, "")}
    extra_text = ""
    if extra:
        import yaml

        extra_text = yaml.safe_dump(dict(extra), allow_unicode=True, sort_keys=False).rstrip()
    waves = dict(draft.files)
    # A try-out is one wave; a program needs its post-test, drafted as a placeholder.
    missing_post = "tryout" not in waves and "post" not in waves
    if missing_post:
        waves["post"] = "post.csv"
    return (
        _environment()
        .get_template("draft_study.yaml.j2")
        .render(
            draft=draft,
            codebook=codebook,
            program_id=program_id,
            language=language,
            facts=facts,
            extra=extra_text,
            start=start,
            end=end,
            waves=waves,
            missing_post=missing_post,
            sources=_sources(draft),
            unused=draft.columns[draft.columns["role"].isin(["text", "likert_other", "empty"])],
        )
    )


def render_blank_study(*, program_id: str = "studi", today: dt.date | None = None) -> str:
    """A neutral ``study.yaml`` to fill in (``pkm-eval init`` without exports): no columns
    of any particular form, comments in Indonesian and English."""
    return (
        _environment()
        .get_template("init_study.yaml.j2")
        .render(program_id=program_id, today=today or dt.date.today())
    )


def _sources(draft: Draft) -> str:
    return ", ".join(draft.files[w] for w in draft.waves)
