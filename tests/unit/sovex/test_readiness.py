from __future__ import annotations

import pytest

from sovex.services.readiness import deadline_in, wait_until


def test_the_wait_ends_as_soon_as_the_check_holds() -> None:
    answers = iter(["starting", "starting", None])
    assert wait_until(lambda: next(answers), deadline_in(5), interval_s=0.001) is None


def test_at_the_deadline_the_wait_says_what_it_last_waited_for() -> None:
    calls = []

    def never() -> str:
        calls.append(1)
        return "2 of 3 volume servers"

    assert wait_until(never, deadline_in(0.05), 0.01) == "2 of 3 volume servers"
    assert len(calls) >= 2  # it tried again before giving up


def test_a_check_is_made_once_even_past_the_deadline() -> None:
    calls = []
    assert wait_until(lambda: calls.append(1), deadline_in(-1), interval_s=0.01) is None
    assert calls == [1]


def test_a_check_that_raises_stops_the_wait() -> None:
    def exited() -> str | None:
        raise RuntimeError("the server exited")

    with pytest.raises(RuntimeError, match="exited"):
        wait_until(exited, deadline_in(5), interval_s=0.01)
