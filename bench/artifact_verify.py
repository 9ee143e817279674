"""The cost of checking artifacts against their content address on every read.

Prints, for a 1,000,000-row table, the time of `ArtifactStore.get_table` and `preview` (which
hash the file's bytes before reading them) next to the same reads without the check, measured in
the same run, and the ratio.
"""

from __future__ import annotations

import hashlib
import tempfile
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from storage.artifacts import ArtifactStore, _head

ROWS = 1_000_000
REPEAT = 5


def best(function) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=ROWS),
            "n": np.arange(ROWS),
            "s": rng.choice(["alpha", "beta", "gamma", "delta"], ROWS),
            "y": rng.integers(0, 1000, ROWS),
        }
    )
    with tempfile.TemporaryDirectory() as root:
        store = ArtifactStore(root)
        ref = store.put_table(frame)
        path = store.path_for(ref.uri)
        size = path.stat().st_size
        rows = [
            (
                "get_table",
                lambda: store.get_table(ref.uri),
                lambda: pq.read_table(path).to_pandas(),
            ),
            (
                "preview (100 rows)",
                lambda: store.preview(ref.uri),
                lambda: _head(pq.ParquetFile(path), 100).to_pandas(),
            ),
            ("sha256 alone", lambda: hashlib.sha256(path.read_bytes()).hexdigest(), lambda: None),
        ]
        print(f"table: {ROWS:,} rows, {size / 2**20:.1f} MiB of Parquet; best of {REPEAT}")
        for name, checked, unchecked in rows:
            with_check, without = best(checked), best(unchecked)
            ratio = f"{with_check / without:.2f}x" if without > 1e-6 else "-"
            print(
                f"  {name:<20} verified {with_check * 1000:8.1f} ms   unverified "
                f"{without * 1000:8.1f} ms   ratio {ratio}"
            )


if __name__ == "__main__":
    main()
