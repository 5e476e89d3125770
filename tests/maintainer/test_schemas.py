"""JSON Schemas for editors: up to date, and true to the models and to the real files.

`jsonschema` is not a dependency, so these tests check the schemas' structure (required fields,
closed objects, enumerations, references) and that the real rule, params, case and fact files fit
each object's declared fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from checker.language.load import ARTICLES_FILE
from checker.language.schema import SEVERITIES, FindingKind, Param, Rule
from checker.maintain.cases import Case, CaseFile, WantedFinding
from checker.maintain.schemas import DIALECT, render_schemas, write_schemas
from facts.models import FILE_STEMS, MODELS, ProblemStatus
from facts.yamlsrc import load_yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
RULES = ROOT / "rules"
DEMO = ROOT / "demo" / "district"
REGENERATE = "run `rivercheck schema --output docs/schemas`"
DOCUMENTS = render_schemas()
PARSED: dict[str, dict[str, Any]] = {name: json.loads(text) for name, text in DOCUMENTS.items()}


def test_committed_schemas_are_up_to_date() -> None:
    committed = {
        path.relative_to(SCHEMAS).as_posix(): path.read_text(encoding="utf-8")
        for path in SCHEMAS.rglob("*.schema.json")
    }
    stale = sorted(
        name for name in DOCUMENTS.keys() | committed.keys() if DOCUMENTS.get(name) != committed.get(name)
    )
    assert not stale, f"docs/schemas is stale ({', '.join(stale)}): {REGENERATE}"


def test_the_files_are_the_rule_params_case_articles_result_and_fact_schemas() -> None:
    facts = {f"facts/{stem}.schema.json" for stem in FILE_STEMS}
    expected = {"rule.schema.json", "params.schema.json", "cases.schema.json", "result.schema.json"}
    expected.add("articles.schema.json")
    assert set(DOCUMENTS) == expected | facts


def test_the_result_schema_accepts_a_real_result() -> None:
    """Structural check of the demo's JSON report against the published result schema."""
    import datetime as dt

    from checker.scan import scan

    root = Path(__file__).resolve().parents[2]
    document = json.loads(scan([root / "demo" / "district"], root / "rules", dt.date(2026, 11, 26)).to_json())
    schema = PARSED["result.schema.json"]
    assert set(schema["required"]) <= set(document)
    assert set(document) <= set(schema["properties"])
    finding = schema["$defs"]["Finding"]
    assert set(finding["required"]) <= set(document["findings"][0])


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_schema_is_a_described_2020_12_document(name: str) -> None:
    text, schema = DOCUMENTS[name], PARSED[name]
    assert schema["$schema"] == DIALECT
    assert schema["title"].startswith("rivercheck ") and schema["description"]
    assert text == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for ref in _refs(schema):
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in schema["$defs"], ref


def test_rule_schema_follows_the_rule_model() -> None:
    schema = PARSED["rule.schema.json"]
    _assert_closed_object(schema, Rule)
    assert schema["properties"]["severity"]["enum"] == list(SEVERITIES)
    assert schema["properties"]["kind"]["enum"] == list(get_args(FindingKind))
    when = schema["properties"]["when"]["items"]["oneOf"]
    assert when == [{"$ref": "#/$defs/Pattern"}, {"$ref": "#/$defs/Negation"}]
    assert schema["$defs"]["Negation"]["required"] == ["not"]
    assert schema["$defs"]["Then"]["anyOf"] == [{"required": ["derive"]}, {"required": ["finding"]}]
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, f"{name} accepts unknown fields"


def test_params_schema_is_a_mapping_of_params() -> None:
    schema = PARSED["params.schema.json"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] == {"$ref": "#/$defs/Param"}
    _assert_closed_object(schema["$defs"]["Param"], Param)


def test_cases_schema_checks_each_kind_of_facts_as_its_model() -> None:
    schema = PARSED["cases.schema.json"]
    _assert_closed_object(schema, CaseFile)
    definitions = schema["$defs"]
    _assert_closed_object(definitions["Case"], Case)
    _assert_closed_object(definitions["WantedFinding"], WantedFinding)
    facts = definitions["Case"]["properties"]["facts"]
    assert facts["additionalProperties"] is False
    for stem, kind in FILE_STEMS.items():
        model = MODELS[kind]
        assert facts["properties"][stem]["items"] == {"$ref": f"#/$defs/{model.__name__}"}
        assert definitions[model.__name__] == _fact_definition(stem)


