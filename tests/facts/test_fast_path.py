"""facts.load's fast path for JSON Lines: the same facts as the exact path, and the same errors.

Each test loads the same files twice, once as it is and once with the fast path turned off
(`Collector.fast_builder` answering None for every kind), and compares everything the load gives.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from checker.errors import CheckerError
from facts.load.collect import Collector
from facts.load.factset import FactSet
from facts.load.pipeline import load_facts
from facts.synthetic.generator import generate


def _load(paths: list[Path], fast: bool, monkeypatch: pytest.MonkeyPatch) -> FactSet | list[str]:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(Collector, "fast_builder", lambda self, kind: None)
        try:
            return load_facts(paths)
        except CheckerError as error:
            return [d.render() for d in error.diagnostics]


def _same(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> FactSet | list[str]:
    fast, exact = _load(paths, True, monkeypatch), _load(paths, False, monkeypatch)
    if isinstance(exact, list):
        assert fast == exact
        return exact
    assert isinstance(fast, FactSet)
    assert (fast.digest, fast.sources, fast.files, fast.supplied) == (
        exact.digest,
        exact.sources,
        exact.files,
        exact.supplied,
    )
    assert len(fast.facts) == len(exact.facts)
    for one, other in zip(fast.facts, exact.facts, strict=True):
        assert one.location == other.location
        assert type(one.record) is type(other.record)
        assert one.record == other.record
        assert list(vars(one.record).items()) == list(vars(other.record).items())
        assert one.record.model_fields_set == other.record.model_fields_set
        assert one.record.model_dump_json() == other.record.model_dump_json()
    return exact


def test_a_generated_city_loads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate("small", 1, tmp_path, dt.date(2026, 11, 26))
    facts = _same([tmp_path], monkeypatch)
    assert isinstance(facts, FactSet) and len(facts) > 5_000


_GOOD: dict[str, list[dict[str, Any]]] = {
    "units": [{"key": "U-1", "name": "河长办", "type": "office"}],
    "waterbodies": [
        {"key": "W-1", "name": "黄浦江", "level": "市"},
        {"key": "水-2", "name": "河", "level": "区"},
    ],
    "chiefs": [
        {"key": "C-1", "name": "张三", "level": "区", "role": "河长", "in_post_from": "2025-01-01"},
    ],
}

_LINES = [
    '{"key": "PT-1", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
    '{"key": "PT-2", "chief": "C-1", "waterbody": "水-2", "patrolled_on": "2026-01-02"}',
    "",
    "   ",
    "\u3000",
    '{"key": "PT-3", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02", "chief": "C-1"}',
    '{"key": "PT-4", "chief": "C-9", "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
    '{"key": "PT-1", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-03"}',
    '{"key": "PT-5", "chief": "C-1", "waterbody": "W-1", "patrolled_on": 1767225600}',
    '{"key": "PT-6", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-02-30"}',
    '{"key": "PT-7", "chief": "C-1", "waterbody": "W-1", "patrolled_on": NaN}',
    '{"key": " PT-8 ", "chief": "C-1 ", "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
    '{"key": "PT-9", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02"}, {"key": "PT-10"}',
    '{"key": "PT-11", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02", "note": "x"}',
    '{"key": "PT-12", "chief": "C-1", "waterbody": "W-1"}',
    '{"key": "PT\\u200b13", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
    '{"key": "PT-14", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02T00:00:00"}',
    '{"key": "PT-15", "chief": ["C-1"], "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
    '  {"key": "PT-16", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02"}\t',
    "[1, 2]",
    '{"key": "PT-17", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "\\ud800"}',
    '{"key": "PT:18", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
    '{"key": "PT-19", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "0000-01-02"}',
    '{"key": "' + "K" * 65 + '", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-01-02"}',
]


def _write(folder: Path, patrols: list[str], prefix: bytes = b"", end: str = "\n") -> list[Path]:
    folder.mkdir(exist_ok=True)
    for name, records in _GOOD.items():
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        )
    (folder / "patrols.jsonl").write_bytes(prefix + "".join(line + end for line in patrols).encode())
    return [folder]


def test_valid_lines_load_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = _same(_write(tmp_path, [*_LINES[:2], "", *_LINES[18:19]]), monkeypatch)
    assert isinstance(facts, FactSet) and len(facts.of_kind("patrol")) == 3


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_every_error_is_the_exact_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: bytes, end: str
) -> None:
    errors = _same(_write(tmp_path, _LINES, prefix, end), monkeypatch)
    assert isinstance(errors, list) and len(errors) >= 15


@pytest.mark.parametrize("line", range(len(_LINES)))
def test_each_line_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: int) -> None:
    _same(_write(tmp_path, [*_LINES[:1], _LINES[line]]), monkeypatch)


def test_other_kinds_with_bad_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = [
        {"key": "P-1", "waterbody": "W-1", "source": "patrol", "category": "垃圾", "severity": "general",
         "found_on": "2026-01-05", "office": "U-1", "status": "open", "deadline": "2026-01-01"},
        {"key": "P-2", "waterbody": "W-1", "source": "patrol", "category": " 垃圾\t", "severity": "general",
         "found_on": "2026-01-05", "office": "U-1", "status": "open", "verified": "yes"},
        {"key": "P-3", "waterbody": "W-1", "source": "patrol", "category": "垃圾", "severity": "general",
         "found_on": "2026-01-05", "office": "U-1", "status": "open", "escalated_to": ["C-1", "C-2"]},
        {"key": "P-4", "waterbody": "W-1", "source": "patrol", "category": "垃圾", "severity": "major",
         "found_on": "2026-01-05", "office": "U-1", "status": "open", "escalated_to": ["C-1"],
         "verified": True},
    ]  # fmt: skip
    documents = [
        {"key": "D-1", "type": "annual_plan", "year": 2026.0, "unit": "U-1"},
        {"key": "D-2", "type": "annual_plan", "year": "2026", "unit": "U-1"},
        {"key": "D-3", "type": "annual_plan", "year": 2026, "unit": "U-1", "issued_on": "2026-01-02"},
    ]
    folder = tmp_path / "records"
    _write(folder, _LINES[:1])
    for name, records in (("problems", problems), ("documents", documents)):
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        )
    _same([folder], monkeypatch)
    documents.pop(1)
    problems[:3] = []
    for name, records in (("problems", problems), ("documents", documents)):
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        )
    assert isinstance(_same([folder], monkeypatch), FactSet)


def _streamed(paths: list[Path], fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """Load with patrols streamed to a consumer (as a scan does when rules only count them)."""
    given: list[str] = []
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(Collector, "fast_builder", lambda self, kind: None)
        try:
            facts = load_facts(paths, {"patrol": lambda record: given.append(record.key)})
            return (facts.digest, facts.files, facts.streamed, len(facts)), given
        except CheckerError as error:
            return [d.render() for d in error.diagnostics], given


def test_streamed_records_are_given_and_counted_as_the_exact_path_gives_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate("small", 1, tmp_path, dt.date(2026, 11, 26))
    fast, exact = _streamed([tmp_path], True, monkeypatch), _streamed([tmp_path], False, monkeypatch)
    assert fast == exact
    assert len(fast[1]) > 5_000


def test_a_streamed_record_naming_an_unknown_key_or_seen_twice_is_reported_as_the_exact_path_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate("small", 1, tmp_path, dt.date(2026, 11, 26))
    patrols = tmp_path / "patrols.jsonl"
    lines = patrols.read_text(encoding="utf-8").splitlines()
    unknown = json.loads(lines[3])
    unknown["chief"] = "C-NOBODY"
    lines[3] = json.dumps(unknown, ensure_ascii=False)
    lines.append(lines[5])  # a key seen twice
    patrols.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, exact = _streamed([tmp_path], True, monkeypatch), _streamed([tmp_path], False, monkeypatch)
    assert fast == exact
    errors = fast[0]
    assert any("C-NOBODY" in error for error in errors)
    assert any("fact-duplicate-key" in error for error in errors)
