"""What a failed step tells the user."""

from rq.timeouts import JobTimeoutException

from components.errors import ComponentInputError
from jobs.step import _user_message

TIMEOUT = 10


def wrapped_timeout() -> Exception:
    try:
        try:
            raise JobTimeoutException("alarm")
        except JobTimeoutException as inner:
            raise ValueError("not a valid PEP 3118 buffer format string") from inner
    except ValueError as outer:
        return outer


def test_a_timeout_wrapped_in_another_error_is_reported_as_a_timeout():
    """RQ's alarm surfacing as an unrelated error still reads as a timeout."""
    assert "longer than its timeout (10 s)" in _user_message(wrapped_timeout(), TIMEOUT, 3.0)


def test_an_error_at_the_deadline_is_reported_as_a_timeout():
    """Any error raised once the time is up is the timeout's doing."""
    assert "timeout" in _user_message(ValueError("odd"), TIMEOUT, 10.0)


def test_user_errors_keep_their_message_and_others_their_type():
    """Component input errors read as written; other errors name their type."""
    assert (
        _user_message(ComponentInputError("Column 'x' not found"), TIMEOUT, 1.0)
        == "Column 'x' not found"
    )
    assert _user_message(KeyError("k"), TIMEOUT, 1.0) == "KeyError: 'k'"
