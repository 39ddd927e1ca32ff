"""Steps the mentor journeys share: play a module's video, take a quiz, look and check, seed
earlier training.

Each step drives the real page the way a pupil does (clicks, or keys with ``keyboard=True``);
answers come from the shipped content, so the steps follow the content when it changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from playwright.sync_api import Frame
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import ResourceLink
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.services import certification
from lti_tool.services import programmes
from modules.model import Module
from quizzes import engine
from quizzes.model import Quiz
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_lms import sub_for
from tests.support.training import complete_module
from tests.support.training import pass_quiz
from tests.support.training import right_answer

# Chromium plays up to 16x; the harness uses it to play a whole video in a few seconds.
FAST_PLAYBACK = 16
VIDEO_TIMEOUT_S = 90


def look(page: Page, name: str) -> None:
    """Save a screenshot of what the pupil sees, then audit it (axe-core and page structure)."""
    shot(page, name)
    audit(page, name=name)


def user_id(tool_db: Session, person: str) -> int:
    tool_db.expire_all()
    return tool_db.scalars(select(User.id).where(User.sub == sub_for(person))).one()


def verbs(tool_db: Session, ref: str) -> list[str]:
    """The xAPI verbs (last path part) PeerReady stored under ``ref``, oldest first."""
    tool_db.expire_all()
    rows = tool_db.scalars(
        select(StoredStatement).where(StoredStatement.ref.like(ref)).order_by(
            StoredStatement.timestamp
        )
    )
    return [row.verb.rsplit("/", 1)[-1] for row in rows]


def wait_until(check: Callable[[], Any], what: str, timeout_s: float = 30) -> Any:
    """Poll ``check`` until it returns something truthy (e.g. the outbox reaching the LMS)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout_s}s for {what}")


# --- the video player ------------------------------------------------------------------------


def captions_showing(frame: Frame) -> list[tuple[str, str, str]]:
    """``(kind, language, mode)`` of each text track of the player's <video>."""
    tracks = frame.evaluate(
        "() => Array.from(document.getElementById('video').textTracks)"
        ".map(t => [t.kind, t.language, t.mode])"
    )
    return [tuple(track) for track in tracks]


def open_module(page: Page, frame: Frame, module_id: str, shots: str) -> Module:
    """From the mentor home, follow the module's link; check its player; return the module."""
    module = programmes.module(module_id)
    frame.locator("main").get_by_role("link", name=module.title).first.click()
    return player_ready(page, frame, module_id, shots)


def player_ready(page: Page, frame: Frame, module_id: str, shots: str) -> Module:
    """The module's player page, its video loaded and its captions on; return the module."""
    module = programmes.module(module_id)
    expect(frame.locator("h1")).to_have_text(module.title)
    frame.wait_for_function("() => document.getElementById('video').readyState >= 1")
    assert ("captions", "en", "showing") in captions_showing(frame), "captions are not on"
    look(page, f"{shots}-module-player")
    return module


def play_video(page: Page, frame: Frame, module: Module, *, keyboard: bool = False,
               shots: str = "") -> list[str]:
    """Play the module's video to the end, answering each checkpoint as it comes up.

    The video really plays in Chromium (muted, at FAST_PLAYBACK so a minute lasts seconds);
    playback starts with the player's own K shortcut when ``keyboard`` is set. Each checkpoint
    is answered wrongly first where it is a question (the player must say why), then rightly.
    Returns the feedback the player showed, in order.
    """
    frame.wait_for_function("() => window.peerreadyPlayer && "
                            "document.getElementById('video').readyState >= 1")
    frame.evaluate(f"() => {{ const v = document.getElementById('video'); v.muted = true;"
                   f" v.playbackRate = {FAST_PLAYBACK}; }}")
    if keyboard:
        tab_to(page, frame, "() => document.activeElement.tagName === 'VIDEO'", "the video")
        page.keyboard.press("k")  # the player's shortcut: play
    else:
        frame.evaluate("() => document.getElementById('video').play()")
    feedback: list[str] = []
    pending = {point.id: point for point in module.checkpoints}
    deadline = time.monotonic() + VIDEO_TIMEOUT_S
    status = frame.locator("#player-status")
    while time.monotonic() < deadline:
        if frame.locator("dialog.checkpoint-dialog[open]").count():
            checkpoint_id = frame.locator("dialog[open] .checkpoint").get_attribute(
                "data-checkpoint"
            )
            assert checkpoint_id in pending, f"checkpoint {checkpoint_id} shown twice"
            feedback += answer_checkpoint(page, frame, pending.pop(checkpoint_id or ""),
                                          keyboard=keyboard, shots=shots)
            continue
        if "Complete" in (status.text_content() or "") and frame.evaluate(
            "() => document.getElementById('video').ended"
        ):
            break
        page.wait_for_timeout(150)
    else:
        raise AssertionError(f"the video did not finish: status {status.text_content()!r}")
    assert not pending, f"checkpoints never shown: {sorted(pending)}"
    return feedback


