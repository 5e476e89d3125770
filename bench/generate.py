"""Write a synthetic city (facts.synthetic) as JSON Lines, and say what a scan of it must find.

    python -m bench.generate --scale small --seed 1 --as-of 2026-11-26 --output DIR
    python -m bench.generate --problems 10000 --seed 1 --output DIR

`--scale` is one of `facts.synthetic.SCALES` (small, district, million, city, and the crowded
dense, adversarial and their -small twins); `--problems N` sizes the city for
N problems instead (about one waterbody per six problems). Prints the records written per kind, the
findings per planned rule (facts.synthetic.FINDING_RULES) a scan with the bundled rules reports, the
time taken and the peak memory. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from facts.synthetic import FILES, PARAMS_FILE, SCALES, Generated, Scale, SyntheticError
from facts.synthetic import generate as generate_city

DEFAULT_AS_OF = dt.date(2026, 11, 26)

__all__ = ["DEFAULT_AS_OF", "FILES", "generate", "main"]


def generate(problems: int, seed: int, out_dir: Path, as_of: dt.date) -> dict[str, int]:
    """Write a city sized for `problems` problems into `out_dir`; return the records per kind."""
    return generate_city(Scale.for_problems(problems), seed, out_dir, as_of).counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", choices=sorted(SCALES), help="a named size (default small)")
    size.add_argument("--problems", type=int, help="size the city for this many problems instead")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="scan date (default 2026-11-26)"
    )
    parser.add_argument("--params", type=Path, default=PARAMS_FILE, help="rule parameters to plan against")
    parser.add_argument("--output", type=Path, required=True, help="directory to write the .jsonl files into")
    args = parser.parse_args(argv)
    if args.problems is not None and args.problems < 1:
        parser.error("--problems must be at least 1")
    scale: str | Scale = Scale.for_problems(args.problems) if args.problems else (args.scale or "small")
    started = time.perf_counter()
    try:
        generated = generate_city(scale, args.seed, args.output, args.as_of, params=args.params)
    except SyntheticError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(summary(generated, args.output, elapsed, peak_rss_mb()))
    return 0


def summary(generated: Generated, out_dir: Path, elapsed: float, peak_mb: float) -> str:
    total = sum(generated.counts.values())
    detail = ", ".join(f"{count} {kind}" for kind, count in generated.counts.items())
    rate = total / elapsed if elapsed > 0 else float("inf")
    lines = [
        f"wrote {total} records ({detail}) to {out_dir} in {elapsed:.2f} s "
        f"({rate:,.0f} records/s, peak RSS {peak_mb:.0f} MB)",
        "findings a scan must report, per planned rule (the rules in facts.synthetic.UNPLANNED_RULES",
        "may report more, in numbers not planned):",
        *(f"  {rule:<24} {count:>8}" for rule, count in generated.expected.items()),
    ]
    return "\n".join(lines)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


if __name__ == "__main__":
    sys.exit(main())
