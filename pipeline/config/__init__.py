"""Configuration: the study file, the instrument codebook and the program-part models.

Everything is a frozen pydantic model validated on load; a bad key or value becomes a located
:class:`~pipeline.errors.Problem`. The names most callers need are importable from here.
"""

from pipeline.config.base import FrozenModel, Text
from pipeline.config.instrument import (
    BUILTIN_PREFIX,
    Instrument,
    builtin_instrument_path,
    load_instrument,
)
from pipeline.config.parts import CBPR_STAGES
from pipeline.config.study import (
    FOLLOW_UPS,
    WAVE_ORDER,
    AnalysisOptions,
    Limits,
    Study,
    WaveFile,
    load_study,
)

__all__ = [
    "BUILTIN_PREFIX",
    "CBPR_STAGES",
    "FOLLOW_UPS",
    "WAVE_ORDER",
    "AnalysisOptions",
    "FrozenModel",
    "Instrument",
    "Limits",
    "Study",
    "Text",
    "WaveFile",
    "builtin_instrument_path",
    "load_instrument",
    "load_study",
]
