"""References between records: every key a record names must be a record's, and no unit its own parent.

A record's references are noted as it is read and checked once every file is read, against the keys
seen per kind (of valid and invalid records alike: a record that failed validation is reported
once, for what is wrong with it, not again by every record that names it). Records of a streamed
kind are checked as they pass instead, against the keys read before them. A kind with a file that
could not be read whole is not checked: not all its keys are known.
"""

from __future__ import annotations

import itertools
import operator
import typing
from collections.abc import Collection, Mapping
from typing import Any

from checker.errors import Diagnostic, Location, did_you_mean
from facts.load.factset import Fact
from facts.load.messages import diagnostic, quote, record_label
from facts.load.model_info import MODEL_INFO, ModelInfo
from facts.models import Record
from facts.yamlsrc import Located, PathTuple

__all__ = ["Check", "References"]

_RECORD = operator.attrgetter("record")

Check = tuple[ModelInfo, "dict[str, Any] | Record", str | None, str, int, Location, Located | None, int]
"""A record whose references are checked: model, the record (or its raw fields if it is invalid),
key, name if it has no key, CSV row, place, YAML places and its index in the YAML list."""


class References:
    """The records whose references are checked at the end, against the keys seen per kind."""

    def __init__(
        self,
        keys: Mapping[str, Mapping[str, object]],
        incomplete: Collection[str],
        diagnostics: list[Diagnostic],
    ) -> None:
        self.keys = keys
        """Every key seen per kind and where it was first seen (kept up to date by the collector)."""
        self.incomplete = incomplete
        """Kinds with a file that could not be read whole: references to them are not checked."""
        self.diagnostics = diagnostics
        self.to_check: list[Check | Fact] = []
        """Checks in the order records were read; a valid JSON Lines record read on the fast path
        is its `Fact` alone (`check_of` makes its check when it is needed)."""
        self.hints: dict[tuple[str, str], str] = {}
        self.hint_budget = 5_000_000
        """Key comparisons left for did-you-mean on references (difflib over 300,000 keys is slow)."""

    def problem(self, location: Location, code: str, message: str, help: str = "") -> None:
        self.diagnostics.append(diagnostic(location, code, message, help))

    def check_all(self, by_kind: Mapping[str, list[Fact]], streamed: Collection[str]) -> None:
        """Report every reference to a key that no record of the referred kind has, then every cycle.

        Kinds with a file that could not be read whole are skipped: not all their keys are known.
        """
        if not self.all_known(by_kind):
            self.check_each()
        self.check_cycles(by_kind, streamed)

    def all_known(self, by_kind: Mapping[str, list[Fact]]) -> bool:
        """Whether every record to check was read on the fast path and names only keys that exist,
        found with sets; if not, `check_each` goes through them one by one, in the order read."""
        if set(map(type, self.to_check)) - {Fact}:
            return False
        for kind, model in MODEL_INFO.items():
            facts = by_kind.get(kind)
            if not facts or not model.references:
                continue
            records = list(map(_RECORD, facts))
            for name, target, many in model.references:
                if target in self.incomplete:
                    continue
                named = map(operator.attrgetter(name), records)
                values = set(itertools.chain.from_iterable(named)) if many else set(named)
                values.discard(None)
                if not self.keys[target].keys() >= values:
                    return False
        return True

    def check_each(self) -> None:
        """Every record's references, one by one, in the order the records were read."""
        refs = {
            kind: [
                (name, self.keys[target], many)
                for name, target, many in model.references
                if target not in self.incomplete
            ]
            for kind, model in MODEL_INFO.items()
        }
        for item in self.to_check:
            values: dict[str, Any] | Record
            if type(item) is Fact:
                values = item.record
                check: Check | None = None
            else:
                check = typing.cast(Check, item)
                values = check[1]
                if isinstance(values, dict):
                    self.check_raw(check, values)
                    continue
            for name, keys, many in refs[values.kind]:
                value = getattr(values, name)
                if value is None:
                    continue
                if (many and not all(key in keys for key in value)) or (not many and value not in keys):
                    self.bad_reference(check or self.check_of(typing.cast(Fact, item)), name, value)

    @staticmethod
    def check_of(fact: Fact) -> Check:
        """The check of a record read on the fast path (a JSON Lines line: no row, no YAML places)."""
        model = MODEL_INFO[fact.record.kind]
        return (model, fact.record, fact.record.key, model.kind, 0, fact.location, None, 0)

    def check_cycles(self, by_kind: Mapping[str, list[Fact]], streamed: Collection[str]) -> None:
        """Report records that are their own ancestors through a field naming their own kind.

        A unit's `parent` is the unit above it: following parents must end at a unit without one.
        Each cycle is reported once, at the record of it that comes first in the files.
        """
        for kind, model in MODEL_INFO.items():
            links = [name for name, target, many in model.references if target == kind and not many]
            if not links or kind in streamed:
                continue
            of_kind = {fact.record.key: fact for fact in by_kind.get(kind, ())}
            for name in links:
                done: set[str] = set()
                for start in of_kind:
                    chain: list[str] = []
                    on_chain: set[str] = set()
                    key: str | None = start
                    while key is not None and key in of_kind and key not in done and key not in on_chain:
                        chain.append(key)
                        on_chain.add(key)
                        key = getattr(of_kind[key].record, name)
                    if key is not None and key in on_chain:
                        self.cycle(kind, name, chain[chain.index(key) :], of_kind)
                    done.update(chain)

    def cycle(self, kind: str, name: str, keys: list[str], facts: Mapping[str, Fact]) -> None:
        first = min(range(len(keys)), key=lambda index: facts[keys[index]].location)
        keys = keys[first:] + keys[:first]
        if len(keys) == 1:
            message = f"{kind} {quote(keys[0])} is its own {name}"
        else:
            shown = " -> ".join(quote(key) for key in [*keys, keys[0]])
            message = (
                f"{kind} {quote(keys[0])} is above itself: expected its {name}s to lead up to "
                f"{MODEL_INFO[kind].article} {kind} without a {name}, found {shown}"
            )
        self.problem(
            facts[keys[0]].location,
            "fact-cycle",
            message,
            help=f"one of these {kind}s names the wrong {name}",
        )

    def check_one(self, check: Check) -> None:
        """The references of one record, against the keys read so far."""
        values = check[1]
        if isinstance(values, dict):
            self.check_raw(check, values)
            return
        for name, target, many in check[0].references:
            value = getattr(values, name)
            if value is None or target in self.incomplete:
                continue
            keys = self.keys[target]
            if (many and not all(key in keys for key in value)) or (not many and value not in keys):
                self.bad_reference(check, name, value)

    def check_raw(self, check: Check, raw: dict[str, Any]) -> None:
        """The references of a record that did not validate: check whatever looks like a key."""
        for name, target, many in check[0].references:
            value = raw.get(name)
            if target in self.incomplete or value is None:
                continue
            if many and isinstance(value, list):
                self.bad_reference(
                    check, name, [key.strip() if isinstance(key, str) else key for key in value]
                )
            elif not many and isinstance(value, str):
                self.bad_reference(check, name, value.strip())

    def bad_reference(self, check: Check, name: str, value: str | list[Any]) -> None:
        """Report the keys in `value` (field `name` of the record in `check`) that no record has."""
        model, _, key, unnamed, row, location, located, index = check
        target = model.model.references[name]
        keys = self.keys[target]
        many = isinstance(value, list)
        for position, wanted in enumerate(value if isinstance(value, list) else [value]):
            if not isinstance(wanted, str) or not wanted or wanted in keys:
                continue  # not a key at all is a field error, reported already
            at: PathTuple = (index, name, position) if many else (index, name)
            self.problem(
                located.where(at) if located else location,
                "fact-reference",
                f"{record_label(model.kind, key, unnamed, row)} field '{name}': "
                f"no {target} has key {quote(wanted)}",
                help=self.hint(target, wanted),
            )

    def hint(self, kind: str, key: str) -> str:
        """did-you-mean among a kind's keys, remembered, and within a budget of comparisons."""
        if (kind, key) not in self.hints:
            keys = self.keys[kind]
            if len(keys) > self.hint_budget:
                return ""
            self.hint_budget -= len(keys)
            self.hints[kind, key] = did_you_mean(key, keys)
        return self.hints[kind, key]
