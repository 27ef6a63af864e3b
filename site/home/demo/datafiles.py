"""Reading the demo's TOML data files into checked dataclasses.

Errors are :class:`~home.demo.DemoContentError` naming the file and the entry (and the field),
e.g. ``site/home/demo/data/wins.toml, [[win]] 3 ("some-slug"), outcome: 'wins' is not one of
win, positive_movement, pending, update``. Text wrapped over several lines in a TOML
multi-line string (in triple quotes) is read as one line: each line break becomes one space.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, TypeVar

from django.db.models import TextChoices

from home.demo import DemoContentError
from home.demo.blocks import rich

DATA_DIR = Path(__file__).with_name("data")

T = TypeVar("T")
Reader = Callable[[Any, str], Any]


# --------------------------------------------------------------------------- field readers


def text(value: Any, where: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise DemoContentError(f"{where}: expected text in quotes, not {value!r}")
    return value


def rich_text(value: Any, where: str) -> str:
    """Plain text as a one-paragraph rich-text value."""
    return rich(text(value, where))


def date(value: Any, where: str) -> datetime.date:
    """A TOML date, written ``2024-03-28`` without quotes."""
    if type(value) is not datetime.date:
        raise DemoContentError(f"{where}: expected a date as YYYY-MM-DD (no quotes), not {value!r}")
    return value


def count(value: Any, where: str) -> int:
    """A whole number."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DemoContentError(f"{where}: expected a whole number, not {value!r}")
    return value


def flag(value: Any, where: str) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise DemoContentError(f"{where}: expected true or false, not {value!r}")
    return value


def texts(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings."""
    if not isinstance(value, list):
        raise DemoContentError(f"{where}: expected a list of text, not {value!r}")
    return tuple(text(item, f"{where} item {n}") for n, item in enumerate(value, 1))


def text_table(value: Any, where: str) -> dict[str, str]:
    """A table of text by name, e.g. ``"Arms embargo" = "Embargo sur les armes"``."""
    if not isinstance(value, dict):
        raise DemoContentError(f"{where}: expected a table of names, not {value!r}")
    return {name: text(item, f"{where}, {name}") for name, item in value.items()}


def choice(choices: type[TextChoices]) -> Reader:
    """A reader for one of the values of ``choices``, written as its string value."""

    def read_choice(value: Any, where: str) -> Any:
        """The member of ``choices`` whose value is ``value``."""
        if not isinstance(value, str) or value not in choices.values:
            raise DemoContentError(f"{where}: {value!r} is not one of {', '.join(choices.values)}")
        return choices(value)

    return read_choice


# --------------------------------------------------------------------------- files and entries

LINE_BREAK = re.compile(r"[ \t]*(?:\r?\n[ \t]*)+")


def shown(name: str) -> str:
    """A data file's path as errors show it: relative to the working directory if inside it."""
    path = DATA_DIR / name
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def fold(value: Any) -> Any:
    """Text wrapped over several lines as one line: each line break becomes one space."""
    if isinstance(value, str):
        return LINE_BREAK.sub(" ", value).strip() if "\n" in value else value
    if isinstance(value, list):
        return [fold(item) for item in value]
    if isinstance(value, dict):
        return {key: fold(item) for key, item in value.items()}
    return value


def read(name: str, allowed: set[str] | None = None) -> dict[str, Any]:
    """The data file ``name``, parsed and folded; ``allowed`` lists its top-level keys."""
    try:
        with (DATA_DIR / name).open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise DemoContentError(f"{shown(name)}: {error}") from error
    unknown = sorted(set(data) - allowed) if allowed is not None else []
    if unknown:
        raise DemoContentError(
            f"{shown(name)}: unknown {', '.join(unknown)} (expected {', '.join(sorted(allowed))})"
        )
    return fold(data)


def as_table(value: Any, where: str) -> dict[str, Any]:
    """A TOML table."""
    if not isinstance(value, dict):
        raise DemoContentError(f"{where}: expected a table of fields, not {value!r}")
    return value


def build(cls: type[T], table: Any, where: str, readers: Mapping[str, Reader], **given: Any) -> T:
    """The dataclass ``cls`` from one table of a data file, every field read and checked.

    ``readers`` reads each field by name (a field not in it is text); ``given`` are
    further arguments for ``cls``, not read from the table.
    """
    table = as_table(table, where)
    names = [f.name for f in fields(cls) if f.name not in given]
    required = [
        f.name
        for f in fields(cls)
        if f.default is MISSING and f.default_factory is MISSING and f.name not in given
    ]
    problems = []
    missing = [name for name in required if name not in table]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    unknown = [key for key in table if key not in names]
    if unknown:
        problems.append(f"unknown {', '.join(unknown)} (expected {', '.join(names)})")
    if problems:
        raise DemoContentError(f"{where}: {'; '.join(problems)}")
    values = {key: readers.get(key, text)(value, f"{where}, {key}") for key, value in table.items()}
    return cls(**values, **given)


def entry(name: str, key: str, number: int, label: str) -> str:
    """How errors name an entry: the file, the table and its number, and its slug or name."""
    return f"{shown(name)}, [[{key}]] {number}" + (f' ("{label}")' if label else "")


def entries(cls: type[T], name: str, key: str, readers: Mapping[str, Reader]) -> tuple[T, ...]:
    """Every ``[[key]]`` table of the file ``name``, as ``cls`` (see :func:`build`)."""
    tables = read(name, {key}).get(key, [])
    if not isinstance(tables, list):
        raise DemoContentError(f"{shown(name)}: {key} must be written as [[{key}]] tables")
    built = []
    for number, table in enumerate(tables, 1):
        label = (table.get("slug") or table.get("name")) if isinstance(table, dict) else ""
        built.append(build(cls, table, entry(name, key, number, str(label or "")), readers))
    return tuple(built)
