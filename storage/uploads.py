"""Reading a user's uploaded file into a DataFrame, or saying exactly what is wrong with it.

CSV-like files (.csv, .tsv, .txt) must be UTF-8 (a BOM is fine); the delimiter is a comma, a
semicolon or a tab, whichever splits the first lines into the same number of columns (with
semicolons, a comma is the decimal mark). Cells are stripped of surrounding spaces; empty cells
and NA, N/A, NaN, null count as missing. Column types are inferred: integers, decimals,
booleans (true/false) and ISO dates (all zoned, then in UTC, or all local); anything else stays
text. Parquet files keep their own types.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import PurePath

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from storage.errors import UploadError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet",)
# A small Parquet file can hold hundreds of millions of compressed zeros (0.95 MB for 200 M took
# the control plane to 1.9 GB). Its metadata's rows x columns are checked before anything is
# read, then the decoded size batch by batch (Parquet's own "uncompressed" sizes count encoded
# pages, which stay tiny for repeated values).
MAX_PARQUET_CELLS = 50_000_000
MAX_PARQUET_DECODED_BYTES = 2**30
_PARQUET_BATCH_ROWS = 65_536
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_SNIFF_ROWS = 50
_BOM = b"\xef\xbb\xbf"
# "None" is deliberately not missing: it is a real value in many files (e.g. "AirBags: None").
_MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL", "#N/A"})
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)


def read_upload(filename: str, data: bytes) -> pd.DataFrame:
    """Parse an uploaded file by its extension: CSV, TSV or text, or Parquet.

    Args:
        filename: The uploaded file's name; only its extension matters.
        data: The file's bytes.

    Returns:
        The table, with inferred column types.

    Raises:
        UploadError: The file is not usable; the message says what is wrong and how to fix it.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in TEXT_SUFFIXES + PARQUET_SUFFIXES:
        raise UploadError(
            f"Flowbench reads .csv, .tsv, .txt and .parquet files; {filename!r} "
            "is none of these. Save it as UTF-8 CSV and upload it again."
        )
    if not data:
        raise UploadError(f"The file {filename!r} is empty (0 bytes).")
    df = _read_parquet(data) if suffix in PARQUET_SUFFIXES else _read_text(data, suffix)
    if df.shape[1] == 0:
        raise UploadError("The file has no columns.")
    if df.shape[0] == 0:
        raise UploadError("The file has a header but no data rows.")
    return df


def _check_header(names: list[str]) -> None:
    for position, name in enumerate(names, start=1):
        if not name.strip():
            raise UploadError(
                f"Column {position} of the header has no name. Give every column "
                "a name in the first row."
            )
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise UploadError(
                f"Column name {name!r} appears more than once (columns "
                f"{seen[name]} and {position}). Column names must be unique."
            )
        seen[name] = position


def _read_parquet(data: bytes) -> pd.DataFrame:
    try:
        table = _read_parquet_table(pq.ParquetFile(io.BytesIO(data)))
    except (pa.ArrowException, OSError) as exc:
        raise UploadError(
            f"The file is not a readable Parquet file ({exc}). Export it again "
            "as Parquet, or upload a CSV instead."
        ) from exc
    _check_header([str(n) for n in table.column_names])
    for column in table.schema:
        if pa.types.is_time64(column.type) and column.type.unit == "ns":
            raise UploadError(
                f"Column {column.name!r} is a time of day in nanoseconds (time64[ns]), which "
                "Flowbench's tables cannot hold (times of day keep microseconds). Cast it to "
                "time64[us] or to text before writing the Parquet file."
            )
    try:
        df = table.to_pandas()
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
        raise UploadError(
            f"The Parquet file's columns cannot be read as a table ({exc}). "
            "Cast unusual column types (nested, extension, time) to plain "
            "numbers, text or timestamps."
        ) from exc
    df.attrs = {}  # an upload is raw data: roles are set in the pipeline
    # Keep a meaningful stored index (e.g. "id") as a column, drop a plain row number.
    return df.reset_index(drop=isinstance(df.index, pd.RangeIndex))


