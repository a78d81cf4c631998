"""The design of a study: its waves (a try-out alone, or pre, post and follow-ups in time
order), its arms (treatment and control lists, or any number of named arms with roles), the
direction of change declared in advance, and the sensitivity variants of its analysis."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.base import FrozenModel, Text
from pipeline.waves import FOLLOW_UPS, WAVE_ORDER

__all__ = [
    "FOLLOW_UPS",
    "WAVE_ORDER",
    "Arm",
    "Groups",
    "Hypothesis",
    "Sensitivity",
    "WaveFile",
    "Waves",
]


class WaveFile(FrozenModel):
    """One wave's export: a CSV or XLSX file and, for XLSX, the sheet (name or 0-based index)."""

    file: str
    sheet: str | int | None = None


class Waves(FrozenModel):
    """The export files of each wave, relative to the study file.

    Each wave is a file name, or ``{file: ..., sheet: ...}`` to pick an XLSX sheet. A program
    has ``pre`` and ``post`` and optionally ``follow_up``, ``follow_up_2``, ``follow_up_3``
    (later waves, in that order); an instrument try-out (uji coba) has ``tryout`` alone.
    """

    tryout: WaveFile | None = None
    pre: WaveFile | None = None
    post: WaveFile | None = None
    follow_up: WaveFile | None = None
    follow_up_2: WaveFile | None = None
    follow_up_3: WaveFile | None = None

    @field_validator(*WAVE_ORDER, mode="before")
    @classmethod
    def _file_name_alone(cls, value: Any) -> Any:
        return {"file": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _design(self) -> Waves:
        given = [wave for wave in WAVE_ORDER if getattr(self, wave) is not None]
        if self.tryout is not None:
            if given != ["tryout"]:
                raise ValueError(
                    "a try-out (waves.tryout) is a study of its own: give it alone, and the "
                    f"program's waves in another study file (found {', '.join(given)})"
                )
            return self
        if self.pre is None or self.post is None:
            raise ValueError(
                "waves needs pre and post (and optionally follow_up, follow_up_2, "
                f"follow_up_3), or tryout alone; found {', '.join(given) or 'none'}"
            )
        later = [w for w in FOLLOW_UPS if getattr(self, w) is not None]
        if later != list(FOLLOW_UPS[: len(later)]):
            raise ValueError(
                f"follow-up waves come in order follow_up, follow_up_2, follow_up_3; found "
                f"{', '.join(later)}"
            )
        return self

    def named(self) -> dict[str, WaveFile]:
        """Wave name to its file, in time order."""
        return {wave: getattr(self, wave) for wave in WAVE_ORDER if getattr(self, wave)}

    @property
    def is_tryout(self) -> bool:
        """Whether these are the waves of an instrument try-out."""
        return self.tryout is not None


class Arm(FrozenModel):
    """One arm of a design with several: its name, the group labels that mean it, its role."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Short name used in tables.")
    labels: list[str] = Field(min_length=1, description="Answers in the group column.")
    role: Literal["treatment", "control"] = "treatment"
    title: Text | None = Field(None, description="How reports name the arm (id and en).")

    @field_validator("labels", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _not_all(cls, name: str) -> str:
        if name == "all":
            raise ValueError("'all' names everyone together; give the arm another name")
        return name


class Groups(FrozenModel):
    """The group column and which of its labels mean which arm.

    Two ways to declare the arms: ``treatment`` and ``control`` label lists (one treatment and
    at most one control arm, named so), or ``arms``: any number of named arms, each a
    treatment or a control (``arms: [{name: workshop, labels: [Workshop]}, {name: control,
    labels: [Kontrol], role: control}]``).
    """

    column: str
    treatment: list[str] = Field(default_factory=list)
    control: list[str] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)

    @field_validator("treatment", "control", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _disjoint(self) -> Groups:
        if self.arms and (self.treatment or self.control):
            raise ValueError("declare the arms either with treatment/control or with arms")
        if not self.arms and not self.treatment:
            raise ValueError("groups needs treatment labels (or a list of arms)")
        names = [arm.name for arm in self.arms]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"arm names must be unique; repeated: {', '.join(repeated)}")
        labels = [label for arm in self.declared() for label in arm.labels]
        both = sorted({label for label in labels if labels.count(label) > 1})
        if both:
            raise ValueError(f"label(s) {both} are listed for more than one arm")
        return self

    def declared(self) -> list[Arm]:
        """The arms in declared order (treatment, then control, for the two-list form)."""
        if self.arms:
            return list(self.arms)
        arms = [Arm(name="treatment", labels=self.treatment, role="treatment")]
        if self.control:
            arms.append(Arm(name="control", labels=self.control, role="control"))
        return arms

    def label_to_group(self) -> dict[str, str]:
        """Group label as answered to the arm's name."""
        return {label: arm.name for arm in self.declared() for label in arm.labels}

    def roles(self) -> dict[str, str]:
        """Arm name to its role (treatment or control)."""
        return {arm.name: arm.role for arm in self.declared()}

    @property
    def classic(self) -> bool:
        """One treatment and one control arm named so (the two-arm tables apply)."""
        return [a.name for a in self.declared()] == ["treatment", "control"] and self.roles() == {
            "treatment": "treatment",
            "control": "control",
        }


class Hypothesis(FrozenModel):
    """The direction of the change the program expects, declared before it started.

    ``two-sided`` (the default) tests any change; ``increase`` or ``decrease`` adds one-sided
    tests (paired t, Wilcoxon, Bayes factor) beside the two-sided ones. A one-sided test is
    honest only when the direction was fixed in advance, so ``declared`` (the date it was
    written down, e.g. in the proposal) is required and may not be after the program's start.
    """

    direction: Literal["two-sided", "increase", "decrease"] = "two-sided"
    declared: dt.date | None = Field(None, description="When the direction was written down.")
    where: str | None = Field(None, description="Where it was written (proposal, registry).")

    @model_validator(mode="after")
    def _dated(self) -> Hypothesis:
        if self.direction != "two-sided" and self.declared is None:
            raise ValueError(
                "a one-sided hypothesis needs 'declared': the date it was written down, "
                "before the program started"
            )
        return self

    @property
    def alternative(self) -> str:
        """The alternative as the tests name it: two-sided, greater or less."""
        return {"two-sided": "two-sided", "increase": "greater", "decrease": "less"}[self.direction]


class Sensitivity(FrozenModel):
    """A variant of the analysis reported beside the primary one: the same data with some
    analysis options changed (e.g. listwise instead of pairwise reliability, or
    Benjamini-Hochberg instead of Holm)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    reliability_missing: Literal["pairwise", "listwise"] | None = None
    multiplicity: Literal["holm", "fdr_bh", "none"] | None = None
    test_choice: Literal["auto", "parametric", "nonparametric"] | None = None
    item_r: Literal["corrected", "uncorrected"] | None = None
    r_table_df: Literal["n-2", "n"] | None = None
    min_answered_share: float | None = Field(None, gt=0, le=1)
    gain_method: Literal["hake", "marx_cummings"] | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> Sensitivity:
        if not self.changes():
            raise ValueError(f"sensitivity variant '{self.name}' changes no analysis option")
        return self

    def changes(self) -> dict[str, Any]:
        """The options this variant sets."""
        return {
            key: value
            for key, value in self.model_dump(exclude={"name"}).items()
            if value is not None
        }
