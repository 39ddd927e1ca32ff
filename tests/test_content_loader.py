"""The shared content loader: YAML errors and schema errors name the file and the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lti_tool.content import ContentError
from lti_tool.content import load

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "steps": {"type": "object"},
    },
}


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    path = tmp_path / "thing.schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thing.yaml"
    path.write_text(text)
    return path


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path, schema: Path) -> None:
    path = write(tmp_path, "id: one\nsteps:\n  ask: 1\n  ask: 2\n")
    with pytest.raises(ContentError, match=r"thing.yaml: line 4, column 3: .*'ask' is given twice"):
        load(path, schema, dict)


def test_broken_yaml_names_the_line(tmp_path: Path, schema: Path) -> None:
    with pytest.raises(ContentError, match=r"thing.yaml: line 3, column 1: not valid YAML"):
        load(write(tmp_path, "id: one\nsteps: [\n"), schema, dict)


def test_unknown_field_is_named(tmp_path: Path, schema: Path) -> None:
    with pytest.raises(ContentError, match="unknown field: 'colour'"):
        load(write(tmp_path, "id: one\ncolour: red\n"), schema, dict)


def test_bad_id_is_named_with_its_path(tmp_path: Path, schema: Path) -> None:
    with pytest.raises(ContentError, match=r"thing.yaml: id: 'Bad Id' does not match"):
        load(write(tmp_path, "id: Bad Id\n"), schema, dict)
