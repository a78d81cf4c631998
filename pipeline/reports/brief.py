"""The funder summary as a one-page brief, written by the package (no notebook): the change in
plain words, one before/after figure with its uncertainty, reach and completion per arm, the
headline effect with its meaning, the other indicators and every caveat; an A4 PDF beside it,
printed by headless Chromium when it is installed.

Every text that comes from a user's file (the program's title, partner, place, scale and arm
names) is made inert with :func:`pipeline.inert.inert`, as is the package's own text; only the
tags this module writes are markup.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from pipeline.bundle.files import atomic_write_bytes, atomic_write_text, figure_bytes
from pipeline.bundle.read import Bundle
from pipeline.inert import inert
from pipeline.reports.effect import HeadlineEffect, focus_group, headline_effect, ngain_note
from pipeline.reports.figures import literal_text
from pipeline.reports.summary import (
    change_facts,
    indicators,
    reach_table,
    scale_range,
    shown,
)
from pipeline.reports.tables import group_names, limit_sentences, scale_facts, scale_names
from pipeline.reports.words import PALETTE, date_text, fill, fmt, pct, texts
from pipeline.stages.pairs import WideScores, wide_scores
from pipeline.stats.effsize import mean_difference_ci
from pipeline.waves import WAVE_ORDER

__all__ = [
    "brief_html",
    "change_figure",
    "chromium",
    "pdf_pages",
    "print_pdf",
    "write_funder_summary",
]

log = logging.getLogger(__name__)

#: Indicators the brief shows in its own sentences, not again in the table of others.
_IN_SENTENCES = {"mean_pre", "mean_post", "difference", "improved", "headline_effect"}


def _h(value: object) -> str:
    """Any text (a user's or the package's, a formatted number) made inert for HTML."""
    return inert(str(value), "html")


def _say(template: str, **values: object) -> str:
    """A sentence template filled for HTML: the template and every value made inert, except
    values given as :class:`Markup` (HTML this module wrote)."""
    clean = {k: v if isinstance(v, Markup) else _h(v) for k, v in values.items()}
    return fill(_h(template), **clean)


class Markup(str):
    """HTML written by this module (a symbol's tags), inserted as it is."""

    __slots__ = ()


# --------------------------------------------------------------------------- the figure


def _wave_means(wide: WideScores, scale: str, group: str, level: float) -> pd.DataFrame:
    """Each wave's mean score of the participants of ``group`` ("all": everyone) who answered
    before and after (the pairs rule), with the CI of that mean (Student's t)."""
    pairs = wide.scale_pairs(scale)
    if group != "all":
        pairs = pairs[pairs["group"] == group]
    rows = []
    for wave in (w for w in WAVE_ORDER if (scale, w) in wide.wide.columns):
        values = wide.wide.loc[pairs.index, (scale, wave)].dropna().to_numpy(dtype=float)
        if len(values) >= 2:
            low, high = mean_difference_ci(values, level)
            rows.append((wave, float(values.mean()), low, high, len(values)))
    return pd.DataFrame(rows, columns=["wave", "mean", "low", "high", "n"])


@literal_text
def change_figure(bundle: Bundle, language: str) -> plt.Figure:
    """The primary scale's mean before and after (and at follow-ups), in time order from
    left to right, one line per arm with the 95% CI of each mean."""
    words = texts(language)
    scale = bundle.results["primary_scale"]
    column = scale_facts(bundle)[scale].get("column", "mean")
    wide = wide_scores(bundle["scores"], values={scale: column}, waves=tuple(WAVE_ORDER))
    level = bundle.results["analysis"].get("ci_level", 0.95)
    names = group_names(bundle, language)
    arms = [a["name"] for a in bundle.results["design"].get("arms", [])] or ["all"]
    fig, ax = plt.subplots(figsize=(6.4, 2.3), dpi=100)
    drawn: set[str] = set()
    for index, arm in enumerate(arms):
        means = _wave_means(wide, scale, arm, level)
        if means.empty:
            continue
        # a wave keeps its place on the axis even when an arm lacks an earlier one
        place = means["wave"].map(WAVE_ORDER).to_numpy(dtype=float)
        x = place + (index - (len(arms) - 1) / 2) * 0.06
        colour = PALETTE[index % len(PALETTE)]
        label = words["brief"]["all_participants"] if arm == "all" else names.get(arm, arm)
        ax.errorbar(
            x,
            means["mean"],
            yerr=[means["mean"] - means["low"], means["high"] - means["mean"]],
            color=colour,
            marker="o",
            capsize=4,
            linewidth=2,
            label=f"{label} (n = {int(means['n'].iloc[0])})",
        )
        if len(arms) <= 2:  # more labels would overlap; the sentences give the means
            for position, (xi, yi) in enumerate(zip(x, means["mean"], strict=True)):
                left = position == 0
                ax.annotate(
                    fmt(yi, language),
                    (xi, yi),
                    textcoords="offset points",
                    xytext=(-9 if left else 9, -3),
                    ha="right" if left else "left",
                    fontsize=8,
                    color=colour,
                )
        drawn |= set(means["wave"])
    span = scale_range(bundle, scale)
    ax.set_ylim(span["min"], span["max"])
    if drawn:
        shown = [w for w in WAVE_ORDER if w in drawn]
        ax.set_xticks([WAVE_ORDER[w] for w in shown], [words["waves"][w] for w in shown])
        ax.set_xlim(WAVE_ORDER[shown[0]] - 0.4, WAVE_ORDER[shown[-1]] + 0.4)
    ax.set_ylabel(words["columns"]["mean"], fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="best")
    fig.tight_layout()
    return fig


def _figure_uri(figure: plt.Figure) -> str:
    """The figure as an SVG data URI (its texts drawn as paths: no font needed to show it).
    The figure is drawn once: ``tight_layout`` leaves a placeholder layout engine, for which
    ``savefig`` would first draw the figure without output (it lays nothing out again)."""
    figure.set_layout_engine(None)
    data = figure_bytes(figure, "svg")
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------- the page


def _lead(bundle: Bundle, language: str) -> list[str]:
    """The change in plain words: the focus group's, then each control arm's."""
    words = texts(language)["brief"]
    scale = bundle.results["primary_scale"]
    group = focus_group(bundle)
    names = group_names(bundle, language)
    change = change_facts(bundle, group)
    if change is None:
        return []
    key = (
        "change_up"
        if change["post"] > change["pre"]
        else "change_down"
        if change["post"] < change["pre"]
        else "change_flat"
    )
    who = "" if group == "all" else fill(words["who"], group=_h(names.get(group, group)))
    span = scale_range(bundle, scale)
    sentences = [
        _say(
            words[key],
            scale=scale_names(bundle, language)[scale],
            who=Markup(who),
            pre=fmt(change["pre"], language),
            post=fmt(change["post"], language),
            max=fmt(span["max"], language, 0),
            improved=change["improved"],
            n=change["n"],
        )
    ]
    roles = {a["name"]: a["role"] for a in bundle.results["design"].get("arms", [])}
    for arm in (a for a, role in roles.items() if role == "control"):
        other = change_facts(bundle, arm)
        if other is not None:
            sentences.append(
                _say(
                    words["control_change"],
                    group=names.get(arm, arm),
                    pre=fmt(other["pre"], language),
                    post=fmt(other["post"], language),
                )
            )
    return sentences


def _effect_block(bundle: Bundle, effect: HeadlineEffect, language: str) -> str:
    """The headline effect: its name, value, interval and label; what it means; what the
    interval means; and, when the N-gain category reads otherwise, why both hold."""
    words, brief = texts(language)["headline_effect"], texts(language)["brief"]
    value = effect.statement(bundle, language, html=True)
    parts = [
        f'<p class="effect"><b>{_h(brief["headline"])}:</b> {value}</p>',
        f"<p><b>{_h(words['meaning_intro'])}:</b> "
        f"{effect.meaning(bundle, language, html=True)} "
        + _say(
            brief["ci_meaning"],
            low=fmt(effect.ci_low, language),
            high=fmt(effect.ci_high, language),
        )
        + "</p>",
    ]
    note = ngain_note(bundle, effect, language, html=True)
    if note:
        parts.append(f'<p class="note">{note}</p>')
    return "\n".join(parts)


def _table(frame: pd.DataFrame, *, numeric: set[str], kind: str) -> str:
    """A small table: text left, numbers right; every cell made inert."""
    head = "".join(
        f'<th class="{"num" if c in numeric else "text"}">{_h(c)}</th>' for c in frame.columns
    )
    body = []
    for _, row in frame.iterrows():
        cells = "".join(
            f'<td class="{"num" if c in numeric else "text"}">{_h(v)}</td>' for c, v in row.items()
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="{kind}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _reach_block(bundle: Bundle, language: str) -> str:
    words = texts(language)["brief"]
    reach = reach_table(bundle, language)
    if reach.empty:
        return ""
    share = words["reach_share"]
    reach[share] = [pct(v, language) for v in reach[share]]
    numeric = {words[k] for k in ("reach_started", "reach_completed", "reach_both", "reach_share")}
    title = words["reach"] if len(reach) > 1 else words["reach_one"]
    return f"<h2>{_h(title)}</h2>" + _table(reach, numeric=numeric, kind="reach")


def _others_block(bundle: Bundle, language: str, *, tryout: bool) -> str:
    words, brief = texts(language)["funder"], texts(language)["brief"]
    table = indicators(bundle, language)
    table = table[~table["key"].isin(_IN_SENTENCES)]
    if table.empty:
        return ""
    shown_table = pd.DataFrame(
        {
            words["indicator"]: table["indicator"],
            words["value"]: [shown(r, language) for _, r in table.iterrows()],
            words["detail"]: table["detail"],
        }
    )
    title = words["title"] if tryout else brief["others"]
    return f"<h2>{_h(title)}</h2>" + _table(shown_table, numeric={words["value"]}, kind="others")


_STYLE = """
@page { size: A4; margin: 11mm 13mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.6pt;
       line-height: 1.35; color: #1a1a1a; max-width: 184mm; margin: 0 auto; padding: 4mm 0; }
h1 { font-size: 15pt; margin: 0 0 1mm; color: #0b3d66; }
h2 { font-size: 10.5pt; margin: 3mm 0 1mm; color: #0b3d66; border-bottom: 1px solid #c9d6e3; }
p { margin: 0 0 1.6mm; }
.meta { color: #555; font-size: 8.6pt; margin-bottom: 2mm; }
.lead { font-size: 11.5pt; font-weight: 600; margin: 1mm 0 2mm; }
.effect { background: #eef4fa; padding: 1.5mm 2.5mm; border-left: 3px solid #0072B2; }
.note { font-size: 8.8pt; color: #333; background: #fff7e6; padding: 1.2mm 2.5mm;
        border-left: 3px solid #E69F00; }
figure { margin: 1mm 0 0; text-align: center; }
figure img { width: 100%; max-height: 56mm; }
figcaption { font-size: 8pt; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: 8.8pt; margin-bottom: 1mm; }
th, td { padding: 0.5mm 1.8mm; border-bottom: 1px solid #e1e1e1; vertical-align: top; }
th { vertical-align: bottom; }
thead th { border-bottom: 1.5px solid #555; }
.num { text-align: right; }
td.num, table.reach td { white-space: nowrap; }
.text { text-align: left; }
ul.limits { margin: 0; padding-left: 4.5mm; font-size: 8.6pt; }
ul.limits li { margin-bottom: 0.6mm; }
footer { margin-top: 2mm; font-size: 7.6pt; color: #777; }
"""


def brief_html(bundle: Bundle, language: str) -> str:
    """The one-page brief of a bundle in ``language``, as a self-contained HTML document."""
    words = texts(language)
    brief = words["brief"]
    program = bundle.results["program"]
    tryout = bundle.results["design"].get("kind") == "tryout"
    dates = f"{date_text(program.get('start_date'))} - {date_text(program.get('end_date'))}"
    facts = [
        words["funder"]["title"],
        program.get("partner"),
        program.get("place"),
        dates,
        program.get("funder"),
    ]
    meta = " · ".join(_h(f) for f in facts if f)
    body = [f"<h1>{_h(program['title'])}</h1>", f'<p class="meta">{meta}</p>']
    if tryout:
        body.append(_others_block(bundle, language, tryout=True))
    else:
        lead = _lead(bundle, language)
        if lead:
            body.append(f'<p class="lead">{lead[0]}</p>')
            body += [f"<p>{s}</p>" for s in lead[1:]]
        effect = headline_effect(bundle)
        if effect is not None:
            body.append(_effect_block(bundle, effect, language))
        scale = bundle.results["primary_scale"]
        span = scale_range(bundle, scale)
        caption = _say(
            brief["figure_caption"],
            scale=scale_names(bundle, language)[scale],
            min=span["min"],
            max=span["max"],
        )
        figure = _figure_uri(change_figure(bundle, language))
        body.append(
            f'<figure><img src="{figure}" alt="{_h(brief["figure"])}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
        body.append(_reach_block(bundle, language))
        body.append(_others_block(bundle, language, tryout=False))
    limits = "".join(f"<li>{_h(s)}</li>" for s in limit_sentences(bundle, language, escape=False))
    if limits:
        body.append(f'<h2>{_h(brief["limits"])}</h2><ul class="limits">{limits}</ul>')
    body.append(f"<footer>{_h(brief['footer'])}</footer>")
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_h(program['title'])}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- the PDF


def chromium() -> str | None:
    """The headless browser that prints the PDF: ``PKM_EVAL_CHROMIUM``, else Chromium or
    Chrome on the PATH; None when there is none."""
    override = os.environ.get("PKM_EVAL_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


#: Zooms tried, largest first, until the brief fits one A4 page (a long list of caveats or
#: indicators would otherwise spill onto a second).
_ZOOMS = (1.0, 0.93, 0.86, 0.8, 0.74)
_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF that Chromium printed (its page objects are not packed
    into object streams)."""
    return len(_PAGE.findall(pdf))


def _chromium_print(browser: str, page: Path, target: Path, scratch: Path, timeout: float) -> None:
    """One headless print of ``page`` to ``target``."""
    command = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={scratch / 'profile'}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={target}",
        page.resolve().as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses root with a sandbox
        command.insert(1, "--no-sandbox")
    subprocess.run(command, check=True, capture_output=True, timeout=timeout)


def print_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 120) -> bool:
    """Print ``html_path`` to a one-page A4 PDF with headless Chromium, zooming out as little
    as it takes to fit one page; False (and a warning that says why) when Chromium is missing
    or fails: the HTML stands alone then."""
    browser = chromium()
    if browser is None:
        log.warning(
            "Chromium was not found, so %s was not printed to PDF (the HTML is "
            "written); install chromium to get the PDF",
            html_path.name,
        )
        return False
    html = html_path.read_text("utf-8")
    with tempfile.TemporaryDirectory(prefix="pkm-eval-pdf-") as folder:
        scratch = Path(folder)
        pdf = b""
        for zoom in _ZOOMS:
            page, target = scratch / "brief.html", scratch / "brief.pdf"
            page.write_text(
                html.replace("</style>", f"html {{ zoom: {zoom}; }}</style>", 1), "utf-8"
            )
            try:
                _chromium_print(browser, page, target, scratch, timeout)
            except (OSError, subprocess.SubprocessError) as exc:
                log.warning(
                    "Chromium could not print %s to PDF (%s); the HTML is written",
                    html_path.name,
                    exc,
                )
                return False
            if not target.is_file():
                log.warning("Chromium wrote no PDF of %s; the HTML is written", html_path.name)
                return False
            pdf = target.read_bytes()
            if pdf_pages(pdf) <= 1:
                break
        atomic_write_bytes(pdf_path, pdf)
    return True


def write_funder_summary(
    bundle: Bundle, report_dir: Path, language: str, *, pdf: bool = True
) -> Path:
    """Write ``funder_summary.html`` and, when Chromium can print it and ``pdf`` asks for
    it, ``funder_summary.pdf`` into ``report_dir``; return the HTML's path (the caller that
    prints the PDF itself, with :func:`print_pdf`, passes ``pdf=False``)."""
    html_path = Path(report_dir) / "funder_summary.html"
    atomic_write_text(html_path, brief_html(bundle, language))
    if pdf:
        print_pdf(html_path, html_path.with_suffix(".pdf"))
    return html_path
