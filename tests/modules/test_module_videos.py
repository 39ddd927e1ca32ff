"""Every shipped video plays, fits its module file, stays small and has matching captions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from modules.captions import parse_vtt
from modules.catalogue import Catalogue
from modules.catalogue import module_files
from modules.model import VideoKind

FOLDERS = {module_id: path.parent for module_id, path in module_files().items()}
MAX_VIDEO_BYTES = 2_500_000  # a school network can stream it at once; aim is about 1 MB
MAX_PACK_BYTES = 40_000_000  # keeps the git repository and the installed package small

needs_ffprobe = pytest.mark.skipif(
    shutil.which("ffprobe") is None,
    reason="ffprobe is not installed (Debian: apt-get install ffmpeg)",
)


def probe(path: Path) -> dict[str, object]:
    run = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(run.stdout)
    return result


@needs_ffprobe
@pytest.mark.parametrize("module_id", sorted(FOLDERS))
def test_video_plays_for_the_length_the_module_states(shipped: Catalogue, module_id: str) -> None:
    module = shipped.module(module_id)
    assert module.video.kind is VideoKind.FILE
    video = FOLDERS[module_id] / module.video.ref
    info = probe(video)
    codecs = {stream["codec_name"] for stream in info["streams"]}  # type: ignore[attr-defined]
    assert codecs == {"h264", "aac"}  # what every browser plays
    duration = float(info["format"]["duration"])  # type: ignore[index]
    assert duration == pytest.approx(module.duration_seconds, abs=1.0)
    assert 50 <= duration <= 130  # about one to two minutes of narration


@pytest.mark.parametrize("module_id", sorted(FOLDERS))
def test_video_is_small_and_starts_playing_before_it_has_downloaded(module_id: str) -> None:
    data = (FOLDERS[module_id] / "video.mp4").read_bytes()
    assert len(data) < MAX_VIDEO_BYTES
    assert data.index(b"moov") < data.index(b"mdat")  # "faststart": the index comes first


@pytest.mark.parametrize("module_id", sorted(FOLDERS))
def test_captions_parse_and_cover_the_narration_to_the_end(
    shipped: Catalogue, module_id: str
) -> None:
    module = shipped.module(module_id)
    for track in module.captions:
        cues = parse_vtt((FOLDERS[module_id] / track.file).read_text(encoding="utf-8"))
        assert cues[0].start < 1.0
        assert cues[-1].end == pytest.approx(module.duration_seconds, abs=1.0)
        assert cues[-1].end <= module.duration_seconds + 0.05
        spoken = " ".join(" ".join(slide.narration.split()) for slide in module.script)
        assert " ".join(cue.plain_text for cue in cues) == spoken


@pytest.mark.parametrize("module_id", sorted(FOLDERS))
def test_transcript_has_every_slide_of_the_script(shipped: Catalogue, module_id: str) -> None:
    module = shipped.module(module_id)
    transcript = (FOLDERS[module_id] / module.transcript).read_text(encoding="utf-8")
    assert transcript.startswith(f"# {module.title}")
    for slide in module.script:
        assert slide.title in transcript
        assert slide.narration.strip() in transcript


def test_checkpoints_pause_between_slides_not_mid_sentence(shipped: Catalogue) -> None:
    for module in shipped.modules.values():
        cues = parse_vtt((FOLDERS[module.id] / module.captions[0].file).read_text("utf-8"))
        for point in module.checkpoints:
            assert not any(cue.start < point.at < cue.end for cue in cues), (module.id, point.id)


def test_whole_video_pack_is_well_under_40_mb() -> None:
    total = sum((folder / "video.mp4").stat().st_size for folder in FOLDERS.values())
    assert total < MAX_PACK_BYTES
