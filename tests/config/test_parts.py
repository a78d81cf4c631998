"""Program-part configuration (pipeline/config/parts.py): service-log steps and their standards."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.config.parts import ServiceLog, Step


def test_bad_standard_is_a_config_error():
    with pytest.raises(ValidationError, match="a duration such as"):
        Step(name="Surat", standard="cepat")


def test_service_config_rules():
    with pytest.raises(ValidationError, match="no previous step"):
        ServiceLog(file="x.csv", case_column="c",
                   steps=[Step(name="a", standard="1 jam"), Step(name="b")])  # fmt: skip
    with pytest.raises(ValidationError, match="needs step_column and time_column"):
        ServiceLog(file="x.csv", case_column="c", layout="long",
                   steps=[Step(name="a"), Step(name="b")])  # fmt: skip
    with pytest.raises(ValidationError, match="unique"):
        ServiceLog(file="x.csv", case_column="c", steps=[Step(name="a"), Step(name="A")])
