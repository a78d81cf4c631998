"""Models of a program's parts beside the questionnaire, as the study file declares them:
the attendance log, the service log and its steps, the POAC plan, the CBPR cycle and the open
aspiration question."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.base import FrozenModel, Text
from pipeline.text import normalize_text, parse_duration

__all__ = [
    "ABSENT_LABELS",
    "CBPR_STAGES",
    "PRESENT_LABELS",
    "ActuateTargets",
    "AspirationQuestion",
    "AttendanceLog",
    "CbprCycle",
    "CbprStage",
    "ControlTargets",
    "CustomIndicator",
    "Direction",
    "OrganizeTargets",
    "Plan",
    "PlanTargets",
    "ServiceLog",
    "Step",
]


#: The stages of a Community-Based Participatory Research cycle, in order (Israel et al. 1998;
#: Wallerstein & Duran 2006), as the study file names them.
CBPR_STAGES = (
    "community_invited",
    "agenda_set",
    "target_group_chosen",
    "design_drafted",
    "carried_out",
    "action_taken",
)


class CbprStage(FrozenModel):
    """One stage of the CBPR cycle as the program lived it; every field is optional."""

    date: dt.date | None = Field(None, description="When the stage took place (or began).")
    end_date: dt.date | None = Field(None, description="When it ended, if it took longer.")
    who: str | None = Field(None, description="Who took part (roles, not names of children).")
    decided: str | None = Field(None, description="What was decided or produced.")
    notes: str | None = None

    @model_validator(mode="after")
    def _dates_ordered(self) -> CbprStage:
        if self.date and self.end_date and self.end_date < self.date:
            raise ValueError(f"end_date {self.end_date} is before date {self.date}")
        return self


class CbprCycle(FrozenModel):
    """The six stages of a CBPR cycle: community invited, agenda set together, target group
    chosen, design drafted together, carried out, action taken together. A stage left out is
    reported as not recorded."""

    community_invited: CbprStage | None = None
    agenda_set: CbprStage | None = None
    target_group_chosen: CbprStage | None = None
    design_drafted: CbprStage | None = None
    carried_out: CbprStage | None = None
    action_taken: CbprStage | None = None

    def stages(self) -> list[tuple[str, CbprStage | None]]:
        """(stage name, stage or None) in cycle order."""
        return [(name, getattr(self, name)) for name in CBPR_STAGES]


class AspirationQuestion(FrozenModel):
    """The open question "what do you want to be?" asked in the waves.

    ``pre`` and ``post`` name the export column holding the answer in each wave (``column``
    sets both); ``dictionary`` is a copy of the aspiration dictionary relative to the study
    file (default: the bundled ``pipeline/resources/aspirations.yaml``).
    """

    column: str | None = Field(None, description="Answer column, when both waves share it.")
    pre: str | None = None
    post: str | None = None
    dictionary: str | None = None
    uncoded: Literal["exclude", "no"] = Field(
        "exclude", description="Pairs with an uncoded answer: left out of McNemar, or 'no'."
    )

    @model_validator(mode="after")
    def _columns_given(self) -> AspirationQuestion:
        if not (self.column or (self.pre and self.post)):
            raise ValueError("give 'column', or both 'pre' and 'post' (the answer columns)")
        return self

    def column_of(self, wave: str) -> str:
        """The export column of the answer in ``wave``."""
        return getattr(self, wave, None) or self.column  # type: ignore[return-value]


#: Present/absent answers, normalized; H/I/S/A are the Indonesian school register's hadir,
#: izin, sakit and alpa.
PRESENT_LABELS = ("hadir", "ya", "yes", "y", "1", "true", "benar", "present", "h", "v", "✓", "√")


ABSENT_LABELS = (
    *("tidak", "tidak hadir", "tdk", "no", "n", "0", "false", "absen", "absent"),
    *("alpa", "alpha", "a", "izin", "ijin", "i", "sakit", "s"),
)


class AttendanceLog(FrozenModel):
    """An attendance (activity) log: one row per session and participant.

    ``completion_min_sessions`` sets the sessions a participant must attend to have completed
    the program; when it is not given, the threshold is ``completion_min_share`` (default
    0.75, the attendance rule of Indonesian higher education) of the sessions planned, or of
    those held when more were held or none were planned, rounded up.
    """

    file: str = Field(description="CSV or XLSX file, relative to the study file.")
    sheet: str | int | None = None
    session_column: str = Field(description="Session name or number.")
    id_column: str = Field(description="Participant identity, as in the survey exports.")
    date_column: str | None = Field(None, description="Date of the session (optional).")
    present_column: str | None = Field(
        None,
        description="Present or absent (hadir/ya/yes/1/H or tidak/no/0/I/S/A); without it every "
        "row is an attendance.",
    )
    id_kind: Literal["name", "number"] = "name"
    date_format: str | None = Field(None, description="strftime layout or 'ISO8601'.")
    present_labels: list[str] = Field(default_factory=list, description="Extra 'present' words.")
    absent_labels: list[str] = Field(
        default_factory=list, description="Extra 'absent' words; add '' to read blanks as absent."
    )
    sessions_planned: int | None = Field(None, ge=1)
    completion_min_sessions: int | None = Field(None, ge=1)
    completion_min_share: float = Field(0.75, gt=0, le=1)

    @model_validator(mode="after")
    def _threshold_reachable(self) -> AttendanceLog:
        planned, needed = self.sessions_planned, self.completion_min_sessions
        if planned is not None and needed is not None and needed > planned:
            raise ValueError(
                f"completion_min_sessions ({needed}) exceeds sessions_planned ({planned})"
            )
        return self

    def sessions_offered(self, held: int) -> int:
        """Denominator of the dose share: sessions planned, or held when more were held."""
        return max(self.sessions_planned or 0, held)

    def completion_threshold(self, held: int) -> int:
        """Sessions a participant must attend to count as having completed the program."""
        if self.completion_min_sessions is not None:
            return self.completion_min_sessions
        return max(1, math.ceil(self.completion_min_share * self.sessions_offered(held) - 1e-9))


class Step(FrozenModel):
    """One step of a service procedure.

    ``column`` is the step's timestamp column (wide layout) or its label in the step column
    (long layout); it defaults to ``name``. ``standard`` is the time allowed from the previous
    step to this one ("1x24 jam", "3 hari", "within 1 week"); the first step has none.
    """

    name: str = Field(min_length=1)
    column: str | None = None
    standard: str | None = None

    @field_validator("standard")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @property
    def source(self) -> str:
        return self.column or self.name

    @property
    def standard_hours(self) -> float | None:
        return None if self.standard is None else parse_duration(self.standard)


class ServiceLog(FrozenModel):
    """A service log: the time each case reached each step of the procedure.

    ``layout: wide`` has one row per case and one timestamp column per step; ``layout: long``
    has one row per case and step, with ``step_column`` naming the step and ``time_column``
    its time.
    """

    file: str
    sheet: str | int | None = None
    layout: Literal["wide", "long"] = "wide"
    case_column: str
    step_column: str | None = None
    time_column: str | None = None
    timestamp_format: str | None = Field(None, description="strftime layout or 'ISO8601'.")
    steps: list[Step] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> ServiceLog:
        if self.layout == "long" and not (self.step_column and self.time_column):
            raise ValueError("layout 'long' needs step_column and time_column")
        if self.steps[0].standard is not None:
            raise ValueError(
                f"the first step ('{self.steps[0].name}') has no previous step, so no standard"
            )
        names = [normalize_text(s.name) for s in self.steps]
        sources = [normalize_text(s.source) for s in self.steps]
        if len(set(names)) < len(names) or len(set(sources)) < len(sources):
            raise ValueError("step names and columns must be unique")
        return self


Direction = Literal["at_least", "at_most", "equal"]


class PlanTargets(FrozenModel):
    """Planning: the program's targets."""

    participants: int | None = Field(None, ge=0)
    sessions: int | None = Field(None, ge=0)
    effect_size: float | None = None
    improved_share: float | None = Field(None, ge=0, le=1)


