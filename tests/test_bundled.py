"""checker.bundled: the installed copy of the bundled rules and demo if there is one, else the checkout's."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker import bundled
from checker.commands.common import DEFAULT_RULES, DEMO_FACTS

ROOT = Path(__file__).resolve().parents[1]


def test_in_a_checkout_the_bundled_folders_are_the_top_level_ones() -> None:
    assert bundled.RULES == ROOT / "rules"
    assert bundled.DEMO_DISTRICT == ROOT / "demo" / "district"
    assert bundled.PARAMS.is_file() and (bundled.RULES / "articles.yaml").is_file()
    assert (DEFAULT_RULES, DEMO_FACTS) == (bundled.RULES, bundled.DEMO_DISTRICT)


def test_an_installed_copy_beside_the_module_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    monkeypatch.setattr(bundled, "HERE", tmp_path)
    assert bundled.bundled("rules") == tmp_path / "rules"
    assert bundled.bundled("demo") == bundled.CHECKOUT / "demo"  # not installed: the checkout's