def answer_checkpoint(page: Page, frame: Frame, point: Any, *, keyboard: bool,
                      shots: str) -> list[str]:
    """Answer the open checkpoint dialog (a wrong answer first, for questions); carry on."""
    dialog = frame.locator("dialog[open]")
    expect(dialog.locator("h3")).to_be_focused()
    if shots:  # a modal dialog: the page behind it is inert, so no skip-link audit here
        shot(page, f"{shots}-checkpoint-{point.id}")
    shown: list[str] = []
    result = dialog.locator(".checkpoint-feedback")
    if point.kind == "question" and keyboard:  # Tab into the choices, arrows to the right one
        right = next(c for c in point.choices if c.correct)
        page.keyboard.press("Tab")
        target = dialog.locator(f"#c-{point.id}-{right.id}")
        for _ in point.choices:
            if target.is_checked():
                break
            page.keyboard.press("ArrowDown")
        expect(target).to_be_checked()
        page.keyboard.press("Tab")
        expect(dialog.get_by_role("button", name="Check my answer")).to_be_focused()
        page.keyboard.press("Enter")
        expect(result).to_contain_text("Right.")
        shown.append(result.text_content() or "")
    elif point.kind == "question":
        wrong = next(c for c in point.choices if not c.correct)
        right = next(c for c in point.choices if c.correct)
        for choice, verdict in ((wrong, "Not quite."), (right, "Right.")):
            dialog.locator(f"#c-{point.id}-{choice.id}").check()
            dialog.get_by_role("button", name="Check my answer").click()
            expect(result).to_contain_text(verdict)
            shown.append(result.text_content() or "")
    else:
        button = dialog.get_by_role("button", name="I've thought about it")
        if keyboard:
            page.keyboard.press("Tab")
            expect(button).to_be_focused()
            page.keyboard.press("Enter")
        else:
            button.click()
        expect(result).not_to_be_empty()
        shown.append(result.text_content() or "")
    carry_on = dialog.get_by_role("button", name="Carry on watching")
    expect(carry_on).to_be_focused()
    if keyboard:
        page.keyboard.press("Enter")
    else:
        carry_on.click()
    expect(frame.locator("dialog[open]")).to_have_count(0)
    return shown


def tab_to(page: Page, frame: Frame, check: str, what: str, limit: int = 60) -> None:
    """Press Tab until ``check`` (JS, run in the frame) is true for the focused element."""
    root = frame.locator(":root")  # a locator waits out a navigation; Frame.evaluate may not
    for _ in range(limit):
        if root.evaluate(f"() => document.hasFocus() && ({check})()", timeout=10_000):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {what}")


def tab_to_named(page: Page, frame: Frame, name: str) -> None:
    """Tab to the link or button whose text is ``name``."""
    check = f"() => (document.activeElement.textContent || '').trim() === {json.dumps(name)}"
    tab_to(page, frame, check, repr(name))


def press(page: Page, control: Any, keyboard: bool, frame: Frame | None = None) -> None:
    """Activate a link or button: Tab to it and press Enter, or click it."""
    if keyboard:
        assert frame is not None
        tab_to_named(page, frame, (control.text_content() or "").strip())
        page.keyboard.press("Enter")
    else:
        control.click()


# --- scenario quizzes --------------------------------------------------------------------------

Chooser = Callable[[Quiz, engine.Step, int], Any]


def right_choice(quiz: Quiz, step: engine.Step, _: int) -> Any:
    return right_answer(quiz, step)


def wrong_at_first_critical_scene(quiz: Quiz, step: engine.Step, number: int) -> Any:
    """A risky choice at the quiz's first scene (a critical one), right answers after it."""
    if number == 1 and step.kind == "scene":
        scenario = next(s for s in quiz.scenarios if s.id == step.activity)
        scene = next(s for s in scenario.scenes if s.id == step.scene)
        assert scene.critical, "the journey expects the first scene to be a safety decision"
        return next(c.id for c in scene.choices if c.correct is False)
    return right_answer(quiz, step)


def start_quiz(frame: Frame, quiz_id: str, button: str) -> None:
    """Press the quiz card's Start / Try again button on the quiz list."""
    card = frame.locator("li.card").filter(has=frame.locator(f"#quiz-{quiz_id}"))
    card.get_by_role("button", name=button).click()
    expect(frame.locator("input[name=step_key]")).to_have_count(1)


