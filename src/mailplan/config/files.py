"""The files a config is read from: each one readable YAML text file, within the size limits.

``include:`` names files relative to the file that includes them; a wildcard
pattern (``team/*.yaml``) names every file it matches. Whatever an entry names
must be a regular ``.yaml``/``.yml`` file of UTF-8 text: a directory, a device,
a missing file, a binary or a file of another kind is an error at the entry.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mailplan.config.limits import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES, Budget, size_text
from mailplan.errors import Location, Problem
from mailplan.i18n import Msg

YAML_SUFFIXES = (".yaml", ".yml")
# what the system said, in our words (its strerror is English whatever the language)
_OS_REASONS = {
    errno.ENOENT: Msg("No such file or directory"),
    errno.EACCES: Msg("Permission denied"),
    errno.EPERM: Msg("Operation not permitted"),
    errno.ENOTDIR: Msg("Not a directory"),
    errno.ELOOP: Msg("Too many levels of symbolic links"),
    errno.ENAMETOOLONG: Msg("File name too long"),
    errno.EISDIR: Msg("Is a directory"),
}
# why bytes are not UTF-8, as Python's decoder says it (its words are English whatever the language)
_DECODE_REASONS = {
    "invalid start byte": Msg("invalid start byte"),
    "invalid continuation byte": Msg("invalid continuation byte"),
    "unexpected end of data": Msg("unexpected end of data"),
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in the reader's language where we know the reason."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def read_text(path: Path, label: str, origin: Location | None, budget: Budget) -> tuple[bytes, str] | Problem:
    """The bytes and text of one config file, or the problem that keeps it from being read.

    Problems point at the ``include:`` entry that named the file, or at the start of the config itself.
    """
    included = origin is not None
    origin = origin or Location(label, 1, 1)
    try:
        info = path.stat()
    except OSError as exc:
        hint = Msg("check the path; included files are relative to the file that includes them") if included else ""
        return Problem(Msg("cannot read {file}: {reason}", file=label, reason=os_reason(exc)), origin, hint)
    if stat.S_ISDIR(info.st_mode):
        pattern = label.rstrip("/") + "/*.yaml"
        hint = Msg("include the files in it with {pattern}", pattern=repr(pattern)) if included else ""
        hint = hint or Msg("give the config file")
        return Problem(Msg("{file} is a directory, not a YAML file", file=label), origin, hint)
    if not stat.S_ISREG(info.st_mode):
        return Problem(Msg("{file} is not a regular file (a device, pipe or socket)", file=label), origin,
                       Msg("name a YAML file"))  # fmt: skip
    if info.st_size > MAX_FILE_BYTES:
        return _too_big(label, info.st_size, origin)
    budget.files += 1
    if budget.files > MAX_FILES:
        return Problem(Msg("the config reads more than {limit} files", limit=MAX_FILES), origin,
                       Msg("include fewer, larger files"))  # fmt: skip
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        hint = Msg("check its permissions; included files are relative to the file that includes them")
        return Problem(Msg("cannot read {file}: {reason}", file=label, reason=os_reason(exc)), origin, hint)
    if len(raw) > MAX_FILE_BYTES:
        return _too_big(label, len(raw), origin)
    budget.bytes += len(raw)
    if budget.bytes > MAX_TOTAL_BYTES:
        return Problem(
            Msg("the config and its includes hold more than {size}", size=size_text(MAX_TOTAL_BYTES)),
            origin,
            Msg("split the organization into several configs"),
        )
    nul = raw.find(b"\0")
    if nul >= 0:
        return Problem(
            Msg("{file} is a binary file, not YAML text (a NUL byte at byte {offset})", file=label, offset=nul),
            origin,
            Msg("name a YAML file"),
        )
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        why = _DECODE_REASONS.get(exc.reason) or exc.reason
        wrong = Msg("{file} is not UTF-8 text ({reason} at byte {offset})", file=label, reason=why, offset=exc.start)
        return Problem(wrong, origin, Msg("save it as UTF-8"))


def _too_big(label: str, size: int, origin: Location | None) -> Problem:
    return Problem(
        Msg("{file} is {count} bytes, more than the {size} a config file may hold", file=label, count=size,
            size=size_text(MAX_FILE_BYTES)),
        origin,
        Msg("split it with include:, or check that this is the file you meant"),
    )


Where = Callable[[tuple[str | int, ...]], Location | None]


def include_targets(
    data: dict[str, Any], where_at: Where, path: Path, label: str, problems: list[Problem]
) -> Iterator[tuple[Path, str, Location | None]]:
    """Each file the ``include:`` entries of ``data`` name: (path, label for messages, the entry's location)."""
    entries = data.get("include") or []
    single = isinstance(entries, str)
    if single:
        entries = [entries]
    if not isinstance(entries, list):
        return  # the model reports the wrong type
    base_label = str(Path(label).parent)
    for i, entry in enumerate(entries):
        loc = where_at(("include",) if single else ("include", i))
        if not isinstance(entry, str) or not entry.strip():
            problems.append(Problem(Msg("an include entry must be a file path"), loc,
                                    Msg("write e.g. `include: [people.yaml]`")))  # fmt: skip
            continue
        target = path.parent / entry
        if not glob.has_magic(entry):
            if _yaml_name(entry, target, loc, problems, entry):
                yield target, _join_label(base_label, Path(entry)), loc
            continue
        matches = sorted(glob.glob(str(target)))
        if not matches:
            hint = Msg("check the pattern; included files are relative to the file that includes them")
            problems.append(Problem(Msg("include pattern {pattern} matches no file", pattern=repr(entry)), loc, hint))
        shown = [Path(m) if Path(entry).is_absolute() else Path(os.path.relpath(m, path.parent)) for m in matches]
        wrong = [str(s) for s, m in zip(shown, matches, strict=True) if Path(m).is_dir() or not _is_yaml(m)]
        if wrong:
            listed = ", ".join(wrong[:3])
            if len(wrong) > 3:
                listed = Msg("{files} and {count} more", files=listed, count=len(wrong) - 3)
            problems.append(Problem(
                Msg("include pattern {pattern} matches what is not a YAML file: {files}",
                    pattern=repr(entry), files=listed),
                loc, Msg("make the pattern match .yaml/.yml files only, e.g. 'team/*.yaml'"),
            ))
            continue
        for match, rel in zip(matches, shown, strict=True):
            yield Path(match), _join_label(base_label, rel), loc


def _is_yaml(name: str) -> bool:
    return name.lower().endswith(YAML_SUFFIXES)


def _yaml_name(name: str, target: Path, loc: Location | None, problems: list[Problem], entry: str) -> bool:
    if _is_yaml(name) or target.is_dir() or not target.exists():
        return True  # a directory or a missing file is reported when it is read
    problems.append(Problem(Msg("include {file} is not a YAML file: its name does not end in .yaml or .yml",
                                file=repr(name)), loc, Msg("include only mailplan YAML files")))
    return False


def _join_label(base: str, rel: Path) -> str:
    return str(rel) if rel.is_absolute() or base in ("", ".") else str(Path(base) / rel)
