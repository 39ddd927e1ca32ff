"""The accessibility audit itself: it must catch what it promises to, inside a cross-site frame.

The pages here are served by Playwright's request routing (no server), on two sites like the
LMS and PeerReady, so these tests show ``audit`` would fail a journey for each kind of problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import videos_without_captions

pytestmark = pytest.mark.e2e

TOP = "http://127.0.0.1:9/course"
FRAME = "http://localhost:9/tool"
GOOD_TOP = f"""<!doctype html><html lang="en"><head><title>Course</title></head><body>
<a href="#main">Skip to main content</a><main id="main" tabindex="-1"><h1>Course</h1>
<iframe title="Tool" src="{FRAME}"></iframe></main></body></html>"""
GOOD_FRAME = """<!doctype html><html lang="en"><head><title>Tool</title></head><body>
<a href="#main">Skip to main content</a><main id="main" tabindex="-1"><h1>Tool</h1>
<label for="n">Name</label><input id="n">
<video src="v.mp4" controls><track kind="captions" src="v.vtt" srclang="en" label="English"></video>
</main></body></html>"""
BAD_FRAME = """<!doctype html><html lang="en"><head><title>Tool</title></head><body>
<a href="/elsewhere">Home</a><main id="main"><h2>No h1 here</h2>
<img src="chart.png"><input type="text" name="q">
<video src="v.mp4" controls></video></main></body></html>"""


@pytest.fixture
def serve(browser: Any) -> Iterator[Any]:
    """``serve(frame_html) -> Page`` showing GOOD_TOP with ``frame_html`` in its iframe."""
    context = browser.new_context()

    def _serve(frame_html: str) -> Any:
        page = context.new_page()
        page.route(TOP, lambda route: route.fulfill(body=GOOD_TOP, content_type="text/html"))
        page.route(FRAME, lambda route: route.fulfill(body=frame_html, content_type="text/html"))
        page.route("**/*.{png,mp4,vtt}", lambda route: route.fulfill(status=404))
        page.goto(TOP)
        page.frame_locator("iframe").locator("h1, h2").first.wait_for()
        return page

    yield _serve
    context.close()


def test_audit_passes_a_good_page_with_a_cross_site_frame(serve: Any) -> None:
    page = serve(GOOD_FRAME)
    assert audit(page) is not None


def test_audit_fails_on_each_problem_inside_the_cross_site_frame(serve: Any) -> None:
    page = serve(BAD_FRAME)
    with pytest.raises(AssertionError) as failure:
        audit(page, name="the bad page")
    report = str(failure.value)
    assert "Accessibility problems on the bad page" in report
    assert "image-alt (critical): iframe img" in report  # axe ran inside the frame
    assert "https://dequeuniversity.com/rules/axe/" in report  # with the rule's help URL
    assert f"{FRAME}: 0 h1 elements" in report
    assert f"{FRAME}: no skip link as the first focusable element" in report
    assert f'{FRAME}: form control without a label: <input type="text" name="q">' in report
    assert f"{FRAME}: video without captions" in report


def test_video_caption_check_wants_a_captions_track_with_source_and_language(serve: Any) -> None:
    page = serve(GOOD_FRAME.replace('kind="captions"', 'kind="descriptions"'))
    frame = page.frames[1]
    assert len(videos_without_captions(frame)) == 1
    assert videos_without_captions(serve(GOOD_FRAME).frames[1]) == []
