"""The CBPR cycle as the program lived it: the six stages of Community-Based Participatory
Research (Israel et al. 1998; Wallerstein & Duran 2006), when each took place, who took part and
what was decided; a stage the study file leaves out is reported as not recorded."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.config.parts import CBPR_STAGES, CbprCycle

__all__ = ["cbpr_part"]


def cbpr_part(cycle: CbprCycle) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ``cbpr_cycle`` table (one row per stage, in cycle order) and its facts."""
    rows = []
    for order, (name, stage) in enumerate(cycle.stages(), start=1):
        rows.append(
            {
                "stage_order": order,
                "stage": name,
                "recorded": stage is not None,
                "date": None if stage is None or stage.date is None else stage.date.isoformat(),
                "end_date": None
                if stage is None or stage.end_date is None
                else stage.end_date.isoformat(),
                "who": None if stage is None else stage.who,
                "decided": None if stage is None else stage.decided,
                "notes": None if stage is None else stage.notes,
            }
        )
    table = pd.DataFrame(rows)
    return table, {
        "stages": len(CBPR_STAGES),
        "recorded": int(table["recorded"].sum()),
        "missing": table.loc[~table["recorded"], "stage"].tolist(),
    }
