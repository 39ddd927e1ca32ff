"""WebVTT captions: the strict reader, the writer and cutting narration into cues."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.captions import MAX_LINE_CHARS
from modules.captions import MAX_LINES
from modules.captions import Cue
from modules.captions import format_vtt
from modules.captions import parse_vtt
from modules.captions import split_narration
from modules.errors import InvalidCaptions

GOOD = """WEBVTT

NOTE written by bin/make-videos

1
00:00:00.000 --> 00:00:02.500
Hello, and welcome.

00:02.500 --> 00:00:05.000 line:90%
A cue without an identifier,
on <i>two</i> lines &amp; markup.
"""


def test_a_valid_file_gives_timed_cues_for_the_transcript() -> None:
    cues = parse_vtt(GOOD)
    assert cues == (
        Cue(0.0, 2.5, "Hello, and welcome."),
        Cue(2.5, 5.0, "A cue without an identifier,\non <i>two</i> lines &amp; markup."),
    )
    assert cues[1].plain_text == "A cue without an identifier, on two lines & markup."


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        ("WEBVT\n\n", "line 1", "must start with 'WEBVTT'"),
        ("WEBVTT\n1\n00:00.000 --> 00:01.000\nHi\n", "line 2", "must be blank"),
        ("WEBVTT\n\n00:00.000 -> 00:01.000\nHi\n", "line 3", "timing line"),
        ("WEBVTT\n\n1\n00:00.000 --> 00:01.000\n", "line 4", "at least one line of text"),
        ("WEBVTT\n\n00:02.000 --> 00:01.000\nHi\n", "line 3", "end after it starts"),
        ("WEBVTT\n\n00:00:61.000 --> 00:01:02.000\nHi\n", "line 3", "timing line"),
        (
            "WEBVTT\n\n00:05.000 --> 00:06.000\nA\n\n00:01.000 --> 00:02.000\nB\n",
            "line 6",
            "order of start time",
        ),
        (
            "WEBVTT\n\n00:00.000 --> 00:01.000\nA\n00:01.000 --> 00:02.000\nB\n",
            "line 3",
            "blank line missing",
        ),
    ],
)
def test_broken_captions_name_the_line(text: str, location: str, message: str) -> None:
    with pytest.raises(InvalidCaptions) as caught:
        parse_vtt(text)
    assert caught.value.location == location
    assert message in caught.value.message


def test_written_captions_read_back_the_same() -> None:
    cues = (Cue(0, 1.25, "Fish & chips"), Cue(1.25, 3723.5, "two\nlines"))
    text = format_vtt(cues)
    assert "00:00:01.250 --> 01:02:03.500" in text
    assert parse_vtt(text) == (Cue(0, 1.25, "Fish &amp; chips"), Cue(1.25, 3723.5, "two\nlines"))


NARRATION = (
    "A peer mentor listens, helps a younger pupil think things through, and knows when to pass a "
    "worry on to a trusted adult. Never promise to keep a secret. If someone could be hurt, tell."
)


def test_narration_becomes_short_cues_spanning_the_spoken_time() -> None:
    cues = split_narration(NARRATION, 10.0, 22.0)
    assert cues[0].start == 10.0 and cues[-1].end == 22.0
    assert all(a.end == b.start for a, b in itertools.pairwise(cues))
    assert " ".join(cue.plain_text for cue in cues) == NARRATION
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= MAX_LINES
        assert all(len(line) <= MAX_LINE_CHARS for line in lines)


words = st.text(alphabet="abcdefghij", min_size=1, max_size=15)
sentences = st.lists(words, min_size=1, max_size=60).map(lambda ws: " ".join(ws) + ".")


@given(st.lists(sentences, min_size=1, max_size=5).map(" ".join))
def test_any_narration_fits_in_two_line_cues(text: str) -> None:
    cues = split_narration(text, 0, 30)
    assert " ".join(cue.plain_text for cue in cues) == text
    for cue in cues:
        assert cue.end > cue.start
        lines = cue.text.split("\n")
        assert len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE_CHARS for line in lines)
