"""Tests of Enter Data Manually, Import Data and Export Data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from components import metadata
from components.errors import ComponentInputError
from jobs.runtime import StepRuntime

Run = Callable[..., dict[str, Any]]
ARFF = """% weather
@relation weather
@attribute outlook {sunny, overcast, 'light rain'}
@attribute temperature numeric
@attribute windy {TRUE, FALSE}
@attribute note string
@data
sunny,85,FALSE,'hot, dry'
'light rain',?,TRUE,?
"""


def test_csv_with_header_infers_types(run: Run) -> None:
    """CSV rows become typed columns named by the header."""
    df = run("enter_data_manually", data="name,age,score\nann,31,2.5\nbob,45,\n")["dataset"]
    assert list(df.columns) == ["name", "age", "score"]
    assert df["age"].tolist() == [31, 45]
    assert metadata.column_type(df["age"]) == "Integer"
    assert df["score"].isna().tolist() == [False, True]


def test_tsv_without_header_names_columns(run: Run) -> None:
    """Without a header the columns are col1..colN."""
    df = run("enter_data_manually", data_format="TSV", has_header=False, data="a\t1\nb\t2\n")[
        "dataset"
    ]
    assert list(df.columns) == ["col1", "col2"]
    assert df["col2"].tolist() == [1, 2]


def test_arff_nominal_numeric_string_and_missing(run: Run) -> None:
    """ARFF nominal attributes become categorical, '?' becomes missing, quotes are removed."""
    df = run("enter_data_manually", data_format="ARFF", data=ARFF)["dataset"]
    assert list(df.columns) == ["outlook", "temperature", "windy", "note"]
    assert metadata.is_categorical(df["outlook"])
    assert list(df["outlook"].cat.categories) == ["sunny", "overcast", "light rain"]
    assert df["outlook"].tolist() == ["sunny", "light rain"]
    assert df["temperature"].iloc[0] == 85.0 and pd.isna(df["temperature"].iloc[1])
    assert df["note"].iloc[0] == "hot, dry" and pd.isna(df["note"].iloc[1])


def test_arff_row_with_wrong_width_names_line(run: Run) -> None:
    """A data line with the wrong number of values is reported with its line number."""
    with pytest.raises(ComponentInputError, match=r"ARFF line 10 has 3 values; .* 4 attributes"):
        run("enter_data_manually", data_format="ARFF", data=ARFF + "sunny,1,TRUE\n")


def test_svmlight_rows(run: Run) -> None:
    """SvmLight lines give a Label column and dense f1..fN features."""
    df = run("enter_data_manually", data_format="SvmLight", data="1 1:0.5 3:2\n-1 2:1\n")["dataset"]
    assert list(df.columns) == ["Label", "f1", "f2", "f3"]
    assert df.to_numpy().tolist() == [[1, 0.5, 0, 2], [-1, 0, 1, 0]]


def test_empty_data_is_rejected(run: Run) -> None:
    """Blank data is a user error naming the parameter."""
    with pytest.raises(ComponentInputError, match="'Data' is empty"):
        run("enter_data_manually", data="  \n")


def test_import_reads_file_by_extension(run: Run, step_runtime: StepRuntime) -> None:
    """A .tsv and a .parquet file under the import folder are parsed by their extension."""
    (step_runtime.import_root / "sub").mkdir()
    (step_runtime.import_root / "sub" / "a.tsv").write_text("x\ty\n1\tu\n2\tv\n")
    pd.DataFrame({"k": [1.5, 2.5]}).to_parquet(step_runtime.import_root / "b.parquet")
    tsv = run("import_data", location="sub/a.tsv")["dataset"]
    assert tsv.to_dict("list") == {"x": [1, 2], "y": ["u", "v"]}
    assert run("import_data", location="b.parquet")["dataset"]["k"].tolist() == [1.5, 2.5]


def test_import_json_lines_with_explicit_format(run: Run, step_runtime: StepRuntime) -> None:
    """An explicit format overrides the extension."""
    (step_runtime.import_root / "rows.txt").write_text('{"a": 1}\n{"a": 2}\n')
    df = run("import_data", location="rows.txt", data_format="JSON lines")["dataset"]
    assert df["a"].tolist() == [1, 2]


def test_import_unknown_extension_and_escape(run: Run, step_runtime: StepRuntime) -> None:
    """An unknown extension asks for a format; a path outside the folder is refused."""
    with pytest.raises(ComponentInputError, match="choose 'File format'"):
        run("import_data", location="data.xyz")
    with pytest.raises(ComponentInputError, match="relative to the import folder"):
        run("import_data", location="../x.csv")


def test_import_respects_size_limit(run: Run, step_runtime: StepRuntime) -> None:
    """A file over the size limit is refused."""
    (step_runtime.import_root / "big.csv").write_bytes(b"a\n" + b"1\n" * 600_000)
    with pytest.raises(ComponentInputError, match="larger than the 1048576-byte limit"):
        run("import_data", location="big.csv", max_megabytes=1)


@pytest.mark.parametrize(
    ("file_format", "read"), [("CSV", pd.read_csv), ("Parquet", pd.read_parquet)]
)
def test_export_writes_file_and_reports_it(
    run: Run, step_runtime: StepRuntime, file_format: str, read: Callable[[Path], pd.DataFrame]
) -> None:
    """The dataset lands under the export folder; the summary gives path, rows, format."""
    data = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    summary = run(
        "export_data", {"dataset": data}, path="out/result.data", file_format=file_format
    )["export_summary"]
    written = step_runtime.export_root / "out" / "result.data"
    pd.testing.assert_frame_equal(read(written), data, check_dtype=False)
    assert summary.to_dict("records") == [
        {"path": str(written.resolve()), "rows": 3, "format": file_format}
    ]


def test_export_outside_folder_is_refused(run: Run) -> None:
    """An export path that leaves the export folder is a user error."""
    with pytest.raises(ComponentInputError, match="relative to the export folder"):
        run("export_data", {"dataset": pd.DataFrame({"a": [1]})}, path="../../escape.csv")
