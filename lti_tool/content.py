"""One loader for every content file (quizzes, modules, programmes): YAML, a JSON Schema, a parser.

Errors name the file, the place inside it and what is wrong, for example
``quizzes/content/promise-not-to-tell.yaml: steps.ask.choices[1].next: 'lisen' is not a step``.
This module has no Flask in it, so the pure cores and their tests can use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any
from typing import TypeVar

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

T = TypeVar("T")


class ContentError(Exception):
    """A content file that cannot be used; ``str()`` is the message for authors."""

    def __init__(self, file: Path | str, location: str, message: str) -> None:
        self.file = str(file)
        self.location = location
        self.message = message
        super().__init__(
            f"{self.file}: {location}: {message}" if location else f"{file}: {message}"
        )


@cache
def _validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (PyYAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning syntax errors into a ContentError with the line number."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ContentError(path, where, f"not valid YAML: {exc.problem}") from exc
    except yaml.reader.ReaderError as exc:  # a control character: no line mark, a position
        where = f"character {exc.position + 1}"
        raise ContentError(path, where, f"not valid YAML: {exc.reason}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, "", f"cannot be read: {exc}") from exc


def location_of(parts: Iterable[Any]) -> str:
    """Render a JSON path like ``steps.ask.choices[1].next``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(data: Any, schema_path: Path, file: Path | str) -> None:
    """Check ``data`` against the JSON Schema; raise ContentError for the first problem."""
    errors = sorted(_validator(schema_path).iter_errors(data), key=_error_order)
    if errors:
        error = errors[0]
        raise ContentError(file, location_of(error.absolute_path), _describe(error))


def load(path: Path, schema_path: Path, parse: Callable[[Any], T]) -> T:
    """Read ``path``, validate it against ``schema_path`` and build it with ``parse``.

    ``parse`` checks what a schema cannot (references, reachability); it signals a problem by
    raising an exception with ``location`` and ``message`` attributes, which becomes ContentError.
    """
    data = read_yaml(path)
    validate(data, schema_path, path)
    try:
        return parse(data)
    except ContentError:
        raise
    except Exception as exc:
        if hasattr(exc, "location") and hasattr(exc, "message"):
            raise ContentError(path, exc.location, exc.message) from exc
        raise


def load_each(
    paths: Iterable[Path],
    schema_path: Path,
    parser_for: Callable[[Path], Callable[[Any], T]],
    id_of: Callable[[T], str] | None = None,
) -> tuple[list[T], list[str]]:
    """Load every file in ``paths``; a file that fails is left out and its problem kept.

    One broken content file must not take the rest down: the problems (one message per file,
    naming it, in file order) go to the trainer and admin pages and to ``flask content check``.
    With ``id_of``, a file whose id an earlier file already uses is a problem too.
    """
    loaded: list[T] = []
    problems: list[str] = []
    seen: set[str] = set()
    for path in paths:
        try:
            item = load(path, schema_path, parser_for(path))
        except ContentError as exc:
            problems.append(str(exc))
            continue
        if id_of is not None:
            if id_of(item) in seen:
                problems.append(f"{path}: id {id_of(item)!r} is already used by another file")
                continue
            seen.add(id_of(item))
        loaded.append(item)
    return loaded, problems


def _error_order(error: ValidationError) -> tuple[int, str]:
    return (len(error.absolute_path), str(list(error.absolute_path)))


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}"
    if error.validator == "required":
        return f"missing field: {error.message.split(' is a required')[0]}"
    return error.message
