"""A nightly job's view: every format from one result, two nights of history, waivers, redaction."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from checker.reports import FORMATS, SUFFIXES, render
from checker.results.document import ScanResult
from checker.scan import scan
from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
RULES = ROOT / "rules"


@pytest.fixture(scope="module")
def result() -> ScanResult:
    return scan([DEMO], RULES, dt.date(2026, 11, 26))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_renders_the_same_bytes_from_one_result(result: ScanResult, fmt: str, lang: str) -> None:
    first = render(result, fmt, lang)
    assert first and first == render(result, fmt, lang)
    assert fmt in SUFFIXES.values()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def night(facts: Path, as_of: str, history: Path, *extra: str) -> dict[str, Any]:
    result = run("scan", str(facts), "--as-of", as_of, "--history", str(history), "--format", "json", *extra)
    assert result.exit_code == 1, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_two_nights_show_new_persisting_and_resolved(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    facts = tmp_path / "district"
    shutil.copytree(DEMO, facts)
    first = night(facts, "2026-11-26", history)
    assert first["previous_scan"] is None
    problems = facts / "problems.yaml"
    text = problems.read_text("utf-8")
    signed = text.replace(
        "deadline: 2026-09-30, status: in_progress}",
        "deadline: 2026-09-30, status: signed_off, signed_off_on: 2026-11-26}",
    )
    assert signed != text
    problems.write_text(signed, "utf-8")
    second = night(facts, "2026-11-27", history)
    assert second["previous_scan"] == "2026-11-26"
    states = {(f["rule"], f["subject"]): f["history"] for f in second["findings"]}
    assert states[("RECT-OVERDUE", "P-002")] == {
        "state": "persisting",
        "first_seen": "2026-11-26",
        "days_open": 1,
    }
    assert states[("RECT-OVERDUE", "P-010")]["state"] == "new"  # due 2026-11-26: overdue from the 27th
    # P-001 signed off; P-010 was due soon on the 26th and is overdue (not due soon) on the 27th
    assert sorted((r["rule"], r["subject"]) for r in second["resolved"]) == [
        ("RECT-DUE-SOON", "P-010"),
        ("RECT-OVERDUE", "P-001"),
    ]
    again = night(facts, "2026-11-27", history)
    assert again == second  # re-running a night gives the same report
    listing = run("history", "--history", str(history), "--lang", "en")
    assert listing.exit_code == 0 and "2026-11-26" in listing.stdout and "2026-11-27" in listing.stdout


def test_an_expired_waiver_turns_the_finding_back_into_a_failure(tmp_path: Path) -> None:
    findings = night(DEMO, "2026-11-26", tmp_path / "h.sqlite")["findings"]
    fingerprint = next(f["fingerprint"] for f in findings if f["rule"] == "ACCOUNTABILITY-REFERRAL")
    waivers = tmp_path / "waivers.yaml"
    entry = (
        "- {{fingerprint: {fp}, reason: 已报市委组织部, approver: 王处长,"
        " approved_on: 2026-11-01, expires_on: {until}}}\n"
    )
    waivers.write_text(entry.format(fp=fingerprint, until="2026-12-31"), "utf-8")
    active = run(
        "scan", str(DEMO), "--as-of", "2026-11-26", "--waivers", str(waivers), "--fail-on", "critical"
    )
    assert active.exit_code == 0, active.output  # the only critical finding is waived
    waivers.write_text(entry.format(fp=fingerprint, until="2026-11-25"), "utf-8")
    expired = run(
        "scan",
        str(DEMO),
        "--as-of",
        "2026-11-26",
        "--waivers",
        str(waivers),
        "--fail-on",
        "critical",
        "--lang",
        "en",
    )
    assert expired.exit_code == 1
    assert "waiver expired on 2026-11-25" in expired.stdout
    audit = run("waivers", "audit", str(waivers), str(DEMO), "--as-of", "2026-11-26")
    assert audit.exit_code == 0 and fingerprint in audit.stdout


def test_several_outputs_in_one_run_and_redaction(tmp_path: Path) -> None:
    outputs = [tmp_path / name for name in ("r.html", "r.xml", "r.md", "r.csv", "r.xlsx", "r.json", "r.txt")]
    result = run("scan", str(DEMO), "--as-of", "2026-11-26", "--redact", *[f"--output={p}" for p in outputs])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert all(path.stat().st_size > 0 for path in outputs)
    for path in outputs[:4] + outputs[5:]:
        assert "赵湘君" not in path.read_text("utf-8-sig"), path.name  # a chief's name, redacted
    assert "河长-" in (tmp_path / "r.json").read_text("utf-8")


def test_an_output_of_unknown_format_is_refused_before_scanning(tmp_path: Path) -> None:
    result = run("scan", str(DEMO), "--as-of", "2026-11-26", "--output", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2
    assert "output-format" in result.stderr
    explicit = run("scan", str(DEMO), "--as-of", "2026-11-26", "--output", f"markdown:{tmp_path / 'r.pdf'}")
    assert explicit.exit_code == 1 and (tmp_path / "r.pdf").read_text("utf-8").startswith("#")
