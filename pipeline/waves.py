"""The waves a study can have, in time order: one definition for the configuration that
declares them and the reports that sort by them (which need it without the configuration's
models)."""

from __future__ import annotations

__all__ = ["FOLLOW_UPS", "WAVE_ORDER"]

#: The waves a study can have, in time order (their position sorts every table): a try-out
#: of the instrument (a study of its own), then pre, post and up to three follow-ups.
WAVE_ORDER = {
    "tryout": -1,
    "pre": 0,
    "post": 1,
    "follow_up": 2,
    "follow_up_2": 3,
    "follow_up_3": 4,
}
#: Waves after the post-test, in time order.
FOLLOW_UPS = ("follow_up", "follow_up_2", "follow_up_3")
