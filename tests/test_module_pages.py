"""The mentor's programme home, the module page and the media it serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ResourceLink
from lti_tool.services import programmes
from tests.support.platform import TestPlatform
from tests.test_video_tracking import LISTENING
from tests.test_video_tracking import launch_token
from tests.test_video_tracking import post
from tests.test_video_tracking import report

VIDEO = Path(__file__).resolve().parent.parent / "modules/content" / LISTENING / "video.mp4"


@pytest.fixture
def token(client: FlaskClient, platform: TestPlatform) -> str:
    return launch_token(client, platform)


def test_programme_home_lists_modules_in_order_with_progress_and_next_step(
    client: FlaskClient, token: str
) -> None:
    post(client, token, "secondary-what-a-peer-mentor-does", report([[0, 200]]))
    post(client, token, LISTENING, report([[0, 43.2]]))
    page = client.get(f"/mentor/?s={token}").get_data(as_text=True)
    assert "Becoming a peer mentor" in page
    titles = re.findall(r'<h3><a href="/mentor/modules/([a-z-]+)\?s=', page)
    assert titles == list(programmes.programme("becoming-a-peer-mentor-secondary").modules)
    assert "You have completed <strong>1 of 6</strong> videos" in page
    assert "✓ </span>Complete" in page  # a tick and the word, not colour alone
    assert "50% watched" in page
    next_step = page.split("Your next step:", 1)[1].split("</p>", 1)[0]
    assert "Listening well" in next_step and "carry on where you left off" in next_step
    assert "1 min 26 s" in page  # the length of "Listening well"


def test_primary_audience_link_shows_the_primary_programme(client: FlaskClient, platform: TestPlatform) -> None:
    token = launch_token(client, platform, custom={"audience": "primary"})
    page = client.get(f"/mentor/?s={token}").get_data(as_text=True)
    assert "Becoming a peer supporter" in page


def test_module_page_has_default_captions_transcript_and_player_data(client: FlaskClient, token: str) -> None:
    page = client.get(f"/mentor/modules/{LISTENING}?s={token}").get_data(as_text=True)
    track = re.search(r"<track [^>]*>", page, re.S).group(0)  # type: ignore[union-attr]
    assert 'kind="captions"' in track and "default" in track and 'srclang="en"' in track
    assert f"/mentor/modules/{LISTENING}/media/captions.en.vtt?s=" in track
    assert page.count('class="cue"') == len(programmes.transcript_cues(LISTENING))
    assert 'data-start="0.0"' in page and "When someone is worried" in page
    assert "Which of these is an open question?" in page  # the checkpoint, answerable without JS
    assert 'src="/static/player.js"' in page and "<script>" not in page
    assert "youtube" not in page.split("<body", 1)[1].lower()


def test_link_selecting_a_module_opens_it_at_launch(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.launch(client, custom={"peerready_target": f"module:{LISTENING}"})
    assert response.headers["Location"].startswith("/mentor/start?s=")
    opened = client.get(response.headers["Location"])
    assert opened.status_code == 303
    assert opened.headers["Location"].startswith(f"/mentor/modules/{LISTENING}?s=")
    link = db.session.scalars(select(ResourceLink)).one()
    assert link.custom["peerready_target"] == f"module:{LISTENING}"


def test_link_selecting_a_programme_shows_that_programme(client: FlaskClient, platform: TestPlatform) -> None:
    token = launch_token(client, platform, custom={"peerready_target": "programme:peer-support-in-your-school"})
    home = client.get(f"/mentor/?s={token}").get_data(as_text=True)
    assert "Peer support in your school" in home or "peer-support-in-your-school" in home


def test_video_supports_range_requests(client: FlaskClient, token: str) -> None:
    url = f"/mentor/modules/{LISTENING}/media/video.mp4?s={token}"
    with client.get(url) as whole:
        assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
        assert whole.mimetype == "video/mp4"
    with client.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 100-199/{VIDEO.stat().st_size}"
        assert part.data == VIDEO.read_bytes()[100:200]
        assert "private" in part.headers["Cache-Control"]


def test_captions_are_served_as_webvtt(client: FlaskClient, token: str) -> None:
    with client.get(f"/mentor/modules/{LISTENING}/media/captions.en.vtt?s={token}") as response:
        assert response.status_code == 200 and response.mimetype == "text/vtt"
        assert response.data.startswith(b"WEBVTT")


@pytest.mark.parametrize(
    "name",
    ["module.yaml", "..%2Fsecondary-boundaries%2Fvideo.mp4", "%2E%2E%2F%2E%2E%2Fpyproject.toml",
     "../../../pyproject.toml", "video.mp4%00.vtt", "VIDEO.MP4"],
)
def test_media_urls_serve_only_the_files_a_module_declares(client: FlaskClient, token: str, name: str) -> None:
    response = client.get(f"/mentor/modules/{LISTENING}/media/{name}?s={token}")
    assert response.status_code == 404
    assert b"WEBVTT" not in response.data and b"[project]" not in response.data


def test_media_need_a_session(client: FlaskClient, app: Flask) -> None:
    assert app.test_client().get(f"/mentor/modules/{LISTENING}/media/video.mp4").status_code == 401


def test_unknown_module_page_says_so(client: FlaskClient, token: str) -> None:
    response = client.get(f"/mentor/modules/not-a-module?s={token}")
    assert response.status_code == 404
    assert b"find that training video" in response.data


def test_checkpoint_answer_works_without_javascript(client: FlaskClient, token: str) -> None:
    page = client.get(f"/mentor/modules/{LISTENING}?s={token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(f"/mentor/modules/{LISTENING}/checkpoints/open-question?s={token}",
                           data={"csrf_token": csrf, "choice": "how"})
    assert response.status_code == 303
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "It invites your mentee to tell you more" in again


def test_checkpoint_form_without_csrf_token_is_refused(client: FlaskClient, token: str) -> None:
    response = client.post(f"/mentor/modules/{LISTENING}/checkpoints/open-question?s={token}",
                           data={"choice": "how"})
    assert response.status_code == 400


def school_module(folder: Path, module_id: str, video: str) -> None:
    source = Path(programmes.cat.CONTENT_DIR) / LISTENING
    target = folder / module_id
    target.mkdir(parents=True)
    for name in ("captions.en.vtt", "transcript.en.md"):
        (target / name).write_bytes((source / name).read_bytes())
    text = (source / "module.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {LISTENING}", f"id: {module_id}").replace("video: {file: video.mp4, type: video/mp4}", video)
    (target / "module.yaml").write_text(text, encoding="utf-8")


def test_school_modules_folder_adds_a_youtube_module_with_csp_for_that_page_only(
    make_app: object, platform: TestPlatform, tmp_path: Path, client: FlaskClient
) -> None:
    school = tmp_path / "school"
    school_module(school, "our-listening-video", "video: {youtube: dQw4w9WgXcQ}")
    (school / "broken").mkdir()
    (school / "broken" / "module.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    client.application.config["MODULES_DIR"] = str(school)
    try:
        token = launch_token(client, platform)
        page = client.get(f"/mentor/modules/our-listening-video?s={token}")
        assert page.status_code == 200
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self' https://www.youtube.com" in csp and "frame-src 'self'" in csp
        assert b"player-embeds.js" in page.data and b'data-ref="dQw4w9WgXcQ"' in page.data
        assert any("broken/module.yaml" in problem for problem in programmes.library().problems)
        shipped = client.get(f"/mentor/modules/{LISTENING}?s={token}")
        assert "youtube" not in shipped.headers["Content-Security-Policy"]
        assert client.get(f"/mentor/modules/our-listening-video/media/video.mp4?s={token}").status_code == 404
    finally:
        programmes.clear_cache()