def _read_parquet_table(parquet: pq.ParquetFile) -> pa.Table:
    """The file's table, refused (before or while reading) when it is too large to hold."""
    metadata = parquet.metadata
    if metadata.num_rows * metadata.num_columns > MAX_PARQUET_CELLS:
        raise UploadError(
            f"The Parquet file holds {metadata.num_rows:,} rows x {metadata.num_columns:,} "
            f"columns, more than the {MAX_PARQUET_CELLS:,} values Flowbench reads from an "
            "upload. Upload a sample, or fewer columns."
        )
    batches, size = [], 0
    for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
        size += batch.nbytes
        if size > MAX_PARQUET_DECODED_BYTES:
            raise UploadError(
                f"The Parquet file's data takes more than "
                f"{MAX_PARQUET_DECODED_BYTES // 2**20:,} MiB once decoded, more than Flowbench "
                "reads from an upload. Upload a sample, or fewer columns."
            )
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=parquet.schema_arrow)


def _decode(data: bytes) -> str:
    start = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        position = start + exc.start
        line = data[:position].count(b"\n") + 1
        raise UploadError(
            f"The file is not UTF-8 text: byte 0x{data[position]:02x} at position "
            f"{position} (line {line}). Save it as UTF-8 CSV."
        ) from exc


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into one consistent number (> 1) of columns."""
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            widths = [len(row) for row in itertools.islice(reader, _SNIFF_ROWS) if row]
        except csv.Error:  # e.g. a huge cell: the read below says what is wrong
            continue
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_text(data: bytes, suffix: str) -> pd.DataFrame:
    text = _decode(data)
    if not text.strip():
        raise UploadError("The file has no columns: it contains only blank lines.")
    delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    header: list[str] | None = None
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if len(cells) <= 1 and not any(cells):  # a blank line (",," is a row of missing)
                continue
            if header is None:
                header = cells
                _check_header(header)
            elif len(cells) != len(header):
                raise UploadError(
                    f"Line {reader.line_num} has {_count(len(cells), 'value')}, but the header has "
                    f"{len(header)} columns ({_DELIMITER_NAMES[delimiter]}-separated). Check "
                    "for a missing value, an extra delimiter or an unquoted delimiter in a "
                    "value."
                )
            else:
                rows.append(cells)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UploadError(
                f"Line {reader.line_num} has a value longer than {csv.field_size_limit():,} "
                "characters, the most one cell may hold (often a quote that is never "
                "closed). Shorten that value or fix the quote."
            ) from exc
        raise UploadError(
            f"Line {reader.line_num} could not be read as CSV ({exc}); check "
            "for an unclosed or stray quote."
        ) from exc
    if header is None:
        raise UploadError("The file has no columns: it contains only blank lines.")
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    # With semicolons as delimiters, a comma is the decimal mark (European spreadsheets).
    decimal_comma = delimiter == ";"
    return pd.DataFrame(
        {
            name: _infer(list(values), decimal_comma=decimal_comma)
            for name, values in zip(header, columns, strict=True)
        }
    )


def _infer(values: list[str], *, decimal_comma: bool = False) -> pd.Series:
    """A column from its cells: boolean, integer, decimal, ISO date-time, or text."""
    cells = pd.Series(values, dtype="str")
    missing = cells.isin(_MISSING)
    cells = cells.mask(missing)
    present = cells[~missing]
    if present.empty:
        return pd.Series([float("nan")] * len(values), dtype="float64")
    lowered = present.str.lower()
    if lowered.isin(["true", "false"]).all():
        flags = cells.str.lower().map({"true": True, "false": False})
        return flags.astype("boolean" if missing.any() else "bool")
    numeric = cells.str.replace(",", ".", regex=False) if decimal_comma else cells
    if pd.to_numeric(numeric[~missing], errors="coerce").notna().all():
        return pd.to_numeric(numeric, errors="coerce")
    if present.str.fullmatch(_ISO_DATE.pattern).all():
        zoned = present.str.extract(_ISO_DATE.pattern)["tz"].notna()
        if zoned.all() or not zoned.any():  # a mix of zoned and local times stays text
            try:
                return pd.to_datetime(cells, format="ISO8601", utc=bool(zoned.all()))
            except (ValueError, OverflowError):
                pass
    return cells


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
