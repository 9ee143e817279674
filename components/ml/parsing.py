"""Reading tables from text or bytes: what Enter Data Manually and Import Data share.

Pure functions of bytes already in memory; the runner fetches them (components.runtime).
Columns of a file without a header are named col1..colN, as the designer names them.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from components.errors import ComponentInputError

CSV, TSV, ARFF, SVMLIGHT, PARQUET, JSON_LINES = (
    "CSV",
    "TSV",
    "ARFF",
    "SvmLight",
    "Parquet",
    "JSON lines",
)
_ARFF_VALUE = re.compile(r"""\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)""")


def parse_table(data: bytes | str, data_format: str, *, has_header: bool = True) -> pd.DataFrame:
    """The table that `data` holds in `data_format` (CSV, TSV, ARFF, SvmLight, Parquet, JSON lines).

    Raises:
        ComponentInputError: the data cannot be read in that format.
    """
    try:
        if data_format in (CSV, TSV):
            return _delimited(_text(data), "," if data_format == CSV else "\t", has_header)
        if data_format == ARFF:
            return _arff(_text(data))
        if data_format == SVMLIGHT:
            return _svmlight(data)
        if data_format == PARQUET:
            raw = data.encode() if isinstance(data, str) else data
            return pd.read_parquet(io.BytesIO(raw))
        if data_format == JSON_LINES:
            return pd.read_json(io.StringIO(_text(data)), lines=True)
    except ComponentInputError:
        raise
    except (ValueError, TypeError, OSError, csv.Error, IndexError) as exc:
        raise ComponentInputError(f"The data cannot be read as {data_format}: {exc}") from exc
    raise ValueError(f"unknown data format {data_format!r}")


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ComponentInputError(f"The data is not UTF-8 text: {exc}") from exc


def _delimited(text: str, separator: str, has_header: bool) -> pd.DataFrame:
    if not text.strip():
        raise ComponentInputError("The data is empty; expected at least one line.")
    df = pd.read_csv(
        io.StringIO(text), sep=separator, header=0 if has_header else None, skipinitialspace=True
    )
    if not has_header:
        df.columns = [f"col{i}" for i in range(1, df.shape[1] + 1)]
    return df


def _arff(text: str) -> pd.DataFrame:
    names: list[str] = []
    kinds: list[str | list[str]] = []
    rows: list[list[str | None]] = []
    in_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        lower = line.lower()
        if not in_data and lower.startswith("@attribute"):
            name, kind = _arff_attribute(line[len("@attribute") :].strip(), number)
            names.append(name)
            kinds.append(kind)
        elif lower.startswith("@data"):
            in_data = True
        elif in_data:
            values = [_unquote(v) for v in _arff_values(line)]
            if len(values) != len(names):
                raise ComponentInputError(
                    f"ARFF line {number} has {len(values)} values; the header declares "
                    f"{len(names)} attributes."
                )
            rows.append([None if v == "?" else v for v in values])
        elif not lower.startswith("@relation"):
            raise ComponentInputError(f"ARFF line {number} is not a header line: {line!r}.")
    if not names:
        raise ComponentInputError("The ARFF data declares no @attribute.")
    df = pd.DataFrame(rows, columns=names, dtype=object)
    for name, kind in zip(names, kinds, strict=True):
        if isinstance(kind, list):
            df[name] = pd.Categorical(df[name], categories=kind)
        elif kind in ("numeric", "real", "integer"):
            numbers = pd.to_numeric(df[name], errors="coerce")
            if (numbers.isna() & df[name].notna()).any():
                raise ComponentInputError(f"ARFF attribute '{name}' is {kind} but holds text.")
            whole = kind == "integer" and not numbers.isna().any()
            df[name] = numbers.astype("int64") if whole else numbers.astype(float)
        elif kind == "date":
            df[name] = pd.to_datetime(df[name], format="mixed")
        else:
            df[name] = df[name].astype("str")
    return df


def _arff_attribute(rest: str, number: int) -> tuple[str, str | list[str]]:
    if rest[:1] in "'\"":
        end = rest.index(rest[0], 1)
        name, kind = rest[1:end], rest[end + 1 :].strip()
    else:
        name, _, kind = rest.partition(" ")
        kind = kind.strip()
    if not name or not kind:
        raise ComponentInputError(f"ARFF line {number}: expected '@attribute <name> <type>'.")
    if kind.startswith("{"):
        return name, [_unquote(v) for v in _arff_values(kind.strip("{} "))]
    return name, kind.split()[0].lower()


def _arff_values(line: str) -> list[str]:
    values, position = [], 0
    while position <= len(line):
        match = _ARFF_VALUE.match(line, position)
        if match is None or match.end() == position:
            break
        values.append(match.group(1).strip())
        position = match.end()
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].replace("\\" + value[0], value[0])
    return value


def _svmlight(data: bytes | str) -> pd.DataFrame:
    from sklearn.datasets import load_svmlight_file

    raw = data.encode() if isinstance(data, str) else data
    features, labels = load_svmlight_file(io.BytesIO(raw))
    dense = np.asarray(features.todense())
    columns = {"Label": labels} | {f"f{i}": dense[:, i - 1] for i in range(1, dense.shape[1] + 1)}
    return pd.DataFrame(columns)
