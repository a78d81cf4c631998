"""The page's words, in Indonesian and English, from ``resources/app_text.yaml``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

import yaml

__all__ = ["LANGUAGES", "Words", "all_texts"]

#: The page's languages, Indonesian first (the default).
LANGUAGES = ("id", "en")


@cache
def all_texts() -> Mapping[str, Mapping[str, str]]:
    """Every text of the page: key to ``{"id": ..., "en": ...}``."""
    text = resources.files("pipeline.resources").joinpath("app_text.yaml").read_text("utf-8")
    return yaml.safe_load(text)


class Words:
    """The page's texts in one language: ``words("run")`` or ``words("step_of", n=2)``."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else LANGUAGES[0]

    def __call__(self, key: str, **values: object) -> str:
        text = all_texts()[key][self.language]
        return text.format(**values) if values else text

    def reason(self, text: str) -> str:
        """A reason the drafting gave (English) in this language; one not listed as it is."""
        if self.language == "en":
            return text
        for entry in all_texts()["draft_reasons"]:
            found = re.fullmatch(entry["en"], text)
            if found:
                return entry[self.language].format(**found.groupdict())
        return text

    def choice(self, prefix: str):
        """A label function for a choice widget whose options are keys ``prefix_<option>``."""
        return lambda option: self(f"{prefix}_{option}")
