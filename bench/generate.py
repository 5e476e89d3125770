"""Write a synthetic, fictional Shanghai-like fact set as JSON Lines, for benchmarks and load tests.

    python -m bench.generate --problems 10000 --seed 1 --as-of 2026-11-26 --output DIR

For N problems: about N/6 waterbodies, N/12 chiefs, max(30, N/300) units (at least one town office per
district, so never fewer than 57) and N/1000 interviews. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from bench.ledger import build_interviews, build_problems
from bench.records import Row, to_json
from bench.world import build_world

DEFAULT_AS_OF = dt.date(2026, 11, 26)
FILES = {
    "waterbody": "waterbodies.jsonl",
    "chief": "chiefs.jsonl",
    "unit": "units.jsonl",
    "problem": "problems.jsonl",
    "interview": "interviews.jsonl",
}
"""Fact kind -> the file it is written to (a name `facts.models.FILE_STEMS` maps back to the kind)."""


def generate(problems: int, seed: int, out_dir: Path, as_of: dt.date) -> dict[str, int]:
    """Write the five fact files for `problems` problems into `out_dir`; return the count per kind."""
    if problems < 1:
        raise ValueError(f"problems must be at least 1, got {problems}")
    rng = random.Random(seed)
    world = build_world(
        rng, waterbodies=max(24, round(problems / 6)), units=max(30, problems // 300), as_of=as_of
    )
    problem_rows = build_problems(rng, world, problems, as_of)
    interview_rows = build_interviews(rng, problem_rows, max(1, round(problems / 1000)), as_of)
    rows_by_kind: dict[str, Sequence[Row]] = {
        "waterbody": world.waterbodies,
        "chief": world.chiefs,
        "unit": world.units,
        "problem": problem_rows,
        "interview": interview_rows,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, rows in rows_by_kind.items():
        write_jsonl(out_dir / FILES[kind], rows)
    return {kind: len(rows) for kind, rows in rows_by_kind.items()}


def write_jsonl(path: Path, rows: Iterable[Row]) -> None:
    """One JSON object per line, UTF-8, Chinese as is, `\\n` line ends on every platform."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(to_json(row), ensure_ascii=False))
            out.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=10_000, help="problems to generate (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="scan date (default 2026-11-26)"
    )
    parser.add_argument("--output", type=Path, required=True, help="directory to write the .jsonl files into")
    args = parser.parse_args(argv)
    if args.problems < 1:
        parser.error("--problems must be at least 1")
    started = time.perf_counter()
    counts = generate(args.problems, args.seed, args.output, args.as_of)
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    detail = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    rate = total / elapsed if elapsed > 0 else float("inf")
    print(f"wrote {total} records ({detail}) to {args.output} in {elapsed:.2f} s ({rate:,.0f} records/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
