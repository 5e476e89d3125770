"""YAML fact files: a list of mappings, one per record, each field at its line and column.

The YAML is parsed by `facts.yamlsrc`, which keeps every node's place, so a diagnostic about a field
(or an item of a list field) points at it rather than at its record.
"""

from __future__ import annotations

from checker.errors import CheckerError, Location
from facts.load.collect import Collector
from facts.load.messages import type_name
from facts.load.model_info import ModelInfo
from facts.yamlsrc import Located, PathTuple, load_yaml

__all__ = ["read_yaml"]


def read_yaml(collector: Collector, path: str, text: str, model: ModelInfo) -> bool:
    """Add the records of a YAML file; False when part of it could not be read."""
    try:
        located = load_yaml(path, text)
    except CheckerError as error:
        for diagnostic in error.diagnostics:
            collector.problem(diagnostic.location, diagnostic.code, diagnostic.message, diagnostic.help)
        return False
    if located.data is None:
        return True
    if not isinstance(located.data, list):
        collector.problem(
            located.where(()),
            "fact-format",
            f"expected a list of {model.kind} records, found {type_name(located.data)}",
            help="start each record with '- '",
        )
        return False
    complete = True
    for index, item in enumerate(located.data):
        if not isinstance(item, dict):
            collector.problem(
                located.where((index,)),
                "fact-format",
                f"{model.kind} #{index + 1}: expected a mapping of fields, found {type_name(item)}",
            )
            complete = False
            continue

        def where(at: PathTuple, located: Located = located, index: int = index) -> Location:
            return located.where((index, *at))

        raw = {str(name): value for name, value in item.items()}
        collector.add(
            model, raw, located.where((index,)), where, located, index, f"{model.kind} #{index + 1}"
        )
    return complete
