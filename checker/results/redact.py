"""Redaction: reports that leave the office carry stable pseudonyms instead of people's names.

The names are the chiefs' (河长/湖长) names: each `name` of a chief record a finding rests on, any
`chief_name` a rule derived, the chiefs of the fact set when it is given, and the approvers of
waivers. Each is replaced, wherever it occurs in the result's text and values, by `河长-` and the
first 6 hex digits of HMAC-SHA256(key, name): the same name and key give the same pseudonym in every
run, so reports can still be compared and counted. Longer names are replaced first, in one pass, so
a name inside a longer one is never half-replaced. Two names whose 6 digits collide get 12 digits
instead, so that two people never share a pseudonym.

Units are organisations, not people: a unit's name (`responsible_name`, the scores, unit records)
is left as it is. Identifiers (fingerprints, keys, rule ids, files) are never touched.

The key: set `RIVERCHECK_REDACT_KEY` to a secret of the office. Without it a built-in key is used,
which anyone with rivercheck has: a pseudonym made with it can be reversed by hashing guessed names.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from checker.language.schema import Text
from checker.results.document import ChainLink, DerivedFact, FactRef, Finding, ScanResult
from facts.load.factset import FactSet

KEY_VARIABLE = "RIVERCHECK_REDACT_KEY"
BUILTIN_KEY = b"rivercheck built-in redaction key: public, set RIVERCHECK_REDACT_KEY"
"""Public: pseudonyms made with it can be reversed by guessing names. Offices set their own key."""
PREFIX = "河长-"
CHIEF_KIND = "chief"
NAME_FIELDS = ("chief_name",)
"""Fields of derived facts that hold a chief's name (besides `name` on a chief record)."""
UNIT_KIND = "unit"


def redaction_key(env: Mapping[str, str]) -> bytes:
    """The key from RIVERCHECK_REDACT_KEY (UTF-8), or the public built-in key when it is unset or empty."""
    value = env.get(KEY_VARIABLE, "")
    return value.encode() if value else BUILTIN_KEY


def pseudonym(name: str, key: bytes, digits: int = 6) -> str:
    """`河长-` and the first `digits` hex digits of HMAC-SHA256(key, name)."""
    return PREFIX + hmac.new(key, name.encode(), hashlib.sha256).hexdigest()[:digits]


def redact(result: ScanResult, facts: FactSet | None, key: bytes) -> ScanResult:
    """The result with every person's name replaced by its pseudonym (pure)."""
    names = person_names(result, facts)
    if not names:
        return result
    table = _pseudonyms(names, key)
    pattern = re.compile("|".join(re.escape(name) for name in sorted(table, key=lambda n: (-len(n), n))))

    def text(value: str) -> str:
        return pattern.sub(lambda match: table[match.group(0)], value)

    return result.model_copy(
        update={
            "findings": [_finding(finding, text) for finding in result.findings],
            "derived": [_derived(fact, text) for fact in result.derived],
            "resolved": [r.model_copy(update={"message": _text(r.message, text)}) for r in result.resolved],
            "waivers": [
                w.model_copy(update={"reason": text(w.reason), "approver": text(w.approver)})
                for w in result.waivers
            ],
        }
    )


def person_names(result: ScanResult, facts: FactSet | None = None) -> set[str]:
    """The names to hide: chiefs the result names or the facts hold, and waiver approvers."""
    names: set[str] = set()
    for finding in result.findings:
        for ref in finding.facts:
            if ref.kind == CHIEF_KIND:
                names.update(_strings(ref.values.get("name")))
        for link in _links(finding.chain):
            names.update(_chief_names(link.kind, link.values))
        if finding.waiver is not None:
            names.add(finding.waiver.approver)
    for fact in result.derived:
        names.update(_chief_names(fact.kind, fact.values))
    names.update(waiver.approver for waiver in result.waivers)
    if facts is not None:
        names.update(str(getattr(fact.record, "name", "")) for fact in facts.of_kind(CHIEF_KIND))
    return {name.strip() for name in names if name.strip()}


def _chief_names(kind: str, values: Mapping[str, Any]) -> Iterable[str]:
    for field, value in values.items():
        if field in NAME_FIELDS or (kind == CHIEF_KIND and field == "name"):
            yield from _strings(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def _links(links: Iterable[ChainLink]) -> Iterable[ChainLink]:
    for link in links:
        yield link
        yield from _links(link.rests_on)


def _pseudonyms(names: Iterable[str], key: bytes) -> dict[str, str]:
    """Each name's pseudonym; names whose short pseudonyms collide get longer ones."""
    short = {name: pseudonym(name, key) for name in names}
    taken: dict[str, int] = {}
    for value in short.values():
        taken[value] = taken.get(value, 0) + 1
    return {name: value if taken[value] == 1 else pseudonym(name, key, 12) for name, value in short.items()}


def _finding(finding: Finding, text: Callable[[str], str]) -> Finding:
    update: dict[str, Any] = {
        "message": _text(finding.message, text),
        "remedy": _text(finding.remedy, text),
        "title": _text(finding.title, text),
        "facts": [_fact_ref(ref, text) for ref in finding.facts],
        "chain": [_link(link, text) for link in finding.chain],
    }
    if finding.waiver is not None:
        update["waiver"] = finding.waiver.model_copy(
            update={"reason": text(finding.waiver.reason), "approver": text(finding.waiver.approver)}
        )
    return finding.model_copy(update=update)


def _text(words: Text, text: Callable[[str], str]) -> Text:
    return Text(zh=text(words.zh), en=text(words.en))


def _fact_ref(ref: FactRef, text: Callable[[str], str]) -> FactRef:
    if ref.kind == UNIT_KIND:  # an organisation, not a person
        return ref
    return ref.model_copy(update={"values": _values(ref.values, text)})


def _link(link: ChainLink, text: Callable[[str], str]) -> ChainLink:
    return link.model_copy(
        update={
            "values": _values(link.values, text),
            "rests_on": [_link(inner, text) for inner in link.rests_on],
        }
    )


def _derived(fact: DerivedFact, text: Callable[[str], str]) -> DerivedFact:
    return fact.model_copy(update={"values": _values(fact.values, text)})


def _values(values: dict[str, Any], text: Callable[[str], str]) -> dict[str, Any]:
    return {field: _value(value, text) for field, value in values.items()}


def _value(value: Any, text: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return [_value(item, text) for item in value]
    if isinstance(value, dict):
        return {field: _value(item, text) for field, item in value.items()}
    return value
