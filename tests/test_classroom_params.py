"""The add-on query parameters are checked before anything else happens; the CLI prints the URIs."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from lti_tool.classroom.errors import InvalidAddOnParams
from lti_tool.classroom.params import parse

GOOD = {"courseId": "123", "itemId": "456", "itemType": "courseWork"}


def test_valid_parameters_parse_and_postid_stands_in_for_itemid() -> None:
    params = parse({"courseId": "123", "postId": "456", "itemType": "announcement", "login_hint": "99"})
    assert (params.item_id, params.collection, params.login_hint) == ("456", "announcements", "99")
    assert not params.takes_grades


@pytest.mark.parametrize(("args", "needs"), [
    ({**GOOD, "itemType": "quiz"}, ()),
    ({**GOOD, "courseId": "../etc"}, ()),
    ({**GOOD, "login_hint": "a b"}, ()),
    ({**GOOD, "addOnToken": "has space"}, ()),
    (GOOD, ("addOnToken",)),
    (GOOD, ("attachmentId",)),
])
def test_malformed_or_missing_parameters_are_refused(args: dict[str, str], needs: tuple[str, ...]) -> None:
    with pytest.raises(InvalidAddOnParams):
        parse(args, needs=needs)


def test_iframe_without_classroom_parameters_shows_a_page_saying_what_to_do(client: FlaskClient) -> None:
    page = client.get("/classroom/student", query_string={"courseId": "1"})
    assert page.status_code == 400
    assert b"open it again from the assignment in Google Classroom" in page.data


def test_cli_prints_the_add_on_uris_and_scopes(runner: Any) -> None:
    result = runner.invoke(args=["classroom", "urls"])
    assert result.exit_code == 0
    assert "/classroom/discovery" in result.output and "/classroom/oauth/callback" in result.output
    assert "classroom.addons.teacher" in result.output and "s=" not in result.output
