"""Properties of the fact loaders, on inputs nobody would think to write by hand.

Whatever bytes a fact file holds, `load_facts` either returns facts or raises `CheckerError`, never
anything else; and every diagnostic names a file that was read and a line that exists in it (an
editor's count: the lines between line breaks, so the empty line after a final break counts too),
in words that can be printed. The files are written with arbitrary text, arbitrary bytes, and
records built from a valid one by changing, dropping and adding fields, in each format, then
mutated as text (a character typed, a piece cut, line endings changed) and encoded as UTF-8,
UTF-8 with a byte-order mark, or GB18030.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import CheckerError
from facts.load import decode
from facts.load.factset import FactSet
from facts.load.pipeline import load_facts
from facts.models import FILE_STEMS, MODELS

settings.register_profile(
    "fact-properties",
    max_examples=250,
    deadline=None,  # the first call of a test warms pydantic and PyYAML up: no flaky deadlines
    database=None,  # nothing written into the working tree (.hypothesis/)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("fact-properties")

SUFFIXES = (".yaml", ".json", ".jsonl", ".csv")
STEM_OF_KIND = {kind: stem for stem, kind in FILE_STEMS.items()}

OFFICE = {
    "waterbodies.yaml": "- {key: W-1, name: 清溪江, level: 区}\n- {key: W-2, name: 青枫湖, level: 市}\n",
    "units.yaml": "- {key: U-1, name: 河长办, type: office}\n"
    "- {key: U-2, name: 水务局, type: member_unit, parent: U-1}\n",
    "chiefs.yaml": "- {key: C-1, name: 林青山, level: 区, role: 河长, in_post_from: 2024-01-01, "
    "waterbodies: [W-1]}\n",
    "problems.yaml": "- {key: P-1, waterbody: W-1, source: patrol, category: 垃圾, severity: general, "
    "found_on: 2026-01-05, office: U-1, status: registered}\n",
}
"""A small valid office beside the file under test, so that its references can resolve."""

VALID: dict[str, dict[str, Any]] = {
    "waterbody": {"key": "W-9", "name": "白鹭河", "level": "区", "cross_provincial": False},
    "chief": {
        "key": "C-9",
        "name": "陈远航",
        "level": "市",
        "role": "河长",
        "in_post_from": "2025-01-01",
        "waterbodies": ["W-1", "W-2"],
    },
    "unit": {"key": "U-9", "name": "青枫镇河长办", "type": "lower_office", "parent": "U-1"},
    "problem": {
        "key": "P-9",
        "waterbody": "W-1",
        "source": "patrol",
        "category": "河道垃圾",
        "severity": "general",
        "found_on": "2026-01-05",
        "office": "U-1",
        "assignee": "U-2",
        "escalated_to": ["C-1"],
        "deadline": "2026-02-05",
        "status": "signed_off",
        "signed_off_on": "2026-01-20",
        "verified": True,
    },
    "interview": {"key": "I-9", "unit": "U-2", "held_on": "2026-03-01", "problems": ["P-1"]},
    "patrol": {"key": "PT-9", "chief": "C-1", "waterbody": "W-1", "patrolled_on": "2026-03-01"},
}
"""One valid record of each kind: the seed every structured input grows from."""

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@pytest.fixture(scope="module")
def office() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="rivercheck-office-") as folder:
        for name, text in OFFICE.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        yield Path(folder)


# --- what must hold ---------------------------------------------------------------------------------


def line_count(data: bytes) -> int:
    """Lines as an editor counts them, with every line break any of the formats knows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    return len(LINE_BREAK.findall(text)) + 1


