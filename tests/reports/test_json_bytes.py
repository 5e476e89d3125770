"""The JSON report's bytes (`checker.results.document.json_bytes`): orjson, written as `json.dumps`
with sorted keys and an indent of two would write them, and json for what orjson refuses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from checker.bundled import DEMO, RULES
from checker.results.document import json_bytes
from checker.scan import scan


def python_json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def test_the_demo_report_is_what_json_dumps_writes() -> None:
    result = scan([DEMO / "district"], RULES, dt.date(2026, 11, 26))
    data = result.model_dump(mode="json")
    assert json_bytes(data) == python_json(data)
    assert result.json_bytes().decode() == result.to_json()


@pytest.mark.parametrize(
    "value",
    ["\x00\x1f\x7f", "\u2028\u2029 河长", "😀", '/\\"', 1e16, 1.0, 0.1, 97.5, 2**63 - 1, -0.0, None, True,
     {"b": 1, "a": {}, "é": [], "😀": 1, "\uffff": 2, "河": {"z": [1, [], {}]}}],
)  # fmt: skip
def test_values_are_written_as_json_writes_them(value: Any) -> None:
    assert json_bytes({"v": [value]}) == python_json({"v": [value]})


def test_an_integer_beyond_64_bits_is_written_whole() -> None:
    data = {"values": {"length": 10**40}, "name": "河"}
    assert json_bytes(data) == python_json(data)
    assert json.loads(json_bytes(data))["values"]["length"] == 10**40
