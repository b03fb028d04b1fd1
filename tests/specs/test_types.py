"""Scalar types whose rules come from the targets rather than from YAML: cron schedules (what
Kubernetes' robfig/cron ParseStandard and Nomad's cronexpr both accept) and IANA time zones."""

from __future__ import annotations

import re
import zoneinfo

import pytest

from crossdock.specs.types import CRON_PATTERN, cron_problem

VALID_CRON = [
    "0 3 * * *", "*/5 * * * *", "30 2 * * 1-5", "0 0 1,15 * *", "0 8-18/2 * * MON-FRI",
    "0 0 1 jan,Jul *", "59 23 31 12 6", "00 07 01 01 0", "5/15 * * * *", "0 0 * * sun",
    "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly", "0  3  *  *  *",
]
INVALID_CRON = [
    ("0 3 * *", "4 field(s)"),
    ("0 3 * * * *", "6 field(s)"),
    ("@fortnightly", "macros:"),
    ("@every 5m", "macros:"),  # robfig only; Nomad's cronexpr refuses it
    ("60 * * * *", "minute field '60'"),
    ("0 24 * * *", "hour field '24'"),
    ("0 0 0 * *", "day of month field '0'"),
    ("0 0 32 * *", "day of month field '32'"),
    ("0 0 * 13 *", "month field '13'"),
    ("0 0 * * 7", "day of week field '7'"),  # robfig's day of week is 0-6
    ("0 0 * JUNE *", "month field 'JUNE'"),
    ("0 0 * * MON-FRY", "day of week field 'MON-FRY'"),
    ("*/0 * * * *", "minute field '*/0'"),
    ("0 0 ? * *", "day of month field '?'"),  # robfig only
    ("0 0 * * L", "day of week field 'L'"),
    ("5-1 * * * *", "minute range '5-1' runs backwards"),
    ("0 0 * NOV-FEB *", "month range 'NOV-FEB' runs backwards"),
    ("CRON_TZ=UTC 0 3 * * *", "6 field(s)"),  # Kubernetes refuses a zone inside the schedule
    ("0\t3 * * *", "separate the five fields with spaces"),
    (" 0 3 * * *", "separate the five fields with spaces"),
]


@pytest.mark.parametrize("text", VALID_CRON)
def test_cron_accepts(text: str) -> None:
    assert cron_problem(text) is None
    assert re.fullmatch(CRON_PATTERN, text)


@pytest.mark.parametrize(("text", "why"), INVALID_CRON)
def test_cron_refuses_with_reason(text: str, why: str) -> None:
    problem = cron_problem(text)
    assert problem is not None and why in problem, problem


def test_cron_schema_pattern_refuses_what_the_model_refuses() -> None:
    """The schema's pattern and the model agree, except a backwards range (a comparison of two
    numbers no regular expression makes), listed in test_schema's exceptions."""
    for text, why in INVALID_CRON:
        assert bool(re.fullmatch(CRON_PATTERN, text)) == ("backwards" in why), text


@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])
def test_timezone_accepts_iana_names(name: str) -> None:
    from crossdock.specs.model import CronJob

    assert name in zoneinfo.available_timezones()
    assert CronJob.model_validate({"image": "x", "schedule": "@daily", "timezone": name}).timezone == name


@pytest.mark.parametrize(("name", "hint"), [
    ("europe/berlin", "did you mean 'Europe/Berlin'?"),
    ("Europe/Berln", "did you mean 'Europe/Berlin'?"),
    ("CEST", "abbreviations such as CEST are not zones"),
    ("localtime", "Area/Location"),
    ("Factory", "Area/Location"),
    ("+02:00", "Area/Location"),
])
def test_timezone_refuses_non_iana_names(name: str, hint: str) -> None:
    from pydantic import ValidationError

    from crossdock.specs.model import CronJob

    with pytest.raises(ValidationError) as info:
        CronJob.model_validate({"image": "x", "schedule": "@daily", "timezone": name})
    (err,) = info.value.errors()
    assert err["loc"] == ("timezone",)
    assert err["msg"].startswith("expected an IANA time zone name") and hint in err["msg"], err["msg"]
