"""facts.load's bulk path for a streamed kind: what the line-by-line path gives, or not taken.

Each case of tests/facts/bulk_cases.yaml is a patrols.jsonl read twice through a consumer that takes
records and tables (`Feed`): with the bulk path allowed for any size, and with it off. Both loads
must stream the same patrols as of the scan day (or raise the same diagnostics), and the bulk path
must have been taken exactly when the case says.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.errors import CheckerError
from facts.load import bulk
from facts.load.factset import Feed
from facts.load.pipeline import load_facts
from facts.load.table import Rows
from facts.models import Record
from facts.snapshot import Snapshot

HERE = Path(__file__).resolve().parent
DATA = yaml.safe_load((HERE / "bulk_cases.yaml").read_text(encoding="utf-8"))
DAY = dt.date(2026, 11, 30)
_OTHERS = {
    "waterbodies.yaml": "- {key: W-1, name: 黄浦江, level: 市}\n- {key: W-2, name: 苏州河, level: 市}\n",
    "chiefs.yaml": "- {key: C-1, name: 张三, level: 市, role: 河长, in_post_from: 2025-01-01}\n",
}


def _load(folder: Path, allowed: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What a load streams: the patrols as of DAY, the snapshot's summary, the bookkeeping; or
    the diagnostics."""
    records: list[tuple[Any, ...]] = []
    tables: list[int] = []

    def one(record: Record) -> None:
        records.append(tuple(vars(record).values()))

    def table(rows: Rows) -> None:
        tables.append(rows.count)
        records.extend(rows.fetch("SELECT key, chief, waterbody, patrolled_on FROM {rows}"))

    snapshot = Snapshot(DAY)
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "BULK_BYTES", 0 if allowed else 1 << 60)
        try:
            facts = load_facts([folder], {"patrol": snapshot.consumer(Feed(one, table))})
        except CheckerError as error:
            return {"diagnostics": [d.render() for d in error.diagnostics], "bulk": bool(tables)}
    return {
        "patrols": sorted(records),
        "summary": snapshot.summary,
        "streamed": facts.streamed,
        "files": facts.files,
        "digest": facts.digest,
        "bulk": bool(tables),
    }


@pytest.mark.parametrize("case", DATA["cases"], ids=[case["name"] for case in DATA["cases"]])
def test_the_bulk_path_gives_what_the_line_path_gives(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in _OTHERS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    lines = [*DATA["good"], *case["lines"]]
    (tmp_path / "patrols.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    allowed, exact = _load(tmp_path, True, monkeypatch), _load(tmp_path, False, monkeypatch)
    assert exact["bulk"] is False
    assert allowed.pop("bulk") is case["bulk"]
    exact.pop("bulk")
    assert allowed == exact
    if case["bulk"]:
        assert exact["patrols"]  # the good lines, at least, were streamed


def test_the_bulk_path_is_not_taken_for_a_kind_in_two_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in _OTHERS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "patrols.jsonl").write_text(DATA["good"][0] + "\n", encoding="utf-8")
    (tmp_path / "patrols.yaml").write_text(
        "- {key: PT-1, chief: C-1, waterbody: W-1, patrolled_on: 2026-01-03}\n", encoding="utf-8"
    )
    allowed, exact = _load(tmp_path, True, monkeypatch), _load(tmp_path, False, monkeypatch)
    assert allowed == exact
    assert "diagnostics" in exact and not allowed["bulk"]  # PT-1 twice: named, whichever file is read first


def test_without_duckdb_the_file_is_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in _OTHERS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "patrols.jsonl").write_text("\n".join(DATA["good"]) + "\n", encoding="utf-8")
    with_duckdb = _load(tmp_path, True, monkeypatch)
    monkeypatch.setitem(sys.modules, "duckdb", None)  # `import duckdb` raises ImportError
    without = _load(tmp_path, True, monkeypatch)
    assert with_duckdb.pop("bulk") is True and without.pop("bulk") is False
    assert without == with_duckdb