def take_quiz(page: Page, frame: Frame, quiz: Quiz, choose: Chooser, *,
              keyboard: bool = False, shots: str = "") -> list[str]:
    """Answer each step as ``choose`` says, through the pages, until the result page.

    Reads the step the page shows from its form (``step_key``: answers so far, activity and
    scene), so the answers follow the branch the pupil is really on. Returns each feedback
    page's heading.
    """
    headings: list[str] = []
    number = 0
    while True:
        expect(frame.locator("h1")).not_to_have_text("Opening PeerReady…")
        key_field = frame.locator("input[name=step_key]")
        if not key_field.count():
            break
        number += 1
        step = step_of(quiz, key_field.get_attribute("value") or "")
        if shots and number == 1:
            look(page, f"{shots}-question")
        answer_step(page, frame, step, choose(quiz, step, number), keyboard)
        expect(frame.locator(".quiz-feedback")).to_be_visible()
        headings.append(frame.locator("h1").text_content() or "")
        if shots and number == 1:
            look(page, f"{shots}-feedback")
        onward = frame.get_by_role("link", name="Carry on").or_(
            frame.get_by_role("link", name="See your result")
        )
        finished = onward.text_content() == "See your result"
        press(page, onward, keyboard, frame)
        if finished:
            break
        frame.wait_for_load_state()
    expect(frame.locator(".quiz-result")).to_be_visible()
    return headings


def step_of(quiz: Quiz, step_key: str) -> engine.Step:
    """The engine's view of a step from its key (``answers/activity[/scene]``)."""
    _, activity, *scene = step_key.split("/")
    kind = "scene" if scene else next(q.kind for q in quiz.questions if q.id == activity)
    return engine.Step(key=step_key, kind=kind, activity=activity,
                       scene=scene[0] if scene else None,
                       title="", text="", options=(), number=0, total=0)


def answer_step(page: Page, frame: Frame, step: engine.Step, answer: Any, keyboard: bool) -> None:
    """Fill in one step's form with ``answer`` and submit it."""
    form = frame.locator("form.quiz-form")
    if keyboard:  # Tab into the form's first control: focus must reach the choices in order
        tab_to(page, frame, "() => document.activeElement.form && "
               "document.activeElement.form.classList.contains('quiz-form')", "the answers")
    if step.kind == "ordering":
        positions = {option_id: n for n, option_id in enumerate(answer, start=1)}
        for select in form.locator("select").all():  # in page order, as Tab reaches them
            position = str(positions[(select.get_attribute("id") or "").removeprefix("p-")])
            if keyboard:  # typing a number picks it in a focused <select>
                expect(select).to_be_focused()
                page.keyboard.press(position)
                page.keyboard.press("Tab")
            else:
                select.select_option(position)
            expect(select).to_have_value(position)
    elif step.kind == "multiple-response":
        for box in form.locator("input[name=answer]").all():
            want = box.get_attribute("value") in answer
            if keyboard:
                expect(box).to_be_focused()
                if box.is_checked() != want:
                    page.keyboard.press("Space")
                page.keyboard.press("Tab")
            else:
                box.set_checked(want)
    elif keyboard:  # a radio group: arrows move the choice
        target = form.locator(f"#o-{answer}")
        for _ in range(form.locator("input[name=answer]").count() + 1):
            if target.is_checked():
                break
            page.keyboard.press("ArrowDown")
        expect(target).to_be_checked()
    else:
        form.locator(f"#o-{answer}").check()
    submit = form.get_by_role("button", name="Check my answer")
    if keyboard:
        tab_to_named(page, frame, "Check my answer")
        page.keyboard.press("Enter")
    else:
        submit.click()


# --- earlier training, through the services ----------------------------------------------------


def seed_all_but_the_last_quiz(
    learner: User, trainer: User, link_id: int, programme_id: str, last_quiz: str
) -> None:
    """Every module, every other quiz, practice and ``trainer``'s sign-off, on ``link_id``.

    Through the services (``tests.support.training``), inside a request context on the running
    PeerReady's database (the ``seeding`` fixtures); the learner is not certified yet.
    """
    from lti_tool.extensions import db

    link = db.session.get(ResourceLink, link_id)
    assert link is not None
    context = link.context
    programme = programmes.programme(programme_id)
    for module_id in programme.required_modules:
        complete_module(learner, context, module_id, link_id)
    for quiz_id in programme.required_quizzes:
        if quiz_id != last_quiz:
            pass_quiz(learner, context, quiz_id, link_id)
    now = datetime.now(UTC)
    certification.record_practice(db.session, trainer, learner, context, programme_id,
                                  now.date(), now.date(), "Lunchtime drop-in with a Year 7 mentee",
                                  now)
    certification.sign_off(db.session, trainer, learner, context, programme_id, now)
    assert db.session.scalars(select(Certification).filter_by(user_id=learner.id)).first() is None
