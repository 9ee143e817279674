"""How long something took, as the CLI and the UI write it."""

import pytest

from app.durations import took


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.0003, "<1 ms"),
        (0.0126, "13 ms"),
        (0.9994, "999 ms"),
        (0.9996, "1.0 s"),
        (1.0, "1.0 s"),
        (75.25, "75.2 s"),
    ],
)
def test_took_reads_in_milliseconds_under_a_second(seconds, shown):
    """Most steps take milliseconds: "0.0 s" would read as nothing done."""
    assert took(seconds) == shown
