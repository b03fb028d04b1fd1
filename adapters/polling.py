"""How often a wait polls the platform.

A rollout on a healthy platform finishes within seconds, where every second between two polls
is a second added to ``deploy --wait`` (the native tools watch: ``kubectl rollout status``
hears of the last ready replica at once).  A long wait (a slow image, a deadline of minutes)
gains nothing from polling that often, and each poll is several list calls.  So a wait starts
polling every ``FIRST`` seconds and slows down by ``GROWTH`` seconds per second waited, up to
the adapter's ``poll_interval`` (1 s by default): 0.1 s at first, 0.25 s after 5 s, 1 s after
30 s.  A Swarm poll is four list calls of a few milliseconds each on a local engine; the
native way to wait on Swarm, a script polling ``docker service ls``, polls at least as often.
"""

from __future__ import annotations

FIRST = 0.1
GROWTH = 0.03


def interval(elapsed: float, slowest: float, left: float) -> float:
    """Seconds to sleep before the next poll, ``elapsed`` seconds into a wait that has ``left``
    seconds before its deadline; never longer than ``slowest`` nor past the deadline."""
    return max(0.0, min(slowest, FIRST + GROWTH * elapsed, left))
