"""The shipped pack loads, and each kind of broken file is refused with its file and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from module_pack import load_module
from module_pack import load_programme

from lti_tool.content import ContentError
from modules.catalogue import CONTENT_DIR
from modules.catalogue import Catalogue
from modules.catalogue import build_catalogue
from modules.catalogue import check_references
from modules.catalogue import module_files
from modules.catalogue import parse_module
from modules.catalogue import programme_files
from modules.errors import InvalidContent
from modules.errors import ModuleNotFound
from modules.errors import ProgrammeNotFound
from modules.errors import UnknownModule
from modules.model import Audience
from modules.model import CheckpointKind
from modules.model import VideoKind

SAMPLE = "secondary-confidentiality"
PUPIL_QUIZZES = {"confidentiality", "boundaries", "safeguarding-disclosures"}


def test_shipped_pack_has_three_programmes_of_six_modules(shipped: Catalogue) -> None:
    assert set(shipped.programmes) == {
        "peer-support-in-your-school",
        "becoming-a-peer-supporter-primary",
        "becoming-a-peer-mentor-secondary",
    }
    for programme in shipped.programmes.values():
        assert len(programme.modules) == 6
        assert all(shipped.module(i).audience is programme.audience for i in programme.modules)
    assert len(shipped.modules) == 18


def test_pupil_programmes_require_the_safeguarding_quizzes(shipped: Catalogue) -> None:
    for programme_id in ("becoming-a-peer-supporter-primary", "becoming-a-peer-mentor-secondary"):
        programme = shipped.programme(programme_id)
        assert set(programme.required_quizzes) == PUPIL_QUIZZES
        assert programme.refresher.quizzes == ("refresher",)
        assert programme.signoff_required and programme.supervised_practice_required
    assert shipped.quiz_ids() == {*PUPIL_QUIZZES, "refresher"}


def test_core_safeguarding_modules_cannot_be_skipped(shipped: Catalogue) -> None:
    for module_id in (
        "primary-confidentiality",
        "secondary-confidentiality",
        "secondary-boundaries",
    ):
        module = shipped.module(module_id)
        assert module.settings.prevent_skipping_ahead
        assert module.required_checkpoint_ids == {
            point.id for point in module.checkpoints if point.required
        }
        assert module.required_checkpoint_ids


def test_catalogue_lookups_raise_pupil_safe_errors(shipped: Catalogue) -> None:
    with pytest.raises(ModuleNotFound, match="Ask your teacher"):
        shipped.module("no-such-module")
    with pytest.raises(ProgrammeNotFound, match="Ask your teacher"):
        shipped.programme("no-such-programme")


def test_defaults_apply_when_settings_are_left_out() -> None:
    module = load_module(module_files()["secondary-listening-well"])
    assert module.settings.completion_threshold == 0.9
    assert not module.settings.prevent_skipping_ahead
    assert module.required_checkpoint_ids == frozenset()
    assert module.video.kind is VideoKind.FILE and module.video.mime_type == "video/mp4"
    programme = load_programme(programme_files()["peer-support-in-your-school"])
    assert programme.validity_months == 12 and not programme.signoff_required


@pytest.fixture
def module_copy(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """Copy a shipped module folder, let the test edit its YAML, and return the file's path."""

    def _copy(edit: Callable[[dict[str, Any]], None]) -> Path:
        folder = shutil.copytree(CONTENT_DIR / SAMPLE, tmp_path / SAMPLE)
        path = folder / "module.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return _copy


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[int(key)] if key.isdigit() else data[key]  # type: ignore[index]
    data[last] = value


@pytest.mark.parametrize(
    ("edit", "location", "message"),
    [
        pytest.param(lambda d: d.pop("title"), "", "missing field: 'title'", id="missing field"),
        pytest.param(lambda d: d.update(colour="red"), "", "'colour'", id="unknown field"),
        pytest.param(lambda d: _set(d, "id", "Bad_Id"), "id", "does not match", id="bad id"),
        pytest.param(
            lambda d: _set(d, "audience", "adults"), "audience", "is not one of", id="bad audience"
        ),
        pytest.param(
            lambda d: d["checkpoints"][1].update(at=d["duration_seconds"] + 5),
            "checkpoints[1].at",
            "is not before the video ends",
            id="checkpoint after the end",
        ),
        pytest.param(
            lambda d: d["checkpoints"].reverse(),
            "checkpoints[1].at",
            "time order",
            id="checkpoints out of order",
        ),
        pytest.param(
            lambda d: [c.update(correct=False) for c in d["checkpoints"][0]["choices"]],
            "checkpoints[0].choices",
            "at least one correct choice",
            id="question with no right answer",
        ),
        pytest.param(
            lambda d: d["checkpoints"][0].pop("choices"),
            "checkpoints[0]",
            "'choices'",
            id="question without choices",
        ),
        pytest.param(
            lambda d: d["video"].update(youtube="dQw4w9WgXcQ"),
            "video",
            "is not valid under any of the given schemas",
            id="two video sources",
        ),
        pytest.param(
            lambda d: _set(d, "settings.completion_threshold", 1.5),
            "settings.completion_threshold",
            "maximum",
            id="threshold above 1",
        ),
        pytest.param(
            lambda d: d["captions"].append(dict(d["captions"][0])),
            "captions[1].lang",
            "used twice",
            id="two caption tracks for one language",
        ),
        pytest.param(
            lambda d: _set(d, "captions.0.file", "captions.fr.vtt"),
            "captions[0].file",
            "'captions.fr.vtt' is not in the module folder",
            id="missing caption file",
        ),
        pytest.param(
            lambda d: _set(d, "video.file", "lesson.webm"),
            "video.file",
            "not in the module folder",
            id="missing video file",
        ),
    ],
)
def test_broken_module_file_names_file_and_field(
    module_copy: Callable[[Callable[[dict[str, Any]], None]], Path],
    edit: Callable[[dict[str, Any]], None],
    location: str,
    message: str,
) -> None:
    path = module_copy(edit)
    with pytest.raises(ContentError) as caught:
        load_module(path)
    assert caught.value.file == str(path)
    assert caught.value.location == location
    assert message in caught.value.message


