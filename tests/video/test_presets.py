"""Frame presets: named data that sets frame options at once, never silently beside them."""

from __future__ import annotations

import json

import pytest

from videoeval.engine.run_inputs import frame_protocol
from videoeval.errors import UsageError
from videoeval.video.presets import FRAME_DEFAULTS, PRESETS, frame_options


def options(**given: object) -> dict[str, object]:
    return {**dict.fromkeys(FRAME_DEFAULTS), "preset": None, "backend": "openai", **given}


def test_without_a_preset_the_defaults_are_the_ones_runs_always_had() -> None:
    frames = frame_protocol(options())
    assert frames.spec.kind == "fps" and frames.spec.fps == 2.0 and frames.spec.min_frames == 4
    assert frames.budget is None and frames.labels == "per-frame" and frames.mode == "frames"
    assert frames.preset is None
    # min_pixels follows the grid, as qwen-vl-utils 0.0.14's 128 tokens a frame do
    resized = frame_protocol(options(max_pixels=786432, factor=32))
    assert resized.budget is not None and resized.budget.min_pixels == 128 * 32 * 32


def test_qwen_presets_are_qwen_vl_utils_0_0_14() -> None:
    qwen3 = frame_protocol(options(preset="qwen3-vl"))
    assert qwen3.preset == "qwen3-vl v1" and qwen3.mode == "jpeg-video" and qwen3.labels == "none"
    assert qwen3.budget is not None
    assert (qwen3.budget.factor, qwen3.budget.min_pixels, qwen3.budget.max_pixels) == (
        32,
        131072,
        786432,
    )
    assert qwen3.budget.total_pixels == 117964800  # 128000 tokens x 32 x 32 x 0.9
    qwen25 = frame_options(options(preset="qwen2.5-vl"))
    assert (qwen25["factor"], qwen25["min_pixels"], qwen25["max_pixels"]) == (28, 100352, 602112)
    assert qwen25["total_pixels"] == 90316800 and qwen25["max_frames"] is None  # min(768, T)
    assert frame_protocol(options(preset="tarsier")).spec.nframes == 16
    assert frame_protocol(options(preset="carebench")).spec.kind == "centres"


def test_an_option_the_preset_sets_is_refused_even_with_the_same_value() -> None:
    with pytest.raises(UsageError, match="--preset qwen3-vl sets --factor, --fps"):
        frame_options(options(preset="qwen3-vl", fps=2.0, factor=32))
    with pytest.raises(UsageError, match="--preset takes one of"):
        frame_options(options(preset="qwen9"))
    # what the preset leaves alone may still be given
    assert frame_options(options(preset="qwen3-vl", max_frames=64))["max_frames"] == 64


def test_every_preset_names_its_source_and_only_known_options() -> None:
    for preset in PRESETS.values():
        assert preset.source and preset.version >= 1
        assert set(preset.settings) <= set(FRAME_DEFAULTS)
        frame_protocol(options(preset=preset.name))  # each one validates


def test_frame_options_that_would_not_be_used_are_refused() -> None:
    with pytest.raises(UsageError, match="--sampling uniform takes --nframes only: --fps"):
        frame_protocol(options(sampling="uniform", nframes=8, fps=1.0))
    with pytest.raises(UsageError, match=r"--nframes replaces the fps rule.*--max-frames"):
        frame_protocol(options(nframes=8, max_frames=64))
    with pytest.raises(UsageError, match="--factor apply only when frames are resized"):
        frame_protocol(options(factor=32))
    with pytest.raises(UsageError, match="--fps would be ignored"):
        frame_protocol(options(preset="tarsier", fps=1.0))
    assert frame_protocol(options(nframes=8)).spec.nframes == 8  # nframes alone: fine


def test_tarsier2_and_marlin_presets() -> None:
    tarsier2 = frame_protocol(options(preset="tarsier2"))
    assert (tarsier2.spec.kind, tarsier2.spec.nframes) == ("uniform", 16)
    assert tarsier2.budget is not None and tarsier2.budget.max_pixels == 460800
    assert tarsier2.budget.factor == 28 and tarsier2.labels == "per-frame"
    marlin = frame_protocol(options(preset="marlin-2b"))
    assert marlin.spec.max_frames == 240 and marlin.budget is not None
    assert marlin.budget.factor == 32 and marlin.mode == "jpeg-video"
    with pytest.raises(UsageError, match="sets --max-frames"):
        frame_options(options(preset="marlin-2b", max_frames=64))