def assert_loads_or_names_places(office: Path, name: str, data: bytes, stream: bool = False) -> None:
    """The property: facts, or a CheckerError whose every diagnostic names a real line of a file read."""
    with tempfile.TemporaryDirectory(prefix="rivercheck-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        consumers = {kind: lambda record: None for kind in MODELS} if stream else None
        try:
            load_facts([office, path], consumers)
        except CheckerError as error:
            lines = {str(path): line_count(data)}
            lines |= {str(office / other): text.count("\n") + 1 for other, text in OFFICE.items()}
            assert error.diagnostics
            for diagnostic in error.diagnostics:
                where = diagnostic.location
                assert where.path in lines, diagnostic.render()
                assert 1 <= where.line <= lines[where.path], (diagnostic.render(), lines[where.path])
                assert re.fullmatch("[a-z0-9]+(-[a-z0-9]+)*", diagnostic.code), diagnostic.code
            error.render().encode("utf-8")  # printable: no lone surrogates


# --- inputs ------------------------------------------------------------------------------------------

file_names = st.builds(
    lambda stem, suffix: stem + suffix, st.sampled_from(sorted(FILE_STEMS)), st.sampled_from(SUFFIXES)
)
dates = st.dates().map(str) | st.sampled_from(
    ["2026-02-30", "2026-13-01", "2026/11/26", "2026年11月26日", "20261126", "2026-11-26T09:00", "0000-01-01"]
)
words = st.sampled_from(
    ["W-1", "U-1", "U-2", "C-1", "P-1", "U-90", "U-91", " P-1 ", "区", "office", "signed_off", "是", "yes"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | dates
    | words
    | st.text(alphabet=st.characters(codec="utf-8"), min_size=60, max_size=300)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(sorted({name for model in MODELS.values() for name in model.model_fields}))


@st.composite
def records(draw: st.DrawFn, kind: str, number: int = 0) -> dict[str, Any]:
    """A valid record of `kind` (the `number`th: its own key) with some fields dropped, changed or added."""
    record = dict(VALID[kind], key=f"{VALID[kind]['key']}{number}")
    for name in draw(st.lists(st.sampled_from(sorted(record)), max_size=3)):
        record.pop(name, None)
    changes = draw(st.dictionaries(field_names | st.text(min_size=1, max_size=8), values, max_size=3))
    record.update(changes)
    return record


def as_csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(as_csv_cell(item) for item in value)
    return str(value)


def serialise(records: list[dict[str, Any]], suffix: str, shape: str, line_end: str) -> str:
    """Records written in a format; `shape` 'list' is right, 'one' writes the first record alone."""
    body: Any = records if shape == "list" else (records[0] if records else {})
    if suffix == ".yaml":
        return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=70)
    if suffix == ".json":
        return json.dumps(body, ensure_ascii=False, indent=1)
    if suffix == ".jsonl":
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    columns = list(dict.fromkeys(name for record in records for name in record))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(columns)
    for record in records:
        writer.writerow([as_csv_cell(record.get(name)) for name in columns])
    return out.getvalue()


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """The text with up to three edits: a piece typed in or cut, a line repeated, line endings changed."""
    for _ in range(draw(st.integers(0, 3))):
        edit = draw(st.sampled_from(["insert", "cut", "repeat", "line_ends"]))
        at = draw(st.integers(0, len(text)))
        if edit == "insert":
            typed = draw(
                st.text(max_size=4) | st.sampled_from(['"', "'", ",", ":", "[", "{", "\t", "\r", "\x00"])
            )
            text = text[:at] + typed + text[at:]
        elif edit == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif edit == "repeat":
            lines = text.splitlines(keepends=True)
            if lines:
                line = draw(st.sampled_from(lines))
                text = text + line
        else:
            text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n\n"])))
    return text


encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])


# --- the properties --------------------------------------------------------------------------------


@PROFILE
@given(name=file_names, text=st.text(max_size=400), stream=st.booleans())
def test_arbitrary_text_loads_or_is_a_diagnostic_with_a_line(
    office: Path, name: str, text: str, stream: bool
) -> None:
    assert_loads_or_names_places(office, name, text.encode("utf-8", "surrogatepass"), stream)


@PROFILE
@given(name=file_names, data=st.binary(max_size=400))
def test_arbitrary_bytes_load_or_are_a_diagnostic_with_a_line(office: Path, name: str, data: bytes) -> None:
    assert_loads_or_names_places(office, name, data)


