"""Draft: a codebook and a study file proposed from one or two survey exports.

Writing a codebook by hand was the wall a new user hit first. :func:`propose` reads the
questionnaire off the answers (:mod:`pipeline.draft.propose`); :func:`render_codebook` and
:func:`render_study` write the proposal as YAML that loads with
:func:`pipeline.config.load_instrument` and ``load_study`` and runs as it is
(:mod:`pipeline.draft.render`).
"""

from pipeline.draft.propose import (
    ROLES,
    Draft,
    DraftCheck,
    DraftDemographic,
    DraftGroup,
    DraftItem,
    DraftScale,
    header_cells,
    propose,
)
from pipeline.draft.render import describe, render_blank_study, render_codebook, render_study

__all__ = [
    "ROLES",
    "Draft",
    "DraftCheck",
    "DraftDemographic",
    "DraftGroup",
    "DraftItem",
    "DraftScale",
    "describe",
    "header_cells",
    "propose",
    "render_blank_study",
    "render_codebook",
    "render_study",
]
