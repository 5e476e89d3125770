"""Redaction: chiefs' names become stable pseudonyms everywhere in the result; units stay."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from checker.results import redact as redact_module
from checker.results.document import FactRef, ScanResult
from checker.results.redact import BUILTIN_KEY, KEY_VARIABLE, pseudonym, redact, redaction_key
from checker.scan import scan
from checker.state.waivers import apply_waivers, load_waivers
from facts.load.factset import FactSet
from facts.load.pipeline import load_facts

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
RULES = ROOT / "rules"
WAIVERS = Path(__file__).resolve().parent / "fixtures" / "hist_waivers.yaml"
AS_OF = dt.date(2026, 11, 26)
KEY = b"office secret"
CHIEF = "赵湘君"  # C-02, named in the ESC-INDIVIDUAL finding about P-028


@pytest.fixture(scope="module")
def demo() -> ScanResult:
    return scan([DEMO], RULES, AS_OF)


@pytest.fixture(scope="module")
def facts() -> FactSet:
    return load_facts([DEMO])


def chief_names(facts: FactSet) -> list[str]:
    return [str(getattr(fact.record, "name", "")) for fact in facts.of_kind("chief")]


def test_a_chiefs_name_is_replaced_by_one_pseudonym_everywhere(demo: ScanResult) -> None:
    assert CHIEF in demo.to_json()
    redacted = redact(demo, None, KEY)
    text = redacted.to_json()
    alias = pseudonym(CHIEF, KEY)
    assert re.fullmatch(r"河长-[0-9a-f]{6}", alias)
    assert CHIEF not in text
    finding = next(f for f in redacted.findings if f.rule == "ESC-INDIVIDUAL")
    assert alias in finding.message.zh and alias in finding.message.en
    assert alias in finding.remedy.zh and alias in finding.remedy.en
    [chief] = [ref for ref in finding.facts if ref.kind == "chief"]
    assert chief.values["name"] == alias
    # in each finding about C-02 (ESC-INDIVIDUAL about P-028, CONTACT-DEPT-MISSING about C-02): the
    # record's name, message and remedy in both languages
    about = [f for f in redacted.findings if any(r.kind == "chief" and r.key == "C-02" for r in f.facts)]
    assert {f.rule for f in about} == {"ESC-INDIVIDUAL", "CONTACT-DEPT-MISSING"}
    for named in about:
        assert named.model_dump_json().count(alias) == 5, named.rule
    assert text.count(alias) == 5 * len(about)


def test_with_the_facts_every_chief_name_is_gone(demo: ScanResult, facts: FactSet) -> None:
    text = redact(demo, facts, KEY).to_json()
    names = chief_names(facts)
    assert len(names) == 12  # chiefs.yaml's 9 and chiefs-civil.yaml's 3
    assert [name for name in names if name in demo.to_json()]  # some are named before redaction
    assert [name for name in names if name in text] == []


def test_pseudonyms_are_stable_across_runs_and_differ_by_key(demo: ScanResult, facts: FactSet) -> None:
    again = scan([DEMO], RULES, AS_OF)
    assert redact(demo, facts, KEY).to_json() == redact(again, load_facts([DEMO]), KEY).to_json()
    other = redact(demo, facts, b"another office").to_json()
    assert pseudonym(CHIEF, b"another office") in other
    assert pseudonym(CHIEF, KEY) not in other
    assert pseudonym(CHIEF, KEY) != pseudonym(CHIEF, b"another office")


def test_units_ids_and_everything_else_stay(demo: ScanResult, facts: FactSet) -> None:
    redacted = redact(demo, facts, KEY)
    assert [f.responsible_name for f in redacted.findings] == [f.responsible_name for f in demo.findings]
    assert redacted.scores == demo.scores
    assert redacted.stamp == demo.stamp
    assert [(f.fingerprint, f.rule, f.subject, f.responsible) for f in redacted.findings] == [
        (f.fingerprint, f.rule, f.subject, f.responsible) for f in demo.findings
    ]
    assert "清溪区河长制办公室" in redacted.to_json()
    names = chief_names(facts)
    naming = [any(name in f.model_dump_json() for name in names) for f in demo.findings]
    # findings that name a chief (escalation, patrols, reminder letters, signboards...) and only they change
    assert {f.rule for f, named in zip(demo.findings, naming, strict=True) if named} >= {
        "ESC-INDIVIDUAL",
        "PATROL-TOWN",
        "PATROL-VILLAGE",
    }
    for before, after, named in zip(demo.findings, redacted.findings, naming, strict=True):
        assert (after != before) == named, before.rule


def test_longer_names_are_replaced_first(demo: ScanResult) -> None:
    """A chief named 赵湘 must not turn 赵湘君 into a pseudonym followed by 君."""
    finding = next(f for f in demo.findings if f.rule == "ESC-INDIVIDUAL")
    short = FactRef(kind="chief", key="C-99", file="chiefs.yaml", line=99, values={"name": "赵湘"})
    extended = finding.model_copy(update={"facts": [*finding.facts, short]})
    result = demo.model_copy(update={"findings": [extended]})
    redacted = redact(result, None, KEY).findings[0]
    assert pseudonym(CHIEF, KEY) in redacted.message.zh
    assert pseudonym("赵湘", KEY) + "君" not in redacted.message.zh
    assert redacted.facts[-1].values["name"] == pseudonym("赵湘", KEY)


def test_waiver_approvers_are_people_too(demo: ScanResult) -> None:
    waived = apply_waivers(demo, load_waivers(WAIVERS))
    redacted = redact(waived, None, KEY)
    assert "李主任" in waived.to_json()
    assert "李主任" not in redacted.to_json()
    assert {w.approver for w in redacted.waivers} == {pseudonym("区河长办 李主任", KEY)}


def test_colliding_pseudonyms_are_lengthened(demo: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    real = redact_module.pseudonym

    def colliding(name: str, key: bytes, digits: int = 6) -> str:
        return "河长-000000" if digits == 6 and name in ("赵湘君", "孙立诚") else real(name, key, digits)

    monkeypatch.setattr(redact_module, "pseudonym", colliding)
    table = redact_module._pseudonyms(["赵湘君", "孙立诚", "林青山"], KEY)
    assert table == {
        "赵湘君": real("赵湘君", KEY, 12),
        "孙立诚": real("孙立诚", KEY, 12),
        "林青山": real("林青山", KEY),
    }


def test_redaction_key_comes_from_the_environment() -> None:
    assert redaction_key({KEY_VARIABLE: "办公室的密钥"}) == "办公室的密钥".encode()
    assert redaction_key({}) == BUILTIN_KEY
    assert redaction_key({KEY_VARIABLE: ""}) == BUILTIN_KEY
