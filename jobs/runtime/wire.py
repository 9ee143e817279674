"""How values cross the Python sandbox's boundary: JSON for structure, Arrow IPC for tables.

Nothing here unpickles or imports by name, so decoding what a hostile script sent can only
produce the types listed below (or fail): JSON scalars, lists, tuples, dicts with text or integer
keys, bytes, pandas DataFrames and Series. This module is also bound read-only into the sandbox,
where the child (`python_child.py`) encodes the script's result with it: it imports only the
standard library at import time, and pandas and pyarrow when a table crosses.

A message is ``MAGIC``, the manifest's length (8 bytes, big-endian), the manifest (JSON:
``{"value": tree, "blobs": [size, ...]}``) and the blobs. In the tree, a JSON array is a list;
every object is tagged: ``{"$": "tuple" | "dict" | "bytes" | "frame" | "series", ...}``.
"""

from __future__ import annotations

import io
import json
from typing import Any

MAGIC = b"FBW1"
_MAX_DEPTH = 32
_HEADER = len(MAGIC) + 8


class WireError(ValueError):
    """A value cannot be encoded, or a message cannot be decoded."""


def encode(value: Any) -> bytes:
    """`value` as one message.

    Raises:
        WireError: `value` holds something other than the types this format carries.
    """
    blobs: list[bytes] = []
    tree = _encode(value, blobs, 0)
    manifest = json.dumps(
        {"value": tree, "blobs": [len(b) for b in blobs]}, separators=(",", ":")
    ).encode("utf-8")
    return b"".join([MAGIC, len(manifest).to_bytes(8, "big"), manifest, *blobs])


def decode(data: bytes | memoryview) -> Any:
    """The value of one message (trailing bytes are an error).

    Raises:
        WireError: the message is malformed (wrong magic, sizes, tags or tables).
    """
    view = memoryview(data)
    if len(view) < _HEADER or bytes(view[: len(MAGIC)]) != MAGIC:
        raise WireError("not a Flowbench wire message")
    size = int.from_bytes(view[len(MAGIC) : _HEADER], "big")
    if size > len(view) - _HEADER:
        raise WireError("the manifest is longer than the message")
    try:
        manifest = json.loads(bytes(view[_HEADER : _HEADER + size]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError(f"the manifest is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or set(manifest) != {"value", "blobs"}:
        raise WireError("the manifest must hold exactly 'value' and 'blobs'")
    sizes = manifest["blobs"]
    if not isinstance(sizes, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in sizes
    ):
        raise WireError("blob sizes must be non-negative integers")
    if _HEADER + size + sum(sizes) != len(view):
        raise WireError("the blob sizes do not add up to the message's length")
    blobs, offset = [], _HEADER + size
    for length in sizes:
        blobs.append(view[offset : offset + length])
        offset += length
    return _decode(manifest["value"], blobs, 0)


def _encode(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise WireError(f"values nest deeper than {_MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, bytes | bytearray):
        blobs.append(bytes(value))
        return {"$": "bytes", "blob": len(blobs) - 1}
    if isinstance(value, list):
        return [_encode(v, blobs, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [_encode(v, blobs, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str | int) and not isinstance(k, bool) for k in value):
            raise WireError("dictionary keys must be text or integers")
        return {"$": "dict", "items": [[k, _encode(v, blobs, depth + 1)] for k, v in value.items()]}
    module = type(value).__module__.split(".")[0]
    if module == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _encode(value.item(), blobs, depth)
    if module == "pandas":
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            # Arrow wants unique text names: the frame's own names travel in the manifest.
            names = [_encode(name, blobs, depth + 1) for name in value.columns]
            positional = value.set_axis([f"c{i}" for i in range(value.shape[1])], axis=1)
            blobs.append(_table_bytes(positional))
            return {"$": "frame", "blob": len(blobs) - 1, "columns": names}
        if isinstance(value, pd.Series):
            blobs.append(_table_bytes(value.to_frame(name="values")))
            return {
                "$": "series",
                "blob": len(blobs) - 1,
                "name": _encode(value.name, blobs, depth + 1),
            }
    raise WireError(
        f"a {type(value).__module__}.{type(value).__qualname__} cannot leave the "
        "sandbox; return DataFrames, Series, numbers, text, bytes, lists, tuples "
        "or dicts"
    )


def _table_bytes(frame: Any) -> bytes:
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise WireError(f"a DataFrame could not be converted to Arrow: {exc}") from exc
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _decode(tree: Any, blobs: list[memoryview], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise WireError(f"values nest deeper than {_MAX_DEPTH} levels")
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    if isinstance(tree, list):
        return [_decode(v, blobs, depth + 1) for v in tree]
    if not isinstance(tree, dict):
        raise WireError(f"unexpected {type(tree).__name__} in the manifest")
    tag = tree.get("$")
    if tag == "tuple" and set(tree) == {"$", "items"} and isinstance(tree["items"], list):
        return tuple(_decode(v, blobs, depth + 1) for v in tree["items"])
    if tag == "dict" and set(tree) == {"$", "items"} and isinstance(tree["items"], list):
        result = {}
        for pair in tree["items"]:
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and isinstance(pair[0], str | int)
                and not isinstance(pair[0], bool)
            ):
                raise WireError("a dict item must be [text or integer key, value]")
            result[pair[0]] = _decode(pair[1], blobs, depth + 1)
        return result
    if tag == "bytes" and set(tree) == {"$", "blob"}:
        return bytes(_blob(tree, blobs))
    if (
        tag == "frame"
        and set(tree) == {"$", "blob", "columns"}
        and isinstance(tree["columns"], list)
    ):
        frame = _table_frame(_blob(tree, blobs))
        names = [_decode(name, blobs, depth + 1) for name in tree["columns"]]
        if len(names) != frame.shape[1] or not all(
            name is None or isinstance(name, str | int | float | bool | tuple) for name in names
        ):
            raise WireError("a frame's column names must be scalars, one per column")
        return frame.set_axis(names, axis=1)
    if tag == "series" and set(tree) == {"$", "blob", "name"}:
        frame = _table_frame(_blob(tree, blobs))
        if list(frame.columns) != ["values"]:
            raise WireError("a series must be a table of one column named 'values'")
        name = _decode(tree["name"], blobs, depth + 1)
        if not (name is None or isinstance(name, str | int | float | bool | tuple)):
            raise WireError("a series name must be a scalar or a tuple")
        return frame["values"].rename(name)
    raise WireError(f"unknown or malformed tag {str(tag)[:40]!r} in the manifest")


def _blob(tree: dict[str, Any], blobs: list[memoryview]) -> memoryview:
    index = tree["blob"]
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(blobs):
        raise WireError(f"blob index {index!r} is out of range")
    return blobs[index]


def _table_frame(data: memoryview) -> Any:
    import pyarrow as pa

    try:
        with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
            table = reader.read_all()
        table.validate(full=True)
        return table.to_pandas()
    except Exception as exc:  # hostile bytes or metadata may fail anywhere in the conversion
        raise WireError(f"a table is not valid Arrow IPC: {exc}") from exc