def test_a_local_checkpoint_takes_its_familys_preset_as_uncompressed_video(tmp_path) -> None:
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text('{"model_type": "qwen2_5_vl"}')
    local = {"backend": "hf", "model": str(checkpoint)}
    frames = frame_protocol(options(**local))
    assert frames.preset == "qwen2.5-vl v1" and frames.mode == "pixels" and frames.labels == "none"
    assert frames.budget is not None and frames.budget.factor == 28
    # a frame option given: no preset is guessed, the defaults fill the rest
    chosen = frame_protocol(options(**local, sampling="uniform", nframes=8))
    assert chosen.preset is None and chosen.budget is None and chosen.mode == "pixels"
    assert frame_protocol(options(**local, preset="tarsier2")).preset == "tarsier2 v1"
    (checkpoint / "config.json").write_text('{"model_type": "llava"}')
    assert frame_protocol(options(**local)).preset is None
    with pytest.raises(UsageError, match="no --video-mode"):
        frame_protocol(options(**local, video_mode="jpeg-video"))
    with pytest.raises(UsageError, match="--labels qwen3"):
        frame_protocol(options(**local, labels="qwen3"))


def test_timelens_presets_follow_its_evaluation_script() -> None:
    # TencentARC/TimeLens scripts/eval_timelens_bench.sh: min_tokens 64, total_tokens 14336
    for name, factor in (("timelens-8b", 32), ("timelens-7b", 28)):
        frames = frame_protocol(options(preset=name))
        assert frames.budget is not None and frames.spec.fps == 2.0
        assert frames.budget.factor == factor
        assert frames.budget.min_pixels == 64 * factor * factor
        assert frames.budget.max_pixels == 768 * factor * factor
        assert frames.budget.total_pixels == 14336 * factor * factor
    # a 60 s 1280x720 clip: 120 frames share 14336 tokens, 238 tokens (two frames a patch)
    budget = frame_protocol(options(preset="timelens-8b")).budget
    assert budget is not None
    assert budget.frame_max_pixels(120) == 14336 * 32 * 32 / 120 * 2
    width, height = budget.size_for(1280, 720, 120)
    assert width % 32 == 0 and height % 32 == 0 and width * height <= 14336 * 32 * 32 / 60


def test_a_preset_of_ones_own_comes_from_a_file_with_its_source(tmp_path) -> None:
    # e.g. a paper's settings for an API model, which no built-in preset can vouch for
    path = tmp_path / "paper-api.json"
    preset = {"name": "paper-gpt", "version": 2, "summary": "32 uniform frames, 448 px grid",
              "source": "the paper's appendix, table of API settings",
              "settings": {"sampling": "uniform", "nframes": 32, "factor": 28,
                           "max_pixels": 200704}}  # fmt: skip
    path.write_text(json.dumps(preset))
    frames = frame_protocol(options(preset=str(path)))
    assert frames.preset == "paper-gpt v2 (file paper-api.json)"
    assert frames.spec.kind == "uniform" and frames.spec.nframes == 32
    assert frames.budget is not None and frames.budget.max_pixels == 200704
    with pytest.raises(UsageError, match="sets --nframes"):
        frame_options(options(preset=str(path), nframes=8))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": " "}, "'source' must say where its values come from"),
        ({"settings": {"fps": 1, "temperature": 0}}, "not frame options"),
        ({"name": "qwen3-vl"}, "a new name"),
        ({"version": 0}, "whole number"),
        ({"settings": {"fps": None}}, "cannot be null"),
        ({"extra": 1}, "unknown fields"),
    ],
)
def test_a_preset_file_that_is_wrong_is_refused(tmp_path, change, message) -> None:
    preset = {"name": "mine", "version": 1, "summary": "s", "source": "somewhere",
              "settings": {"fps": 1.0}, **change}  # fmt: skip
    path = tmp_path / "p.json"
    path.write_text(json.dumps(preset))
    with pytest.raises(UsageError, match=message):
        frame_protocol(options(preset=str(path)))
    path.write_text("{not json")
    with pytest.raises(UsageError, match="not valid JSON"):
        frame_protocol(options(preset=str(path)))
    with pytest.raises(UsageError, match="cannot read"):
        frame_protocol(options(preset=str(tmp_path / "missing.json")))
