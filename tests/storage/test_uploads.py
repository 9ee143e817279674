"""Reading uploaded files, and the messages that explain a bad one."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from storage.errors import UploadError
from storage.uploads import read_upload


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "match"),
    [
        ("data.xlsx", b"a,b\n1,2\n", r"reads \.csv, \.tsv, \.txt and \.parquet files; 'data.xlsx'"),
        ("data", b"a,b\n1,2\n", "is none of these"),
        ("empty.csv", b"", r"'empty.csv' is empty \(0 bytes\)"),
        (
            "latin1.csv",
            b"name,city\nJos\xe9,Paris\n",
            r"not UTF-8 text: byte 0xe9 at position 13 \(line 2\)\. Save it as UTF-8 CSV",
        ),
        ("bom.csv", b"\xef\xbb\xbfa\n\xff\n", r"byte 0xff at position 5 \(line 2\)"),
        ("blank.csv", b"\n  \n\n", "no columns: it contains only blank lines"),
        ("header.csv", b"a,b,c\n", "has a header but no data rows"),
        (
            "dup.csv",
            b"price,size,price\n1,2,3\n",
            r"'price' appears more than once \(columns 1 and 3\)",
        ),
        ("unnamed.csv", b"a,,c\n1,2,3\n", "Column 2 of the header has no name"),
        (
            "short.csv",
            b"a,b,c\n1,2,3\n4,5\n",
            r"Line 3 has 2 values, but the header has 3 columns \(comma-separated\)",
        ),
        ("long.tsv", b"a\tb\n1\t2\t3\n", r"Line 2 has 3 values.*\(tab-separated\)"),
        ("quote.csv", b'a,b\n1,"open\n2,3\n', "could not be read as CSV .*unclosed or stray quote"),
        ("stray.csv", b'a,b\n1,"x"y\n', "Line 2 could not be read as CSV"),
        ("broken.parquet", b"PAR1 this is not parquet", "not a readable Parquet file"),
        (
            "empty.parquet",
            parquet_bytes(pd.DataFrame({"a": pd.Series([], dtype="int64")})),
            "has a header but no data rows",
        ),
        ("nocols.parquet", parquet_bytes(pd.DataFrame(index=range(3))), "has no columns"),
    ],
)
def test_bad_uploads_explain_themselves(filename, data, match):
    """Each malformed upload raises UploadError with a sentence saying what is wrong."""
    with pytest.raises(UploadError, match=match):
        read_upload(filename, data)


def test_csv_types_are_inferred():
    """Integers, decimals, booleans, ISO dates and text are told apart; NA marks missing."""
    data = (
        "\ufeffid, price ,in_stock,added,label,when\n"
        "1,9.5,true,2024-01-31,None,2024-01-31T10:00:00Z\n"
        "2,NA,False,2024-02-01,a,2024-02-01T08:30:00+02:00\n"
        '3,,TRUE,,"b, quoted",\n'
    ).encode()
    df = read_upload("shop.csv", data)
    assert list(df.columns) == ["id", "price", "in_stock", "added", "label", "when"]
    assert str(df["id"].dtype) == "int64" and str(df["price"].dtype) == "float64"
    assert df["price"].isna().tolist() == [False, True, True]
    assert str(df["in_stock"].dtype) == "bool" and df["in_stock"].tolist() == [True, False, True]
    assert pd.api.types.is_datetime64_any_dtype(df["added"]) and pd.isna(df["added"][2])
    assert df["label"].tolist()[:2] == ["None", "a"] and df["label"][2] == "b, quoted"
    assert str(df["when"].dtype).endswith("UTC]")
    assert df["when"][1] == pd.Timestamp("2024-02-01T06:30:00Z")


def test_semicolons_with_decimal_commas():
    """A semicolon-separated file reads commas as decimal marks."""
    df = read_upload("eu.csv", "name;weight\nBrie;1,25\nComté;2\n".encode())
    assert df["weight"].tolist() == [1.25, 2.0] and df["name"].tolist() == ["Brie", "Comté"]


def test_comma_wins_over_semicolons_inside_quotes():
    """Semicolons inside quoted values do not fool the delimiter sniffing."""
    df = read_upload("notes.csv", b'id,note\n1,"a; b; c"\n2,"d; e"\n')
    assert df.shape == (2, 2) and df["note"].tolist() == ["a; b; c", "d; e"]


def test_tabs_blank_lines_and_missing_rows():
    """Tabs are sniffed in .txt; blank lines are skipped; a row of empty cells is kept."""
    df = read_upload("t.txt", b"x\ty\n1\t2\n\n\t\n3\t4\n\n")
    assert df.shape == (3, 2)
    assert df["x"].tolist()[0] == 1 and pd.isna(df["x"][1]) and df["y"].tolist()[2] == 4


def test_mixed_zoned_and_local_times_stay_text():
    """Dates with and without a time zone are not silently mixed."""
    df = read_upload("t.csv", b"t\n2024-01-01T10:00:00Z\n2024-01-01T10:00:00\n")
    assert not pd.api.types.is_datetime64_any_dtype(df["t"])


def test_single_column_csv():
    """A file without any delimiter is one column."""
    assert read_upload("one.csv", b"city\nOslo\nLima\n")["city"].tolist() == ["Oslo", "Lima"]


def test_parquet_keeps_its_types():
    """A Parquet upload keeps category and datetime dtypes and a named index as a column."""
    df = pd.DataFrame(
        {"kind": pd.Categorical(["a", "b"]), "t": pd.to_datetime(["2024-01-01", "2024-01-02"])},
        index=pd.Index([10, 20], name="id"),
    )
    buffer = io.BytesIO()
    df.to_parquet(buffer)
    back = read_upload("x.PARQUET", buffer.getvalue())
    assert list(back.columns) == ["id", "kind", "t"]
    assert isinstance(back["kind"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_datetime64_any_dtype(back["t"]) and back.attrs == {}


def zeros_parquet(rows: int, columns: int = 1, batch: int = 1_000_000) -> bytes:
    """A small Parquet file of `rows` x `columns` zeros (compresses to almost nothing)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = pa.table({f"c{i}": pa.array([0] * batch, pa.int64()) for i in range(columns)})
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, chunk.schema) as writer:
        for start in range(0, rows, batch):
            writer.write_table(chunk.slice(0, min(batch, rows - start)))
    return buffer.getvalue()


def test_a_parquet_bomb_is_refused_from_its_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Zeros in a few kilobytes: refused by rows x columns before any row is read (the limit is
    lowered 50 times here so the file is quick to write; the issue's 200 M zeros in 0.95 MB
    are refused by the default 50 M the same way)."""
    monkeypatch.setattr("storage.uploads.MAX_PARQUET_CELLS", 1_000_000)
    data = zeros_parquet(2_000_000, columns=2)
    assert len(data) < 2**16
    with pytest.raises(
        UploadError,
        match=r"2,000,000 rows x 2 columns, more than the "
        r"1,000,000 values",
    ):
        read_upload("zeros.parquet", data)


def test_parquet_decoded_size_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the value count but past the decoded-size limit (8 MB of zeros in a few KB):
    refused while reading, not after."""
    monkeypatch.setattr("storage.uploads.MAX_PARQUET_DECODED_BYTES", 2**20)
    with pytest.raises(UploadError, match=r"more than 1 MiB once decoded"):
        read_upload("zeros.parquet", zeros_parquet(1_000_000, batch=500_000))
    assert len(read_upload("small.parquet", zeros_parquet(1000))) == 1000
