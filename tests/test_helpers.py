"""tests.helpers.wait_until: the one way a test waits."""

import time

import pytest

from tests.helpers import wait_until


class Countdown:
    """A predicate that answers `value` from its `ready_on`-th call on, falsy before."""

    def __init__(self, ready_on: int, value=True):
        self.ready_on, self.value, self.calls = ready_on, value, 0

    def __call__(self):
        self.calls += 1
        return self.value if self.calls >= self.ready_on else None


def test_wait_until_returns_the_predicates_first_truthy_answer():
    predicate = Countdown(ready_on=3, value={"id": 7})

    answer = wait_until(predicate, timeout=5, interval=0.001, message="the third call")

    assert answer == {"id": 7}
    assert predicate.calls == 3


def test_wait_until_does_not_wait_when_the_predicate_already_holds():
    started = time.monotonic()

    wait_until(lambda: True, timeout=5, interval=1, message="nothing")

    assert time.monotonic() - started < 0.5


def test_wait_until_fails_after_its_timeout_naming_what_it_waited_for():
    started = time.monotonic()

    with pytest.raises(
        AssertionError, match=r"^Timed out after 0\.2 s waiting for the receiver to answer\.$"
    ):
        wait_until(lambda: False, timeout=0.2, interval=0.01, message="the receiver to answer")

    assert 0.2 <= time.monotonic() - started < 1.0


def test_wait_until_asks_the_predicate_once_more_at_the_deadline():
    predicate = Countdown(ready_on=2)

    assert wait_until(predicate, timeout=0.05, interval=10, message="a second call") is True
    assert predicate.calls == 2


def test_wait_until_polls_at_its_interval():
    predicate = Countdown(ready_on=10**9)

    with pytest.raises(AssertionError, match="waiting for never"):
        wait_until(predicate, timeout=0.3, interval=0.1, message="never")

    assert 3 <= predicate.calls <= 5


def test_wait_until_takes_its_timeout_interval_and_message_by_keyword_only():
    with pytest.raises(TypeError, match="positional argument"):
        wait_until(lambda: True, 1.0, 0.1, "positional")  # type: ignore[misc]
