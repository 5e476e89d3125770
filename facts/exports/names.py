"""Names in an export's cells resolved to keys: by a record's name, its key, or an alias.

An export names units and waterbodies the way people do (水务局, 苏州河). Once every source is read and
the fact files alongside are loaded, each name is looked up among the records of its kind (from
the files and from the rows themselves) and among the mapping's aliases; a name that fits no record,
or more than one, is reported at its cell. Aliases and constants that name no record are reported
once, at their line of the mapping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from checker.errors import Diagnostic, Location, did_you_mean
from facts.exports.mapping import LoadedMapping
from facts.exports.rows import CellError, Names, Row
from facts.load.factset import FactSet, RawRecord
from facts.models import MODELS

__all__ = ["NameResolver"]


class NameResolver:
    """The rows of one import made records, once the records they name are known."""

    def __init__(self, loaded: LoadedMapping, rows: list[Row], used: set[int], incomplete: set[str]) -> None:
        self.loaded = loaded
        self.mapping = loaded.mapping
        self.rows = rows
        self.used = used
        """The tables that found a sheet or file to read."""
        self.incomplete = incomplete
        """Kinds not read whole: names of them are not reported as unknown."""
        self.problems: list[Diagnostic] = []
        self.hints: dict[tuple[str, str], str] = {}

    def problem(self, location: Location, code: str, message: str, help: str = "") -> None:
        self.problems.append(Diagnostic(location, code, message, help=help))

    def records(self, known: FactSet) -> list[RawRecord]:
        """The rows as records, names resolved against `known` (the `also` files) and the rows."""
        index = _NameIndex(self, known)
        self.check_constants(index)
        dropped = self.check_aliases(index)
        result = []
        for row in self.rows:
            for names in row.names:
                self.resolve_names(row, names, index, dropped)
            result.append(
                RawRecord(row.kind, row.raw, row.location, row.fields, row.row, frozenset(row.absent))
            )
        return result

    def resolve_names(self, row: Row, names: Names, index: _NameIndex, dropped: set[str]) -> None:
        if names.kind in dropped:  # already reported once, for the whole column
            row.absent.add(names.field)
            return
        keys = []
        for name in names.names:
            try:
                keys.append(index.key(names.kind, name))
            except CellError as error:
                self.problem(names.place, error.code, f"{names.prefix}: {error.message}", error.help)
                row.absent.add(names.field)
        if names.field not in row.absent:
            row.raw[names.field] = keys if names.many else keys[0]

    def check_aliases(self, index: _NameIndex) -> set[str]:
        """Report aliases to keys no record has, and kinds looked up with no records at all."""
        dropped: set[str] = set()
        for kind, lookup in self.mapping.lookups.items():
            keys = index.keys[kind]
            for alias, key in lookup.aliases.items():
                if key not in keys and kind not in self.incomplete:
                    self.problem(
                        self.loaded.where(("lookups", kind, "aliases", alias)),
                        "mapping-lookup",
                        f"alias '{alias}' stands for {kind} '{key}', but no {kind} has that key",
                        help=did_you_mean(key, keys),
                    )
        for table_index, table in enumerate(self.mapping.tables):
            if table_index not in self.used:
                continue
            for name, column in table.columns.items():
                looked = column.lookup
                if looked is None or index.keys[looked] or looked in self.incomplete:
                    continue
                if looked not in dropped:
                    self.problem(
                        self.loaded.where(("tables", table_index, "columns", name)),
                        "map-lookup",
                        f"table '{table.title}': column '{name}' names {looked} records, but none were given",
                        help=f"give the {looked} fact file alongside the export",
                    )
                dropped.add(looked)
        return dropped | {kind for kind in self.incomplete if not index.keys[kind]}

    def check_constants(self, index: _NameIndex) -> None:
        """A constant that refers to a record must name one: reported once, not once per row."""
        for table_index, table in enumerate(self.mapping.tables):
            if table_index not in self.used:
                continue
            model = MODELS[table.kind]
            for name, value in table.constants.items():
                target = model.references.get(name)
                if target is None or target in self.incomplete:
                    continue
                given = value if isinstance(value, list) else [value]
                wrong = [key for key in given if key not in index.keys[target]]
                if not wrong:
                    continue
                self.problem(
                    self.loaded.where(("tables", table_index, "constants", name)),
                    "mapping-constant",
                    f"table '{table.title}': constant '{name}': no {target} has key '{wrong[0]}'",
                    help=did_you_mean(str(wrong[0]), index.keys[target]),
                )
                for row in self.rows:
                    if row.table == table_index:
                        row.raw.pop(name, None)
                        row.absent.add(name)

    def hint(self, kind: str, word: str, choices: Sequence[str]) -> str:
        if (kind, word) not in self.hints:
            self.hints[kind, word] = did_you_mean(word, choices)
        return self.hints[kind, word]


class _NameIndex:
    """Keys, names and aliases of each kind, from the `also` records and the imported rows."""

    def __init__(self, resolver: NameResolver, known: FactSet) -> None:
        self.resolver = resolver
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.named: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for fact in known.facts:
            self.add(fact.record.kind, fact.record.key, getattr(fact.record, "name", None))
        for row in resolver.rows:
            key, name = row.raw.get("key"), row.raw.get("name")
            if isinstance(key, str):
                self.add(row.kind, key, name if isinstance(name, str) else None)

    def add(self, kind: str, key: str, name: str | None) -> None:
        self.keys[kind].add(key)
        if name is not None:
            self.named[kind][name.strip()].add(key)

    def key(self, kind: str, name: str) -> str:
        """The key `name` stands for: an alias, a key, or (by name) the one record so named."""
        lookup = self.resolver.mapping.lookup(kind)
        if name in lookup.aliases:
            return lookup.aliases[name]
        if name in self.keys[kind]:
            return name
        choices = list(lookup.aliases)
        if lookup.by == "name":
            keys = self.named[kind].get(name, set())
            if len(keys) == 1:
                return next(iter(keys))
            if keys:
                raise CellError(
                    "map-lookup",
                    f"'{name}' names {len(keys)} {kind} records ({', '.join(sorted(keys))})",
                    help=f"write the key, or add an alias under lookups.{kind}.aliases",
                )
            choices += sorted(self.named[kind])
            message = f"no {kind} is named '{name}'"
        else:
            choices += sorted(self.keys[kind])
            message = f"no {kind} has key '{name}'"
        raise CellError("map-lookup", message, self.resolver.hint(kind, name, choices))
