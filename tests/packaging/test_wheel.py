"""The wheel an office installs works without the repository.

Builds the wheel from a copy of the source tree (as `python -m pip wheel --no-deps -w dist .` does),
installs it with its dependencies into a fresh virtual environment (a real `pip install`; pip's
cache makes durable-rules' C build fast after the first time), and runs rivercheck from a folder
outside any checkout: the bundled demo scan, the bundled rules' validation and cases, rule docs of a
maintainer's copy of them, the demo generator, and `rules test` on a folder with nothing to run:
what README's "Install without the repository" promises.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*_cache", ".rivercheck", "out"
)
"""What the copy of the source tree leaves out: tools' and runs' output, never the project's files."""
AS_OF = "2026-11-26"
PIP_TIMEOUT_S = 900
"""A first install on a fresh machine compiles durable-rules' C core (about a minute)."""


def run(command: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "RIVERCHECK_HISTORY"}
    }
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the tree so that the checkout gets no build/ or egg-info."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "rivercheck"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)],
        cwd=work,
        timeout=PIP_TIMEOUT_S,
    )
    assert built.returncode == 0, built.stderr
    (found,) = (work / "dist").glob("rivercheck-*.whl")
    return found


@pytest.fixture(scope="module")
def office(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the installed `rivercheck`, an empty working folder far from the checkout)."""
    home = tmp_path_factory.mktemp("office")
    environment = home / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    installed = run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], home, PIP_TIMEOUT_S)
    assert installed.returncode == 0, installed.stderr
    work = home / "work"
    work.mkdir()
    yield environment / "bin" / "rivercheck", work


def test_the_wheel_holds_the_code_the_bundled_rules_and_the_demo(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = ROOT / "rules"
    for path in sorted(rules.rglob("*.yaml")):
        assert f"checker/bundled/rules/{path.relative_to(rules).as_posix()}" in names, path
    for path in sorted((ROOT / "demo").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"checker/bundled/demo/{path.relative_to(ROOT / 'demo').as_posix()}" in names, path
    assert {"cli.py", "checker/bundled/__init__.py", "facts/synthetic/__init__.py"} <= names
    packages = {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}
    for init in [*ROOT.glob("checker/**/__init__.py"), *ROOT.glob("facts/**/__init__.py")]:
        assert init.parent.relative_to(ROOT).as_posix() in packages, init  # every subpackage is found
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_the_installed_package_runs_from_its_own_files(office: tuple[Path, Path]) -> None:
    rivercheck, work = office
    python = rivercheck.with_name("python")
    where = run([str(python), "-c", "import checker.bundled as b, cli; print(cli.__file__, b.RULES)"], work)
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout
    assert "site-packages/checker/bundled/rules" in where.stdout


def test_the_demo_scan_reports_findings(office: tuple[Path, Path]) -> None:
    rivercheck, work = office
    result = run([str(rivercheck), "scan", "--as-of", AS_OF, "--format", "json", "--no-history"], work)
    assert result.returncode == 1, result.stderr  # 1: findings at or above --fail-on
    document = json.loads(result.stdout)
    assert document["findings"]
    assert document["stamp"]["as_of"] == AS_OF


def test_the_bundled_rules_validate_and_their_cases_pass(office: tuple[Path, Path]) -> None:
    rivercheck, work = office
    validated = run([str(rivercheck), "rules", "validate"], work)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.strip().endswith("checker/bundled/rules: no problems")
    tested = run([str(rivercheck), "rules", "test", "-k", "RECT-"], work)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    passed, _, rest = tested.stdout.strip().splitlines()[-1].partition(" passed, ")
    assert int(passed) > 0 and rest == "0 failed", tested.stdout


def test_rules_test_on_an_empty_folder_is_a_usage_error(office: tuple[Path, Path]) -> None:
    rivercheck, work = office
    (work / "empty").mkdir()
    result = run([str(rivercheck), "rules", "test", "empty"], work)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("empty: rules-empty: ")
    assert "passed" not in result.stdout


def test_rule_docs_from_a_maintainers_copy_of_the_bundled_rules(office: tuple[Path, Path]) -> None:
    """A maintainer copies part of the installed rules (with their params and articles) and
    documents it: every article's text comes from the copy, none from outside (a subset keeps
    this quick; the docs of all bundled rules are checked against docs/rules in the checkout)."""
    rivercheck, work = office
    (bundled,) = rivercheck.parent.parent.glob("lib/python*/site-packages/checker/bundled/rules")
    mine = work / "my-rules"
    shutil.copytree(bundled / "overdue", mine / "overdue")
    for name in ("params.yaml", "articles.yaml"):
        shutil.copy(bundled / name, mine / name)
    docs = run([str(rivercheck), "rules", "docs", "my-rules", "--output", "docs"], work)
    assert docs.returncode == 0, docs.stderr
    index = (work / "docs" / "README.md").read_text(encoding="utf-8")
    assert "> 第二十五条 督促问题整改。" in index
    assert "issued by 上海市河长制办公室 on 2022-07-20" in index
    assert (work / "docs" / "RECT-OVERDUE.md").is_file()


def test_the_demo_generator_plans_against_the_bundled_params(office: tuple[Path, Path]) -> None:
    rivercheck, work = office
    generated = run([str(rivercheck), "demo", "generate", "--output", "city"], work)
    assert generated.returncode == 0, generated.stderr
    assert (work / "city" / "problems.jsonl").is_file()
    assert "RECT-OVERDUE" in generated.stdout  # the findings a scan of it must report, per rule