@pytest.mark.parametrize("stem", sorted(FILE_STEMS))
def test_fact_schemas_are_lists_of_their_model(stem: str) -> None:
    schema = PARSED[f"facts/{stem}.schema.json"]
    model = MODELS[FILE_STEMS[stem]]
    assert schema["type"] == "array"
    assert schema["items"] == {"$ref": f"#/$defs/{model.__name__}"}
    _assert_closed_object(_fact_definition(stem), model)


def test_literal_fields_are_enumerations() -> None:
    problem = _fact_definition("problems")["properties"]
    assert problem["status"]["enum"] == list(get_args(ProblemStatus))
    assert problem["severity"]["enum"] == ["general", "major"]


def test_real_rule_params_and_case_files_fit_the_schemas() -> None:
    rule, cases = PARSED["rule.schema.json"], PARSED["cases.schema.json"]
    param = PARSED["params.schema.json"]["$defs"]["Param"]
    checked = 0
    for path in sorted(RULES.rglob("*.yaml")):
        data = _read(path)
        if path == RULES / ARTICLES_FILE:  # the articles, not a rule (checker.language.rules skips it)
            articles = PARSED["articles.schema.json"]
            _assert_fits(articles, data, str(path))
            for index, entry in enumerate(data["articles"]):
                _assert_fits(articles["$defs"]["ArticleEntry"], entry, f"{path}: article #{index + 1}")
        elif path.name == "params.yaml":
            for name, entry in data.items():
                _assert_fits(param, entry, f"{path}:{name}")
        elif path.name.endswith(".cases.yaml"):
            _assert_fits(cases, data, str(path))
            for case in data["cases"]:
                _assert_case_fits(cases["$defs"], case, f"{path}:{case['name']}")
        else:
            _assert_fits(rule, data, str(path))
            for item in data["when"]:
                name = "Negation" if "not" in item else "Pattern"
                _assert_fits(rule["$defs"][name], item, f"{path}: when")
        checked += 1
    assert checked > 3


@pytest.mark.parametrize("stem", sorted(FILE_STEMS))
def test_demo_fact_files_fit_the_schemas(stem: str) -> None:
    definition = _fact_definition(stem)
    # every demo file of the kind: `documents.yaml` and split ones such as `documents-office.yaml`
    paths = sorted({*DEMO.glob(f"{stem}.yaml"), *DEMO.glob(f"{stem}-*.yaml"), *DEMO.glob(f"{stem}_*.yaml")})
    assert paths, f"the demo has no {stem} file"
    for path in paths:
        records = _read(path)
        assert records, path.name
        for index, record in enumerate(records):
            _assert_fits(definition, record, f"{path.name} #{index + 1}")


def test_write_replaces_stale_schema_files(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    (tmp_path / "facts" / "gone.schema.json").write_text("{}")
    (tmp_path / "notes.md").write_text("kept\n")
    written = write_schemas(tmp_path)
    assert sorted(path.relative_to(tmp_path).as_posix() for path in written) == sorted(DOCUMENTS)
    assert not (tmp_path / "facts" / "gone.schema.json").exists()
    assert (tmp_path / "notes.md").exists()
    assert (tmp_path / "rule.schema.json").read_text(encoding="utf-8") == DOCUMENTS["rule.schema.json"]


# ---- helpers


def _fact_definition(stem: str) -> dict[str, Any]:
    schema = PARSED[f"facts/{stem}.schema.json"]
    definition: dict[str, Any] = schema["$defs"][MODELS[FILE_STEMS[stem]].__name__]
    return definition


def _assert_closed_object(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Strict models: unknown fields are refused and the required fields are the model's."""
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    assert set(schema["properties"]) == set(fields)
    assert set(schema.get("required", [])) == {name for name, info in fields.items() if info.is_required()}


def _assert_fits(schema: dict[str, Any], data: Any, where: str) -> None:
    """The object's fields are declared and its required fields present (the shape a schema checks)."""
    assert isinstance(data, dict), where
    assert set(schema.get("required", [])) <= set(data), f"{where}: missing {schema['required']}"
    if schema.get("additionalProperties") is False:
        unknown = set(data) - set(schema["properties"])
        assert not unknown, f"{where}: fields the schema refuses: {sorted(unknown)}"


def _assert_case_fits(definitions: dict[str, Any], case: dict[str, Any], where: str) -> None:
    _assert_fits(definitions["Case"], case, where)
    for stem, records in case["facts"].items():
        model = MODELS[FILE_STEMS[stem]]
        for record in records:
            _assert_fits(definitions[model.__name__], record, f"{where}: {stem}")


def _read(path: Path) -> Any:
    return load_yaml(str(path), path.read_text(encoding="utf-8-sig")).data


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