class OrganizeTargets(FrozenModel):
    """Organizing: people and partners planned."""

    facilitators: int | None = Field(None, ge=0)
    partners: int | None = Field(None, ge=0)


class ActuateTargets(FrozenModel):
    """Actuating: how the sessions were to be attended."""

    participants_reached: int | None = Field(None, ge=0)
    attendance_share: float | None = Field(None, ge=0, le=1)
    completion_share: float | None = Field(None, ge=0, le=1)


class ControlTargets(FrozenModel):
    """Controlling: measurement and data quality."""

    pre_measured: bool | None = None
    post_measured: bool | None = None
    data_complete_share: float | None = Field(None, ge=0, le=1)
    attrition_share: float | None = Field(None, ge=0, le=1)


class CustomIndicator(FrozenModel):
    """A study's own indicator, compared with ``actual[actual_key]``."""

    pillar: Literal["plan", "organize", "actuate", "control"]
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    planned: float | bool
    direction: Direction = "at_least"
    actual_key: str | None = Field(None, description="Key of the actual value (default: name).")


class Plan(FrozenModel):
    """Planned targets by POAC pillar; unset targets are left out of the comparison."""

    plan: PlanTargets = Field(default_factory=PlanTargets)
    organize: OrganizeTargets = Field(default_factory=OrganizeTargets)
    actuate: ActuateTargets = Field(default_factory=ActuateTargets)
    control: ControlTargets = Field(default_factory=ControlTargets)
    custom: list[CustomIndicator] = Field(default_factory=list)
