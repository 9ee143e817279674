"""Answers of reads kept in memory until a write of the same repository changes them.

The control plane is the one process that opens the workspace database, and every write of a
table goes through its repository, so a repository can keep what it read and forget it when
it writes (a submit reads the same dataset versions, compute targets and reusable steps as the
submit before it; each query costs a millisecond or more).

A read races with a write: a reader may get the old answer from the database just before a
write commits and keep it just after the write forgot the old one. So each write moves a
generation forward (after its commit), and an answer read under an older generation is not
kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()
# What a `revise` function returns when the write leaves the kept answer unknown.
FORGET: Any = object()


class Memo(Generic[K, V]):
    """Read answers by key (at most `limit`, the least recently used dropped first)."""

    def __init__(self, limit: int = 4096) -> None:
        self._lock = threading.Lock()
        self._answers: OrderedDict[K, V] = OrderedDict()
        self._limit = limit
        self.generation = 0

    def get(self, key: K) -> tuple[bool, V | None]:
        """(True, answer) when `key`'s answer is kept, else (False, None)."""
        with self._lock:
            found = self._answers.get(key, _MISSING)
            if found is _MISSING:
                return False, None
            self._answers.move_to_end(key)
            return True, found  # type: ignore[return-value]

    def keep(self, generation: int, answers: dict[K, V]) -> None:
        """Keep answers read when `generation` was current, unless a write came since."""
        with self._lock:
            if generation != self.generation:
                return
            self._answers.update(answers)
            for key in answers:
                self._answers.move_to_end(key)
            while len(self._answers) > self._limit:
                self._answers.popitem(last=False)

    def written(
        self,
        forget: Iterable[K] | None = None,
        *,
        revise: Callable[[K, V], V] | None = None,
        revise_keys: Iterable[K] = (),
        add: dict[K, V] | None = None,
    ) -> None:
        """A write committed: move the generation on; forget `forget`'s answers (every one when
        None), replace the kept answer of each key in `revise_keys` by `revise(key, answer)`
        (what the write made of it, when the writer can tell; `FORGET` when it cannot), and
        keep `add`'s answers (of keys only this write knows yet, such as a new record's)."""
        with self._lock:
            self.generation += 1
            if forget is None:
                self._answers.clear()
            else:
                for key in forget:
                    self._answers.pop(key, None)
            if revise is not None:
                for key in revise_keys:
                    if key in self._answers:
                        revised = revise(key, self._answers[key])
                        if revised is FORGET:
                            del self._answers[key]
                        else:
                            self._answers[key] = revised
            if add:
                self._answers.update(add)
                for key in add:
                    self._answers.move_to_end(key)
                while len(self._answers) > self._limit:
                    self._answers.popitem(last=False)