def test_module_folder_must_be_named_after_its_id(tmp_path: Path) -> None:
    folder = shutil.copytree(CONTENT_DIR / SAMPLE, tmp_path / "renamed")
    with pytest.raises(ContentError) as caught:
        load_module(folder / "module.yaml")
    assert (caught.value.location, caught.value.file) == ("id", str(folder / "module.yaml"))
    assert "must match its folder's name 'renamed'" in caught.value.message


def test_a_school_module_folder_replaces_the_shipped_one(tmp_path: Path) -> None:
    school = tmp_path / "school"
    shutil.copytree(CONTENT_DIR / SAMPLE, school / SAMPLE)
    shutil.copytree(CONTENT_DIR / SAMPLE, school / "our-own-module")
    files = module_files(CONTENT_DIR, school)
    assert files[SAMPLE] == school / SAMPLE / "module.yaml"
    assert files["our-own-module"] == school / "our-own-module" / "module.yaml"
    assert files["primary-boundaries"].is_relative_to(CONTENT_DIR)


def test_a_youtube_module_needs_no_video_file() -> None:
    data = yaml.safe_load((CONTENT_DIR / SAMPLE / "module.yaml").read_text(encoding="utf-8"))
    data["video"] = {"youtube": "dQw4w9WgXcQ"}
    module = parse_module(data)
    assert (module.video.kind, module.video.ref, module.video.mime_type) == (
        VideoKind.YOUTUBE,
        "dQw4w9WgXcQ",
        None,
    )
    assert module.checkpoints[0].kind is CheckpointKind.QUESTION
    assert module.checkpoints[0].choice("cannot-promise") is not None


def _programme_copy(tmp_path: Path, **changes: Any) -> Path:
    source = programme_files()["becoming-a-peer-mentor-secondary"]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_unknown_module_in_a_programme_names_file_and_field(
    tmp_path: Path, shipped: Catalogue
) -> None:
    modules = [*shipped.programme("becoming-a-peer-mentor-secondary").modules]
    modules[2] = "secondary-confidentiallity"
    path = _programme_copy(tmp_path, modules=modules, required_modules=[modules[0]])
    with pytest.raises(ContentError) as caught:
        load_programme(path, shipped.modules)
    assert (caught.value.file, caught.value.location) == (str(path), "modules[2]")
    assert caught.value.message == "'secondary-confidentiallity' is not a module in the catalogue"


def test_unknown_refresher_module_is_found_by_the_cross_check(shipped: Catalogue) -> None:
    programme = shipped.programme("becoming-a-peer-mentor-secondary")
    broken = type(programme.refresher)(modules=("gone",), quizzes=())
    with pytest.raises(UnknownModule) as caught:
        check_references(shipped.modules.values(), [replace(programme, refresher=broken)])
    assert caught.value.programme_id == programme.id
    assert caught.value.location == "refresher.modules[0]"


def test_programme_cannot_mix_audiences(shipped: Catalogue) -> None:
    programme = shipped.programme("becoming-a-peer-mentor-secondary")
    mixed = replace(programme, modules=(*programme.modules, "primary-boundaries"))
    with pytest.raises(InvalidContent, match="is for primary learners") as caught:
        build_catalogue(shipped.modules.values(), [mixed])
    assert caught.value.location == "modules[6]"


@pytest.mark.parametrize(
    ("changes", "location", "message"),
    [
        ({"required_modules": ["staff-options-and-methods"]}, "required_modules[0]", "not in this"),
        ({"id": "Peer Mentor"}, "id", "does not match"),
        ({"validity_months": 0}, "validity_months", "minimum"),
        ({"refresher": {"modules": [], "quizzes": []}}, "refresher", "at least one"),
        ({"modules": ["a", "a"]}, "modules", "non-unique"),
    ],
)
def test_broken_programme_file_names_file_and_field(
    tmp_path: Path, changes: dict[str, Any], location: str, message: str
) -> None:
    path = _programme_copy(tmp_path, **changes)
    with pytest.raises(ContentError) as caught:
        load_programme(path)
    assert (caught.value.file, caught.value.location) == (str(path), location)
    assert message in caught.value.message


def test_audience_values_are_the_documented_ones() -> None:
    assert [audience.value for audience in Audience] == ["primary", "secondary", "staff"]