@PROFILE
@given(data=st.data(), suffix=st.sampled_from(SUFFIXES), encoding=encodings, stream=st.booleans())
def test_changed_records_load_or_are_diagnostics_with_a_line(
    office: Path, data: st.DataObject, suffix: str, encoding: str, stream: bool
) -> None:
    kind = data.draw(st.sampled_from(sorted(VALID)), label="kind")
    size = data.draw(st.integers(0, 4), label="size")
    batch = [data.draw(records(kind, number), label=f"record {number}") for number in range(size)]
    shape = data.draw(st.sampled_from(["list", "list", "list", "one"]), label="shape")
    text = serialise(batch, suffix, shape, data.draw(st.sampled_from(["\n", "\r\n"]), label="line end"))
    text = data.draw(mutated(text), label="text")
    assert_loads_or_names_places(
        office, STEM_OF_KIND[kind] + suffix, text.encode(encoding, "surrogatepass"), stream
    )


@PROFILE
@given(
    kind=st.sampled_from(sorted(VALID)),
    suffix=st.sampled_from(SUFFIXES),
    depth=st.integers(1, 3000),
    opener=st.sampled_from(["[", "{"]),
)
def test_deep_nesting_is_a_diagnostic_never_a_crash(
    office: Path, kind: str, suffix: str, depth: int, opener: str
) -> None:
    closer = {"[": "]", "{": "}"}[opener]
    inner = (opener + ('"a": ' if opener == "{" else "")) * depth + "1" + closer * depth
    text = {
        ".yaml": f"- key: X-1\n  name: {inner}\n",
        ".json": f'[{{"key": "X-1", "name": {inner}}}]\n',
        ".jsonl": f'{{"key": "X-1", "name": {inner}}}\n',
        ".csv": f'key,name\nX-1,"{inner.replace(chr(34), chr(34) * 2)}"\n',
    }[suffix]
    assert_loads_or_names_places(office, STEM_OF_KIND[kind] + suffix, text.encode("utf-8"))


@PROFILE
@given(
    text=st.text(alphabet=st.sampled_from("ab\r\n\u2028 "), max_size=40), cuts=st.lists(st.integers(0, 40))
)
def test_lines_split_the_same_however_the_text_arrives(text: str, cuts: list[int]) -> None:
    """JSON Lines are decoded in chunks: a CR LF split between two pieces is still one line break."""
    bounds = sorted({0, len(text), *(cut for cut in cuts if cut <= len(text))})
    pieces = [text[start:end] for start, end in itertools.pairwise(bounds)]
    assert list(decode.split_lines(pieces)) == re.split("\r\n|\r|\n", text)


def outcome(paths: list[Path]) -> FactSet | list[str]:
    try:
        return load_facts(paths)
    except CheckerError as error:
        return [diagnostic.render() for diagnostic in error.diagnostics]


@PROFILE
@given(data=st.data(), encoding=encodings, chunk=st.integers(1, 9))
def test_json_lines_read_in_small_chunks_give_the_same_outcome(
    office: Path, data: st.DataObject, encoding: str, chunk: int
) -> None:
    """A character of GB18030 or UTF-8 split between two chunks, or a CR LF, changes nothing."""
    kind = data.draw(st.sampled_from(sorted(VALID)), label="kind")
    size = data.draw(st.integers(0, 3), label="size")
    batch = [data.draw(records(kind, number), label=f"record {number}") for number in range(size)]
    text = data.draw(mutated(serialise(batch, ".jsonl", "list", "\n")), label="text")
    with tempfile.TemporaryDirectory(prefix="rivercheck-chunks-") as folder:
        path = Path(folder) / (STEM_OF_KIND[kind] + ".jsonl")
        path.write_bytes(text.encode(encoding, "surrogatepass"))
        whole = outcome([office, path])
        with mock.patch.object(decode, "_CHUNK", chunk):
            pieces = outcome([office, path])
    if isinstance(whole, FactSet) and isinstance(pieces, FactSet):
        assert (whole.facts, whole.digest) == (pieces.facts, pieces.digest)
    else:
        assert whole == pieces


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind", sorted(VALID))
def test_the_seed_records_are_valid_in_every_format(office: Path, kind: str, suffix: str) -> None:
    """The structured inputs grow from valid records: were these invalid, the properties would only
    ever see rejections."""
    with tempfile.TemporaryDirectory(prefix="rivercheck-seed-") as folder:
        path = Path(folder) / (STEM_OF_KIND[kind] + suffix)
        path.write_text(serialise([VALID[kind]], suffix, "list", "\n"), encoding="utf-8")
        facts = load_facts([office, path])
    assert facts.find(kind, VALID[kind]["key"]) is not None
