"""Find, parse and cross-check module folders and programme files.

Content lives in ``content/<module-id>/module.yaml`` (one folder per module, with its video,
captions and transcript) and ``content/programmes/<programme-id>.yaml``. The app reads each file
with ``lti_tool.content.load(path, MODULE_SCHEMA, module_parser(path))`` or
``load(path, PROGRAMME_SCHEMA, parse_programme)``, then calls ``build_catalogue``. Parsing checks
what the schemas cannot; it reads nothing but, when given a folder, whether the files a module
names exist there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.errors import InvalidContent
from modules.errors import ModuleNotFound
from modules.errors import ProgrammeNotFound
from modules.errors import UnknownModule
from modules.model import Audience
from modules.model import CaptionTrack
from modules.model import Checkpoint
from modules.model import CheckpointKind
from modules.model import Choice
from modules.model import Module
from modules.model import ModuleSettings
from modules.model import Programme
from modules.model import Refresher
from modules.model import Slide
from modules.model import Source
from modules.model import VideoKind
from modules.model import VideoSource

PACKAGE_DIR = Path(__file__).resolve().parent
CONTENT_DIR = PACKAGE_DIR / "content"
MODULE_SCHEMA = PACKAGE_DIR / "module.schema.json"
PROGRAMME_SCHEMA = PACKAGE_DIR / "programme.schema.json"
MODULE_FILE = "module.yaml"
PROGRAMMES_DIR = "programmes"


@dataclass(frozen=True)
class Catalogue:
    """Every module and programme, checked against each other."""

    modules: Mapping[str, Module]
    programmes: Mapping[str, Programme]

    def module(self, module_id: str) -> Module:
        """The module called ``module_id``; raises ModuleNotFound."""
        try:
            return self.modules[module_id]
        except KeyError:
            raise ModuleNotFound(module_id) from None

    def programme(self, programme_id: str) -> Programme:
        """The programme called ``programme_id``; raises ProgrammeNotFound."""
        try:
            return self.programmes[programme_id]
        except KeyError:
            raise ProgrammeNotFound(programme_id) from None

    def quiz_ids(self) -> frozenset[str]:
        """Every quiz id some programme requires; the app checks that each quiz exists."""
        return frozenset().union(*(programme.quiz_ids for programme in self.programmes.values()))


def module_files(*content_dirs: Path) -> dict[str, Path]:
    """Map each module id to its ``module.yaml``, found as ``<dir>/<module-id>/module.yaml``.

    A folder in a later directory replaces the one with the same name in an earlier directory, so
    ``module_files(CONTENT_DIR, school_dir)`` lets a school add or replace modules.
    """
    found: dict[str, Path] = {}
    for content_dir in content_dirs or (CONTENT_DIR,):
        for path in sorted(content_dir.glob(f"*/{MODULE_FILE}")):
            found[path.parent.name] = path
    return found


def programme_files(*content_dirs: Path) -> dict[str, Path]:
    """Map each programme file's stem to its path under ``<dir>/programmes/``; later dirs win."""
    found: dict[str, Path] = {}
    for content_dir in content_dirs or (CONTENT_DIR,):
        for path in sorted((content_dir / PROGRAMMES_DIR).glob("*.yaml")):
            found[path.stem] = path
    return found


def module_parser(module_yaml: Path) -> Callable[[Any], Module]:
    """A ``parse`` for ``lti_tool.content.load`` that also checks the module's folder."""
    return functools.partial(parse_module, folder=module_yaml.parent)


def parse_module(data: Any, folder: Path | None = None) -> Module:
    """Build a Module from schema-valid data; raise InvalidContent for what the schema can't see.

    With ``folder``, also check that the folder is named after the id and holds every file the
    module names (video, captions, transcript, slides).
    """
    settings = data.get("settings", {})
    module = Module(
        id=data["id"],
        title=data["title"],
        audience=Audience(data["audience"]),
        summary=data["summary"],
        outcomes=tuple(data["outcomes"]),
        duration_seconds=float(data["duration_seconds"]),
        video=_video(data["video"]),
        captions=tuple(
            CaptionTrack(lang=track["lang"], label=track["label"], file=track["file"])
            for track in data["captions"]
        ),
        transcript=data["transcript"],
        script=parse_script(data.get("script", [])),
        checkpoints=tuple(_checkpoint(point) for point in data.get("checkpoints", ())),
        settings=ModuleSettings(
            completion_threshold=float(settings.get("completion_threshold", 0.9)),
            prevent_skipping_ahead=settings.get("prevent_skipping_ahead", False),
            checkpoints_required=settings.get("checkpoints_required", False),
        ),
        slides=data.get("slides"),
        sources=tuple(
            Source(citation=source["citation"], url=source.get("url"))
            for source in data.get("sources", ())
        ),
    )
    _check_checkpoints(module)
    _check_unique("captions", [track.lang for track in module.captions], "lang")
    if folder is not None:
        _check_folder(module, folder)
    return module


def parse_script(data: Iterable[Mapping[str, Any]]) -> tuple[Slide, ...]:
    """Build the narration script from the schema-valid ``script`` list of a module file."""
    return tuple(
        Slide(title=slide["title"], bullets=tuple(slide["bullets"]), narration=slide["narration"])
        for slide in data
    )


