"""How long something took, written for people: one way for the CLI and the UI alike."""

from __future__ import annotations


def took(seconds: float) -> str:
    """ "12 ms" under a second (most steps and reused runs; "0.0 s" read as nothing done),
    "<1 ms", else "1.2 s"."""
    milliseconds = round(seconds * 1000)
    if milliseconds < 1:
        return "<1 ms"
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    return f"{seconds:.1f} s"
