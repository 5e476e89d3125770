"""The repository stands on its own: no file refers to material beside the checkout.

A user's clone has nothing beside it, so a product, test, doc or CI file that points outside the
repository (the shared reference folder the project was built next to, or the article map and the
pitfall list in it) breaks there. What the product needs of them lives in the repository: the regulation's
articles in `rules/articles.yaml`, the outside sources of the defaults in `docs/sources.md`, the
engine's pitfalls in `docs/engine.md`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = ("../" + "shared", "ARTICLES" + ".md", "PITFALLS" + ".md")
"""What no file may name (spelt in pieces, so that this file does not name them itself)."""
NOT_THE_PROJECT = {".git", ".venv", "build", "dist", "__pycache__", ".rivercheck", "out"}
"""Folders a walk skips when git cannot list the tracked files: tools' and runs' output."""


def project_files() -> list[Path]:
    """The tracked files (`git ls-files`), or, where git cannot tell (an unpacked archive), the tree."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listed = b""
    return [ROOT / name for name in listed.decode().split("\0") if name] or walked_files()


def walked_files() -> list[Path]:
    """Every file of the tree outside tools' and runs' folders."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in NOT_THE_PROJECT and not name.endswith((".egg-info", "_cache"))
        ]
        found += [Path(folder) / name for name in files]
    return found


def test_no_file_refers_to_anything_beside_the_repository() -> None:
    files = project_files()
    assert len(files) > 100, "found too few files: the walk is wrong"
    offending = []
    for path in files:
        if not path.is_file():
            continue  # listed by git but deleted in the working tree
        data = path.read_bytes()
        offending += [f"{path.relative_to(ROOT)}: {word}" for word in OUTSIDE if word.encode() in data]
    assert not offending, "files refer outside the repository:\n" + "\n".join(offending)


def test_without_git_the_walk_sees_the_project_files() -> None:
    """The fallback covers what matters too: the CI script, the bundled rules, the docs."""
    names = {path.relative_to(ROOT).as_posix() for path in walked_files()}
    assert {".ci/run", "rules/articles.yaml", "rules/params.yaml", "docs/engine.md", "cli.py"} <= names
    assert not any(name.startswith(".venv/") for name in names)
