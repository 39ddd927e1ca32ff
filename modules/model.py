"""The training content as frozen values: modules (one narrated video each) and programmes."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum


class Audience(StrEnum):
    """Who a module or programme is written for."""

    PRIMARY = "primary"  # pupils aged 8-11
    SECONDARY = "secondary"  # pupils aged 11-18
    STAFF = "staff"


class VideoKind(StrEnum):
    """Where a module's video is played from."""

    FILE = "file"  # a file in the module's folder, served by PeerReady
    YOUTUBE = "youtube"
    VIMEO = "vimeo"


class CheckpointKind(StrEnum):
    """What a checkpoint asks of the learner."""

    QUESTION = "question"  # choose an answer and read the feedback
    REFLECTION = "reflection"  # think or write; there is no wrong answer


@dataclass(frozen=True)
class VideoSource:
    """The video itself: ``ref`` is a file name in the module folder, or a YouTube/Vimeo id."""

    kind: VideoKind
    ref: str
    mime_type: str | None = None  # only for files, e.g. "video/mp4"


@dataclass(frozen=True)
class CaptionTrack:
    """One WebVTT file in the module folder, for a ``<track kind="captions">``."""

    lang: str
    label: str
    file: str


@dataclass(frozen=True)
class Slide:
    """One slide of the narration script that ``bin/make-videos`` turns into video."""

    title: str
    bullets: tuple[str, ...]
    narration: str


@dataclass(frozen=True)
class Source:
    """Where a figure or claim in the video comes from."""

    citation: str
    url: str | None = None


@dataclass(frozen=True)
class Choice:
    """One answer to a checkpoint question."""

    id: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Checkpoint:
    """A pause in the video at ``at`` seconds with a question or a reflection prompt."""

    id: str
    at: float
    kind: CheckpointKind
    prompt: str
    required: bool = True
    choices: tuple[Choice, ...] = ()

    def choice(self, choice_id: str) -> Choice | None:
        """The choice called ``choice_id``, or None if there is none."""
        return next((choice for choice in self.choices if choice.id == choice_id), None)


@dataclass(frozen=True)
class ModuleSettings:
    """How the player and the completion rule treat a module."""

    completion_threshold: float = 0.9  # share of the video that must be watched
    prevent_skipping_ahead: bool = False  # no seeking past the furthest point watched
    checkpoints_required: bool = False  # required checkpoints must be answered to complete


@dataclass(frozen=True)
class Module:
    """One training video with its captions, transcript, script and checkpoints."""

    id: str
    title: str
    audience: Audience
    summary: str
    outcomes: tuple[str, ...]
    duration_seconds: float
    video: VideoSource
    captions: tuple[CaptionTrack, ...]
    transcript: str
    script: tuple[Slide, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    settings: ModuleSettings = field(default_factory=ModuleSettings)
    slides: str | None = None  # optional downloadable slides (PDF) in the module folder
    sources: tuple[Source, ...] = ()

    @property
    def required_checkpoint_ids(self) -> frozenset[str]:
        """Checkpoints that must be answered before the module counts as complete."""
        if not self.settings.checkpoints_required:
            return frozenset()
        return frozenset(point.id for point in self.checkpoints if point.required)

    def checkpoint(self, checkpoint_id: str) -> Checkpoint | None:
        """The checkpoint called ``checkpoint_id``, or None if there is none."""
        return next((point for point in self.checkpoints if point.id == checkpoint_id), None)


@dataclass(frozen=True)
class Refresher:
    """What a certified learner repeats to renew the certificate when it runs out."""

    modules: tuple[str, ...]
    quizzes: tuple[str, ...]


@dataclass(frozen=True)
class Programme:
    """An ordered course of modules and quizzes that leads to a certificate."""

    id: str
    title: str
    audience: Audience
    description: str
    modules: tuple[str, ...]  # in the order learners meet them
    required_modules: tuple[str, ...]
    required_quizzes: tuple[str, ...]
    refresher: Refresher
    validity_months: int = 12
    signoff_required: bool = False  # a trainer must sign the learner off
    supervised_practice_required: bool = False  # supervised practice must be recorded

    @property
    def module_ids(self) -> frozenset[str]:
        """Every module id the programme refers to, including the refresher's."""
        return frozenset((*self.modules, *self.refresher.modules))

    @property
    def quiz_ids(self) -> frozenset[str]:
        """Every quiz id the programme refers to, including the refresher's."""
        return frozenset((*self.required_quizzes, *self.refresher.quizzes))
