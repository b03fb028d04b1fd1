"""Scalar types whose rules come from the targets rather than from YAML: cron schedules (what
Kubernetes' robfig/cron ParseStandard and Nomad's cronexpr both accept) and IANA time zones."""

from __future__ import annotations

import re
import zoneinfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crossdock.specs.schedule import CRON_PATTERN, cron_matches, cron_problem

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


def test_is_zone_agrees_with_available_timezones() -> None:
    """The check of one name (one file read) accepts exactly the zones available_timezones()
    lists (less Factory and localtime), tried on every file and directory of the tz database,
    the posix/ and right/ copies it leaves out and paths that are no names."""
    import os

    from crossdock.specs.schedule import _NOT_ZONES, is_zone

    zones = zoneinfo.available_timezones() - _NOT_ZONES
    names = set(zones) | set(_NOT_ZONES) | {
        "posixrules", "Europe", "right/UTC", "posix/Europe/Berlin", "", "UTC/", "/UTC", "Europe//Berlin",
        "../etc/passwd", "Etc/../UTC", "zone.tab", "leapseconds", "utc", "Europe/Berln"}
    for root in zoneinfo.TZPATH:
        for here, dirs, files in os.walk(root):
            names.update(os.path.relpath(os.path.join(here, n), root) for n in dirs + files)
    assert len(zones) > 300 and len(names) > len(zones) + 10
    assert sorted(n for n in names if is_zone(n) != (n in zones)) == []


_CRON_RX = re.compile(CRON_PATTERN)
_CRON_CHARS = "0123456789*/-, @\tJjAaNnMmOoSsUuFfEeBbRrPpYyLlGgTtVvDdCcHhWwIiKk\u0663\u212a"
_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
          "sun", "mon", "tue", "wed", "thu", "fri", "sat", "june", "ja", "\u212aan"]
# Near misses: numbers 0-99 written with 1 to 3 digits, names in any case (and some that are
# not names), ranges, lists, steps (0 and zero-padded ones among them), one or two spaces.
_VALUE = st.one_of(
    st.integers(1, 6).map(str),  # valid in every field
    st.tuples(st.integers(0, 99), st.integers(1, 3)).map(lambda t: str(t[0]).zfill(t[1])),
    st.tuples(st.sampled_from(_NAMES), st.integers(0, 7)).map(
        lambda t: "".join(c.upper() if t[1] >> i & 1 else c for i, c in enumerate(t[0]))),
)
_ITEM = st.tuples(
    st.one_of(st.just("*"), _VALUE, st.tuples(_VALUE, _VALUE).map("-".join)),
    st.one_of(st.just(""), st.integers(0, 20).map(lambda n: f"/{n}"), st.just("/05"), st.just("/")),
).map("".join)
_FIELD = st.lists(_ITEM, min_size=1, max_size=3).map(",".join)
_SCHEDULE = st.tuples(st.lists(_FIELD, min_size=4, max_size=6), st.sampled_from([" ", " ", " ", "  "])).map(
    lambda t: t[1].join(t[0]))
# One near-miss field among four stars: each field's own rules, one at a time.
_ONE_FIELD = st.tuples(st.integers(0, 4), _FIELD).map(
    lambda t: " ".join(t[1] if i == t[0] else "*" for i in range(5)))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(
    _ONE_FIELD,
    _SCHEDULE,
    st.text(alphabet=_CRON_CHARS, max_size=24),
    st.tuples(_SCHEDULE, st.integers(0, 30), st.sampled_from(_CRON_CHARS)).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:]),
))
@example("  0 3 * * *")
@example("0 3 * * * ")
@example("0  3 * * *")
@example("0 3 * * *\n")
@example("005 * * * *")
@example("*/05 * * * *")
@example("*/0 * * * *")
@example("0 0 * \u212aAN *")
@example("0 0 * * \u0663")
@example("@daily ")
@example("@daily")
def test_cron_matches_is_the_pattern(text: str) -> None:
    """The hand-written check the model runs and the pattern the schema publishes accept the
    same schedules: near misses of every field's rules, one character changed, and noise."""
    assert cron_matches(text) == bool(_CRON_RX.fullmatch(text)), text


def test_cron_schedule_strategy_reaches_both_answers() -> None:
    """The near misses above are valid often enough for the comparison to mean something."""
    from hypothesis import find

    find(_ONE_FIELD, lambda t: bool(_CRON_RX.fullmatch(t)) and "-" in t and "/" in t and "," in t)
    find(_ONE_FIELD, lambda t: not _CRON_RX.fullmatch(t) and t.count(" ") == 4)
