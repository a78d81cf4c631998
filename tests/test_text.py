"""Shared text helpers (pipeline/text.py): durations written in Indonesian or English."""

from __future__ import annotations

import pytest

from pipeline.text import parse_duration


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1 jam", 1),
        ("1 hour", 1),
        ("2 hours", 2),
        ("30 menit", 0.5),
        ("90 minutes", 1.5),
        ("3 hari", 72),
        ("2 days", 48),
        ("1 day", 24),
        ("1 minggu", 168),
        ("1 week", 168),
        ("2 weeks", 336),
        ("1 pekan", 168),
        ("dalam 1 jam", 1),
        ("Dalam waktu 3 hari", 72),
        ("within 1 hour", 1),
        ("maksimal 2 hari", 48),
        ("paling lama 1 minggu", 168),
        ("1x24 jam", 24),
        ("2 x 24 jam", 48),
        ("3×24 jam", 72),
        ("1 jam 30 menit", 1.5),
        ("1 day and 12 hours", 36),
        ("1,5 jam", 1.5),
        ("0.5 day", 12),
        ("sehari", 24),
        ("seminggu", 168),
        ("  3 HARI ", 72),
    ],
)
def test_parse_duration(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3 hari kerja", "working days"),
        ("5 working days", "working days"),
        ("secepatnya", "a duration such as"),
        ("", "a duration such as"),
        ("3", "a duration such as"),
        ("2 bulan", "unit"),
        ("0 jam", "longer than zero"),
    ],
)
def test_parse_duration_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(text)
