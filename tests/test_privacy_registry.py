"""The data map covers every table that holds people's data, including tables added later."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table

from lti_tool.extensions import db
from lti_tool.services.privacy import registry


def test_every_table_is_in_the_registry_with_reasons_for_peoples_fields(app: Flask) -> None:
    assert registry.unregistered(db.metadata) == []


def test_a_new_table_keyed_to_users_fails_until_it_is_described(app: Flask) -> None:
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("peer_session_note", metadata, Column("id", Integer, primary_key=True),
          Column("user_id", ForeignKey("user.id", ondelete="CASCADE")), Column("comment", String(200)))

    assert registry.unregistered(metadata) == ["peer_session_note: not in the privacy registry"]


def test_a_new_column_on_a_peoples_table_needs_a_reason(app: Flask) -> None:
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["user"].append_column(Column("email", String(255)))

    assert registry.unregistered(metadata) == ["user.email: no reason given in the privacy registry"]


def test_tables_reached_only_through_courses_or_schools_are_found_too(app: Flask) -> None:
    reached = registry.reaches(db.metadata)
    assert reached["quiz_answer"] == {"user", "context", "platform"}
    assert reached["resource_link"] == {"context", "platform"}
    assert reached["tool_key"] == set()
