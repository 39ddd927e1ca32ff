"""Browser journeys: PeerReady in gunicorn on ``localhost``, a school's LMS on ``127.0.0.1``.

Fixtures, all started by the tests themselves and always stopped:

- ``lms``: the school's platform (``e2e_lms.SchoolLMS``), a different site from the tool, so
  PeerReady runs in a genuinely cross-site iframe;
- ``tool``: PeerReady in gunicorn on a fresh database (``e2e_tool``), the LMS registered
  through ``flask platform add``;
- ``browser``: Debian's Chromium (``/usr/bin/chromium``, or ``PEERREADY_E2E_CHROMIUM``)
  driven headless by Playwright; the tests SKIP, saying why, when either is missing;
- ``page`` / ``make_page(**context_options)`` (a fresh profile each; Playwright's defaults
  block third-party cookies), ``traffic`` (the documents a page received), ``launch_as`` and
  ``tool_db`` (a session on PeerReady's database).

A new journey needs only these fixtures and ``e2e_browser.audit`` / ``shot``::

    pytestmark = pytest.mark.e2e

    def test_mentor_sees_x(page, launch_as):
        frame = launch_as(page, "mentor")
        expect(frame.locator("h1")).to_have_text("…")
        audit(page)
        shot(page, "mentor-x")

A failed test leaves ``test-artifacts/screenshots/FAILED-<test>.png`` and the server log is
printed with the failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.e2e.e2e_browser import launched_frame
from tests.e2e.e2e_lms import PEOPLE
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_tool import ToolServer
from tests.e2e.e2e_tool import in_process_app
from tests.e2e.e2e_tool import seeding_requests
from tests.e2e.e2e_tool import database
from tests.e2e.e2e_tool import running_tool
from tests.support.http_server import running

CHROMIUM = os.environ.get("PEERREADY_E2E_CHROMIUM", "/usr/bin/chromium")
# Quiet, offline Chromium: no calls home that this machine's closed network would refuse.
CHROMIUM_ARGS = [
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-gpu",
]
# How long a step may wait for the page (not a speed target): generous, because CI machines
# and busy developer machines run the browser, gunicorn and the tests on two cores.
TIMEOUT_MS = 45_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium under Playwright, or a skip that says what is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright for Python is not installed: pip install -e '.[test]'",
    )
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium; "
                    "bin/ci-services installs it on CI)")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    try:
        playwright = sync_api.sync_playwright().start()
    except Exception as exc:  # the driver bundled in the wheel is missing or broken
        pytest.skip(f"Playwright's driver did not start: {exc}")
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        pytest.skip(f"Chromium at {CHROMIUM} did not start under Playwright: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def lms() -> Iterator[SchoolLMS]:
    with running(SchoolLMS()) as school:
        yield school  # type: ignore[misc]


@pytest.fixture(scope="session")
def tool(
    browser: Any, lms: SchoolLMS, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ToolServer]:
    """PeerReady in gunicorn with the LMS registered (after the browser: a skip is cheap)."""
    tmp = tmp_path_factory.mktemp("e2e-tool")
    with database(tmp) as url, running_tool(tmp, url, lms.registration_args()) as server:
        lms.tool_url = server.url
        lms.start_gradebook()
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture
def make_page(
    browser: Any, tool: ToolServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """``make_page(**context_options)``: a tab in a fresh browser profile (e.g. a phone's viewport).

    Playwright's default context blocks third-party cookies, as Chrome is moving to. On failure
    each tab's screenshot is saved and the server's log is shown.
    """
    contexts: list[Any] = []

    def _make(**options: Any) -> Any:
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield _make
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        from tests.e2e.e2e_browser import shot

        for number, ctx in enumerate(contexts):
            for tab in ctx.pages:
                shot(tab, f"FAILED-{request.node.name}-{number}")
        print("---- PeerReady's log (last 60 lines) ----")
        print("\n".join(tool.log_text().splitlines()[-60:]))
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(make_page: Callable[..., Any]) -> Any:
    """A tab in a fresh desktop-sized browser profile."""
    return make_page()


@pytest.fixture
def traffic(page: Any) -> Any:
    """Every document the page and its frames received, with method and status."""
    from tests.e2e.e2e_browser import Traffic

    return Traffic(page)


@pytest.fixture
def launch_as(lms: SchoolLMS, tool: ToolServer) -> Callable[..., Any]:
    """``launch_as(page, person, kind="resource", expect="/mentor/") -> Frame``.

    Opens the LMS activity page that embeds PeerReady and returns the tool's iframe once it has
    reached ``expect`` (a path in PeerReady). ``person`` is a key of ``e2e_lms.PEOPLE``; ``kind``
    is ``resource``, ``deep-link`` or ``tampered``; ``storage=False`` offers no Platform Storage.
    """

    def _launch(page: Any, person: str, kind: str = "resource", *, expect: str | None = None,
                storage: bool = True, link: str = "training") -> Any:
        url = lms.activity_url(person, kind, storage=storage, link=link)
        return launched_frame(page, lambda: page.goto(url), expect or destination(person, kind))

    return _launch


def destination(person: str, kind: str) -> str:
    """Where a successful launch of ``kind`` by ``person`` ends up in PeerReady."""
    if kind == "deep-link":
        return "/trainer/deep-link"
    return "/mentor/" if PEOPLE[person].role == "Learner" else "/trainer/"


@pytest.fixture(scope="session")
def tool_app(tool: ToolServer) -> Iterator[Any]:
    """PeerReady's app in the test process, on the running tool's database.

    For seeding a learner's earlier training through the services (``tests.support.training``)
    inside ``with tool_app.app_context():``; the pages under test are the gunicorn ones.
    """
    with in_process_app(tool) as app:
        yield app


@pytest.fixture
def seeding(tool_app: Any, tool: ToolServer) -> Callable[[], Any]:
    """``with seeding():`` the services on the running PeerReady's database and URLs."""
    return lambda: seeding_requests(tool_app, tool)


@pytest.fixture(scope="module")
def content(tool_app: Any) -> Iterator[None]:
    """The shipped modules and quizzes as the running PeerReady sees them (no database use)."""
    with tool_app.app_context():
        yield


@pytest.fixture
def tool_db(tool: ToolServer) -> Iterator[Session]:
    """A session on PeerReady's own database, to check what a journey stored."""
    with Session(tool.engine) as session:
        yield session
