"""The wait's polling interval: short at first, slower the longer the wait, bounded."""

from __future__ import annotations

import pytest

from crossdock.adapters.polling import interval


@pytest.mark.parametrize(("elapsed", "slowest", "left", "expected"), [
    (0.0, 1.0, 300.0, 0.1),    # a rollout's first seconds: poll often
    (5.0, 1.0, 300.0, 0.25),
    (30.0, 1.0, 300.0, 1.0),   # the adapter's poll_interval is the slowest
    (120.0, 1.0, 300.0, 1.0),
    (120.0, 0.1, 300.0, 0.1),  # a faster poll_interval wins from the start
    (10.0, 1.0, 0.3, 0.3),     # never past the deadline
    (10.0, 1.0, -2.0, 0.0),
])
def test_interval_cases(elapsed: float, slowest: float, left: float, expected: float) -> None:
    assert interval(elapsed, slowest, left) == pytest.approx(expected)
