"""Uploads that used to give a 500: a huge CSV cell, a Parquet time64[ns] column."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from storage import UploadError
from storage.uploads import read_upload


def test_a_50_mib_cell_is_refused_with_the_line_and_the_limit() -> None:
    data = b"a,b\n1," + b"x" * (50 * 2**20) + b"\n"
    with pytest.raises(UploadError, match=r"Line 2 has a value longer than 131,072 characters"):
        read_upload("big.csv", data)


def test_a_time64_ns_parquet_column_is_refused_by_name() -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"ok": [1, 2], "at": pa.array([1, 2], pa.time64("ns"))}), buffer)
    with pytest.raises(UploadError, match=r"Column 'at' is a time of day in nanoseconds"):
        read_upload("times.parquet", buffer.getvalue())
