"""The video modules and programmes, loaded once per process, and the files they serve.

Modules ship in ``modules/content``; a school may add or replace modules and programmes through
the ``MODULES_DIR`` setting (same layout). A file that cannot be used is logged with its
ContentError message and left out, together with any programme that needs it: one broken file
never takes the app down.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from lti_tool.content import load_each
from lti_tool.models import Context
from lti_tool.models import ResourceLink
from modules import catalogue as cat
from modules.captions import Cue
from modules.captions import parse_vtt
from modules.errors import InvalidContent
from modules.errors import ModuleNotFound
from modules.model import Audience
from modules.model import Module
from modules.model import Programme
from modules.model import VideoKind

log = logging.getLogger(__name__)

TARGET_PARAM = "peerready_target"  # custom parameter: "module:<id>", "quiz:<id>", "programme:<id>"
TARGET_KINDS = frozenset({"module", "quiz", "programme"})


@dataclass(frozen=True)
class Library:
    """The usable modules and programmes, and the folder each module's files are in."""

    catalogue: cat.Catalogue
    folders: dict[str, Path]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """What a resource link opens, from its ``peerready_target`` custom parameter."""

    kind: str  # "module", "quiz" or "programme"
    id: str


def library() -> Library:
    """Every usable module and programme (loaded at first use, then cached for the process)."""
    school_dir = current_app.config.get("MODULES_DIR")
    return _load_library(Path(school_dir).resolve() if school_dir else None)


@functools.lru_cache(maxsize=4)
def _load_library(school_dir: Path | None) -> Library:
    dirs = (cat.CONTENT_DIR, school_dir) if school_dir else (cat.CONTENT_DIR,)
    modules, problems = load_each(
        cat.module_files(*dirs).values(), cat.MODULE_SCHEMA, cat.module_parser
    )
    by_id = {module.id: module for module in modules}
    parse = functools.partial(cat.parse_programme, module_ids=by_id.keys())
    programmes = []
    loaded_programmes, programme_problems = load_each(
        cat.programme_files(*dirs).values(), cat.PROGRAMME_SCHEMA, lambda _: parse
    )
    problems += programme_problems
    for programme in loaded_programmes:
        try:
            cat.check_references(by_id.values(), [programme])
        except InvalidContent as exc:
            problems.append(f"programme {programme.id}: {exc}")
            continue
        programmes.append(programme)
    for problem in problems:
        log.error("Content left out: %s", problem)
    files = cat.module_files(*dirs)
    folders = {module_id: files[module_id].parent for module_id in by_id}
    return Library(cat.build_catalogue(modules, programmes), folders, tuple(problems))


def module(module_id: str) -> Module:
    """The module called ``module_id``; raises ModuleNotFound."""
    return library().catalogue.module(module_id)


def programme(programme_id: str) -> Programme:
    """The programme called ``programme_id``; raises ProgrammeNotFound."""
    return library().catalogue.programme(programme_id)


def programmes() -> list[Programme]:
    """Every usable programme, by audience then title."""
    order = list(Audience)
    found = library().catalogue.programmes.values()
    return sorted(found, key=lambda p: (order.index(p.audience), p.title))


def target_of(resource_link: ResourceLink | None) -> Target | None:
    """What the resource link's ``peerready_target`` selects, or None for the training home."""
    return target_in(resource_link.custom if resource_link else None)


def target_in(custom: dict[str, Any] | None) -> Target | None:
    """What a link's custom parameters (``peerready_target``) select, or None."""
    value = str((custom or {}).get(TARGET_PARAM, ""))
    kind, _, item_id = value.partition(":")
    if kind not in TARGET_KINDS or not item_id:
        return None
    return Target(kind, item_id)


def grades_item(resource_link: ResourceLink | None, kind: str, item_id: str) -> bool:
    """True when scores for ``kind:item_id`` belong in this link's gradebook column.

    A link that selects a quiz or programme grades exactly that; a plain link (the whole
    training) grades the programme, i.e. certification.
    """
    if resource_link is None or not (resource_link.lineitem_url or resource_link.lineitems_url):
        return False
    target = target_of(resource_link)
    if target is None:
        return kind == "programme"
    return (target.kind, target.id) == (kind, item_id)


def programme_for(
    resource_link: ResourceLink | None, context: Context | None, audience: str
) -> Programme | None:
    """The programme a link opens: the one it names, else the first for ``audience``."""
    target = target_of(resource_link)
    if target is not None and target.kind == "programme":
        return programme(target.id)
    return next((p for p in programmes() if p.audience == audience), None)


def media_path(module_id: str, filename: str) -> Path:
    """The path of a file the module declares (video, captions, transcript, slides).

    Any other name, including ``../`` tricks, raises ModuleNotFound: the name is only ever
    compared with the module's own list, never joined onto a path first.
    """
    found = module(module_id)
    declared = {track.file for track in found.captions} | {found.transcript}
    if found.video.kind is VideoKind.FILE:
        declared.add(found.video.ref)
    if found.slides:
        declared.add(found.slides)
    if filename not in declared:
        raise ModuleNotFound(module_id)
    return library().folders[module_id] / filename


def transcript_cues(module_id: str) -> tuple[Cue, ...]:
    """The timed lines of the module's first (default) caption track, for the transcript."""
    found = module(module_id)
    return _cues(media_path(module_id, found.captions[0].file))


@functools.lru_cache(maxsize=64)
def _cues(path: Path) -> tuple[Cue, ...]:
    try:
        return parse_vtt(path.read_text(encoding="utf-8"))
    except (InvalidContent, OSError, UnicodeDecodeError) as exc:
        log.error("Captions unreadable for the transcript: %s: %s", path, exc)
        return ()


def clear_cache() -> None:
    """Forget the loaded content (after a school changes its MODULES_DIR files)."""
    _load_library.cache_clear()
    _cues.cache_clear()
