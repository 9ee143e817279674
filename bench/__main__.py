"""`python -m bench` (or `make bench`): run every benchmark and print one table.

Every module in this folder with a `run() -> list[Row]` function (see bench/common.py) is a
benchmark; `python -m bench NAME ...` runs only those modules. `--markdown` prints the table as
Markdown (for the README), with the machine it ran on.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import Row  # noqa: E402


def discover() -> list[str]:
    """The names of the benchmark modules (those that define `run`), in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "common":
            continue
        source = (HERE / f"{info.name}.py").read_text(encoding="utf-8")
        if "\ndef run(" in source:
            found.append(info.name)
    return found


def machine() -> str:
    """The CPU, cores and Python the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def table(rows: list[tuple[str, Row]], markdown: bool) -> str:
    header = ("figure", "Flowbench", "baseline (same run)", "ratio", "target")
    lines = []
    for module, row in rows:
        base = (
            ""
            if row.baseline is None
            else f"{_value(row.baseline, row.unit)} {row.baseline_name}".strip()
        )
        ratio = row.shown_ratio
        lines.append(
            (
                f"{row.figure} [{module}]",
                _value(row.flowbench, row.unit),
                base,
                "" if ratio is None else f"{ratio:.2f}x",
                row.target,
            )
        )
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [
        max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
        for i, h in enumerate(header)
    ]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def _value(number: float, unit: str) -> str:
    if unit == "x":
        return f"{number:.2f}x"
    if unit == "ms":
        return f"{number:.1f} ms"
    if unit == "s":
        return f"{number:.2f} s"
    return f"{number:.1f} {unit}".strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("modules", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    names = args.modules or discover()
    rows: list[tuple[str, Row]] = []
    failed = []
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend((name, row) for row in importlib.import_module(f"bench.{name}").run())
        except Exception:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            traceback.print_exc()
    print(f"\nMachine: {machine()}\n")
    print(table(rows, args.markdown))
    if failed:
        print(f"\nFailed: {', '.join(failed)} (see above).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
