"""WebVTT captions: a strict reader (for checks and the interactive transcript) and a writer.

The reader accepts the subset of WebVTT that browsers and our transcript need: the ``WEBVTT``
header, ``NOTE``/``STYLE``/``REGION`` blocks, and cues with an optional identifier, a timing line
and at least one line of text, in order of start time.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from modules.errors import InvalidCaptions

MAX_LINE_CHARS = 42  # the usual broadcast limit; fits a 640-pixel-wide player at a readable size
MAX_LINES = 2

_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+\S.*)?$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cue:
    """One caption: shown from ``start`` to ``end`` seconds; lines are separated by newlines."""

    start: float
    end: float
    text: str

    @property
    def plain_text(self) -> str:
        """The words without markup or line breaks, for an interactive transcript."""
        return html.unescape(_TAG.sub("", self.text)).replace("\n", " ")


def parse_vtt(text: str) -> tuple[Cue, ...]:
    """Read a WebVTT file; raise InvalidCaptions naming the line of the first problem."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise InvalidCaptions("line 1", "a WebVTT file must start with 'WEBVTT'")
    cues: list[Cue] = []
    number = 1
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        block_start = number
        block: list[str] = []
        while number < len(lines) and lines[number].strip():
            block.append(lines[number])
            number += 1
        if block_start == 1:
            raise InvalidCaptions("line 2", "the line after 'WEBVTT' must be blank")
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
            continue
        cues.append(_parse_cue(block, block_start + 1, cues[-1] if cues else None))
    return tuple(cues)


def format_vtt(cues: tuple[Cue, ...] | list[Cue]) -> str:
    """Write cues as a WebVTT file with numbered cues."""
    blocks = [
        f"{index}\n{_timestamp(cue.start)} --> {_timestamp(cue.end)}\n{_escape(cue.text)}"
        for index, cue in enumerate(cues, start=1)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def split_narration(text: str, start: float, end: float) -> tuple[Cue, ...]:
    """Cut narration spoken from ``start`` to ``end`` into caption-sized cues.

    Each cue holds at most MAX_LINES lines of MAX_LINE_CHARS and is on screen for a share of the
    time in proportion to its length, which is how long a steady voice takes to say it.
    """
    chunks = caption_chunks(text)
    total = sum(len(chunk) for chunk in chunks)
    cues: list[Cue] = []
    at = start
    for index, chunk in enumerate(chunks):
        until = end if index == len(chunks) - 1 else at + (end - start) * len(chunk) / total
        cues.append(Cue(round(at, 3), round(until, 3), "\n".join(wrap_caption(chunk))))
        at = until
    return tuple(cues)


def caption_chunks(text: str) -> list[str]:
    """Split text into sentences, and long sentences into even pieces that fit one caption."""
    chunks: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        if not sentence:
            continue
        words = sentence.split(" ")
        pieces = math.ceil(len(sentence) / (MAX_LINE_CHARS * MAX_LINES))
        while True:
            candidate = _even_pieces(words, pieces)
            if all(len(wrap_caption(piece)) <= MAX_LINES for piece in candidate):
                chunks.extend(candidate)
                break
            pieces += 1
    return chunks


def wrap_caption(text: str) -> list[str]:
    """Break one caption into lines no longer than MAX_LINE_CHARS, balancing two lines."""
    if len(text) <= MAX_LINE_CHARS:
        return [text]
    words = text.split(" ")
    best: list[str] | None = None
    for cut in range(1, len(words)):
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        if max(map(len, lines)) <= MAX_LINE_CHARS and (
            best is None or max(map(len, lines)) < max(map(len, best))
        ):
            best = lines
    if best is not None:
        return best
    # Longer than two lines: greedy fill; caption_chunks then cuts the text smaller.
    lines = [words[0]]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) <= MAX_LINE_CHARS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _even_pieces(words: list[str], pieces: int) -> list[str]:
    target = len(" ".join(words)) / pieces
    result: list[list[str]] = [[]]
    for word in words:
        current = " ".join(result[-1])
        if result[-1] and len(current) + 1 + len(word) / 2 > target and len(result) < pieces:
            result.append([])
        result[-1].append(word)
    return [" ".join(piece) for piece in result]


def _parse_cue(block: list[str], line_number: int, previous: Cue | None) -> Cue:
    # The first line is an identifier only when the second is the timing line.
    timing_index = 1 if len(block) > 1 and "-->" not in block[0] and "-->" in block[1] else 0
    if not (match := _TIMING.match(block[timing_index])):
        raise InvalidCaptions(
            f"line {line_number + timing_index}",
            "expected a timing line like 00:01.000 --> 00:04.000",
        )
    groups = match.groups()
    start, end = _seconds(groups[:4]), _seconds(groups[4:])
    where = f"line {line_number + timing_index}"
    if end <= start:
        raise InvalidCaptions(where, "a cue must end after it starts")
    if previous is not None and start < previous.start:
        raise InvalidCaptions(where, "cues must be in order of start time")
    payload = block[timing_index + 1 :]
    if not payload:
        raise InvalidCaptions(where, "a cue needs at least one line of text")
    if any("-->" in line for line in payload):
        raise InvalidCaptions(where, "cue text must not contain '-->'; is a blank line missing?")
    return Cue(start, end, "\n".join(payload))


def _seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = (int(part) if part else 0 for part in groups)
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
