"""The cyclic collector is off while records are loaded, scanned and written, and as it was after."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path
from typing import Any

import pytest

import checker.reports as reports
from checker.publish import publish
from checker.results.document import ScanResult
from checker.scan import scan
from facts.nogc import collector_paused

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("before", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after(before: bool) -> None:
    gc.enable() if before else gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is before
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError
        assert gc.isenabled() is before
    finally:
        gc.enable()


def test_reports_are_rendered_with_the_collector_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[bool] = []
    real = reports.render

    def render(result: ScanResult, fmt: str, lang: str) -> Any:
        seen.append(gc.isenabled())
        return real(result, fmt, lang)

    result = scan([ROOT / "demo" / "district"], ROOT / "rules", dt.date(2026, 11, 26))
    monkeypatch.setattr(reports, "render", render)
    gc.enable()
    publish(result, result, [("json", tmp_path / "r.json"), ("html", tmp_path / "r.html")], "zh", None)
    assert seen == [False, False]
    assert gc.isenabled()
    assert (tmp_path / "r.json").read_bytes() == result.json_bytes()