def parse_programme(data: Any, module_ids: Collection[str] | None = None) -> Programme:
    """Build a Programme from schema-valid data; raise InvalidContent for what the schema can't see.

    With ``module_ids`` (the catalogue's modules), also raise UnknownModule for a missing module.
    """
    settings = {
        key: data[key]
        for key in ("validity_months", "signoff_required", "supervised_practice_required")
        if key in data
    }
    programme = Programme(
        id=data["id"],
        title=data["title"],
        audience=Audience(data["audience"]),
        description=data["description"],
        modules=tuple(data["modules"]),
        required_modules=tuple(data["required_modules"]),
        required_quizzes=tuple(data["required_quizzes"]),
        refresher=Refresher(
            modules=tuple(data["refresher"]["modules"]),
            quizzes=tuple(data["refresher"]["quizzes"]),
        ),
        **settings,
    )
    for index, module_id in enumerate(programme.required_modules):
        if module_id not in programme.modules:
            raise InvalidContent(
                f"required_modules[{index}]", f"'{module_id}' is not in this programme's modules"
            )
    if not (programme.refresher.modules or programme.refresher.quizzes):
        raise InvalidContent("refresher", "a refresher needs at least one module or quiz")
    if not (programme.required_modules or programme.required_quizzes):
        raise InvalidContent("required_modules", "a programme must require a module or a quiz")
    if module_ids is not None:
        _check_module_ids(programme, module_ids)
    return programme


def check_references(modules: Iterable[Module], programmes: Iterable[Programme]) -> None:
    """Raise UnknownModule if a programme names a missing module, InvalidContent if its audience
    differs from the programme's. Quiz ids are the app's to check: see ``Programme.quiz_ids``.
    """
    by_id = {module.id: module for module in modules}
    for programme in programmes:
        _check_module_ids(programme, by_id)
        for index, module_id in enumerate(programme.modules):
            if by_id[module_id].audience is not programme.audience:
                raise InvalidContent(
                    f"modules[{index}]",
                    f"'{module_id}' is for {by_id[module_id].audience} learners, "
                    f"but programme '{programme.id}' is for {programme.audience}",
                )


def build_catalogue(modules: Iterable[Module], programmes: Iterable[Programme]) -> Catalogue:
    """Check the cross-references and index modules and programmes by id."""
    module_list, programme_list = list(modules), list(programmes)
    check_references(module_list, programme_list)
    _check_unique("programmes", [programme.id for programme in programme_list], "id")
    return Catalogue(
        modules={module.id: module for module in module_list},
        programmes={programme.id: programme for programme in programme_list},
    )


def _video(data: Mapping[str, str]) -> VideoSource:
    if "file" in data:
        return VideoSource(VideoKind.FILE, data["file"], data["type"])
    if "youtube" in data:
        return VideoSource(VideoKind.YOUTUBE, data["youtube"])
    return VideoSource(VideoKind.VIMEO, data["vimeo"])


def _checkpoint(data: Mapping[str, Any]) -> Checkpoint:
    return Checkpoint(
        id=data["id"],
        at=float(data["at"]),
        kind=CheckpointKind(data["kind"]),
        prompt=data["prompt"],
        required=data.get("required", True),
        choices=tuple(
            Choice(id=c["id"], text=c["text"], correct=c["correct"], feedback=c["feedback"])
            for c in data.get("choices", ())
        ),
    )


def _check_checkpoints(module: Module) -> None:
    _check_unique("checkpoints", [point.id for point in module.checkpoints], "id")
    for index, point in enumerate(module.checkpoints):
        if point.at >= module.duration_seconds:
            raise InvalidContent(
                f"checkpoints[{index}].at",
                f"{point.at:g} s is not before the video ends ({module.duration_seconds:g} s)",
            )
        if index and point.at < module.checkpoints[index - 1].at:
            raise InvalidContent(f"checkpoints[{index}].at", "checkpoints must be in time order")
        if point.kind is CheckpointKind.QUESTION:
            _check_unique(f"checkpoints[{index}].choices", [c.id for c in point.choices], "id")
            if not any(choice.correct for choice in point.choices):
                raise InvalidContent(
                    f"checkpoints[{index}].choices", "a question needs at least one correct choice"
                )


def _check_folder(module: Module, folder: Path) -> None:
    if folder.name != module.id:
        raise InvalidContent("id", f"'{module.id}' must match its folder's name '{folder.name}'")
    files: list[tuple[str, str]] = [
        (f"captions[{i}].file", t.file) for i, t in enumerate(module.captions)
    ]
    files.append(("transcript", module.transcript))
    if module.video.kind is VideoKind.FILE:
        files.append(("video.file", module.video.ref))
    if module.slides is not None:
        files.append(("slides", module.slides))
    for location, name in files:
        if not (folder / name).is_file():
            raise InvalidContent(location, f"file '{name}' is not in the module folder")


def _check_module_ids(programme: Programme, module_ids: Collection[str]) -> None:
    places = [("modules", programme.modules), ("refresher.modules", programme.refresher.modules)]
    for field_name, ids in places:
        for index, module_id in enumerate(ids):
            if module_id not in module_ids:
                raise UnknownModule(programme.id, f"{field_name}[{index}]", module_id)


def _check_unique(location: str, values: list[str], key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise InvalidContent(f"{location}[{index}].{key}", f"'{value}' is used twice")
        seen.add(value)
