"""The bad-input corpus: every file in tests/bad_inputs is a realistic mistake or an attack.

Each folder says how its files are used (see tests/bad_inputs/README.md) and lists, in its
`expected.yaml`, the error code and line each file must be rejected with. One test runs them all
through `rivercheck scan` with an output file: exit status 2, the file and line named, the code and
the words wanted in the message, no traceback, and nothing written (not even a temporary file).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEMO = ROOT / "demo" / "district"
RULES = ROOT / "rules"
EXPORTS = ROOT / "demo" / "exports"
AS_OF = "2026-11-26"


@dataclass(frozen=True)
class BadInput:
    """One corpus file and what rejecting it must look like."""

    folder: str
    file: str
    code: str
    line: int | str
    """The 1-based line named, or "last" for the last line of the file as scanned."""
    says: tuple[str, ...]
    why: str
    grow_to_mb: int = 0
    """Repeat the file's second line until the file is this many MB (a huge ledger, the mistake
    at its end): the file is built at test time instead of being kept in the repository."""

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.file}"


def read_corpus() -> list[BadInput]:
    cases = []
    for expected in sorted(HERE.glob("*/expected.yaml")):
        folder = expected.parent.name
        for entry in yaml.safe_load(expected.read_text(encoding="utf-8")) or []:
            says = entry.get("says", [])
            cases.append(
                BadInput(
                    folder=folder,
                    file=entry["file"],
                    code=entry["code"],
                    line=entry["line"],
                    says=tuple([says] if isinstance(says, str) else says),
                    why=entry["why"],
                    grow_to_mb=entry.get("grow_to_mb", 0),
                )
            )
    return cases


CORPUS = read_corpus()


def place_file(case: BadInput, into: Path) -> Path:
    """Copy (or grow) the corpus file to `into`, keeping its name, bytes and line endings."""
    source = HERE / case.folder / case.file
    into.mkdir(parents=True, exist_ok=True)
    target = into / case.file
    if not case.grow_to_mb:
        shutil.copyfile(source, target)
        return target
    head, repeated, *rest = source.read_bytes().splitlines(keepends=True)
    times = case.grow_to_mb * 1_000_000 // len(repeated) + 1
    with target.open("wb") as stream:
        stream.write(head)
        for number in range(1, times + 1):  # `{n}` in the line: its number, so that keys differ
            stream.write(repeated.replace(b"{n}", b"%07d" % number))
        stream.writelines(rest)
    return target


def facts_args(case: BadInput, tmp: Path) -> tuple[list[str], Path]:
    """A fact file is scanned together with the demo district, as one more file of its ledger."""
    path = place_file(case, tmp / "incoming")
    return [str(DEMO), str(path)], path


def rules_args(case: BadInput, tmp: Path) -> tuple[list[str], Path]:
    """A rule file is added to a copy of the bundled rules, in a folder of its own."""
    rules = tmp / "rules"
    shutil.copytree(RULES, rules)
    path = place_file(case, rules / "added")
    return [str(DEMO), "--rules", str(rules)], path


def params_args(case: BadInput, tmp: Path) -> tuple[list[str], Path]:
    """A params file replaces rules/params.yaml in a copy of the bundled rules."""
    rules = tmp / "rules"
    shutil.copytree(RULES, rules)
    path = place_file(case, tmp / "incoming")
    shutil.copyfile(path, rules / "params.yaml")
    return [str(DEMO), "--rules", str(rules)], rules / "params.yaml"


def waivers_args(case: BadInput, tmp: Path) -> tuple[list[str], Path]:
    """A waivers file is given to a scan of the demo district."""
    path = place_file(case, tmp / "incoming")
    return [str(DEMO), "--waivers", str(path)], path


def mappings_args(case: BadInput, tmp: Path) -> tuple[list[str], Path]:
    """A mapping file is used to scan the demo spreadsheet exports."""
    path = place_file(case, tmp / "incoming")
    return [str(EXPORTS), "--mapping", str(path)], path


ARGS: dict[str, Callable[[BadInput, Path], tuple[list[str], Path]]] = {
    "facts": facts_args,
    "rules": rules_args,
    "params": params_args,
    "waivers": waivers_args,
    "mappings": mappings_args,
}


def test_the_corpus_is_large_and_complete() -> None:
    assert len(CORPUS) >= 60
    listed = {(case.folder, case.file) for case in CORPUS}
    assert len(listed) == len(CORPUS), "a file is listed twice"
    on_disk = {
        (path.parent.name, path.name)
        for path in HERE.glob("*/*")
        if path.name != "expected.yaml" and path.parent.name in ARGS
    }
    assert on_disk == listed, "every corpus file has an expectation and every expectation a file"


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_bad_input_is_rejected_with_its_place(case: BadInput, tmp_path: Path) -> None:
    args, path = ARGS[case.folder](case, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    report = out / "report.json"
    argv = ["scan", *args, "--as-of", AS_OF, "--no-history", "--format", "json", "--output", str(report)]
    result = CliRunner().invoke(main, argv)

    assert result.exit_code == 2, f"{case.why}\n{result.output}"
    line = len(path.read_bytes().splitlines()) if case.line == "last" else case.line
    place = f"{path}:{line}" if line else f"{path}:"
    assert place in result.stderr, f"{case.why}: wanted {place}\n{result.stderr}"
    assert f": {case.code}: " in result.stderr, f"{case.why}: wanted code {case.code}\n{result.stderr}"
    for words in case.says:
        assert words in result.stderr, f"{case.why}: wanted {words!r}\n{result.stderr}"
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert list(out.iterdir()) == [], "nothing written, not even a temporary file"
