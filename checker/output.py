"""Writing what rivercheck produces: whole files or nothing, errors that name the file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from checker.errors import CheckerError, Location


def _file_mode(path: Path) -> int:
    """The existing report's mode, or what a new file gets under the current umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written report."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise CheckerError.at(
            Location(str(path)), "output-write", f"cannot write the report here: {error.strerror}"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode() if isinstance(text, str) else text)
        os.chmod(temporary, _file_mode(path))  # mkstemp makes it owner-only; a report is an ordinary file
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CheckerError.at(
            Location(str(path)), "output-write", f"cannot write the report: {error.strerror}"
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def make_folder(path: Path) -> None:
    """Create an output folder (and its parents); a file in the way is a usage error."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CheckerError.at(
            Location(str(path)), "output-write", f"cannot create the folder: {error.strerror}"
        ) from None
