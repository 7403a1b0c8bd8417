"""``artify batch``: one line per video, exit 0 / 1 / 2."""

from __future__ import annotations

import pytest

from tests.test_cli import NO_PREFECT, artify, assert_one_line_error


@pytest.mark.parametrize("args,fragment", [
    (["{tmp}/missing", "{tmp}/out"], "no such folder"),
    (["{tmp}", "{tmp}"], "the destination is the source folder"),
    (["{tmp}", "{tmp}/out", "--max-concurrent", "0"], "--max-concurrent 0"),
    (["{tmp}", "{tmp}/out", "--model", "nope"], "--model: invalid choice: 'nope'"),
    (["s3://bad_bucket!/x", "{tmp}/out"], "not a bucket name"),
])
def test_bad_batch_input_is_one_line(tmp_path, starrynight, args, fragment):
    result = artify("batch", *[a.format(tmp=tmp_path) for a in args], "--style", str(starrynight))
    assert_one_line_error(result, fragment)


def test_missing_style_is_one_line(tmp_path):
    result = artify("batch", str(tmp_path), str(tmp_path / "out"), "--style", str(tmp_path / "none.jpg"))
    assert_one_line_error(result, "none.jpg: no such file")


@pytest.mark.slow
def test_batch_reports_each_video_and_exit_code(tmp_path, bikes, starrynight):
    from tests.flows.test_stylize_folder import write_clip

    source, out = tmp_path / "in", tmp_path / "out"
    write_clip(source / "a.mp4", bikes, start=0, frames=6)
    (source / "bad.mp4").write_text("not a video\n")
    common = ("--style", str(starrynight), "--height", "64", "--device", "cpu", "--store", str(tmp_path / "store"))
    first = artify("batch", str(source), str(out), *common)
    assert first.returncode == 1, first.stderr
    lines = first.stdout.strip().splitlines()
    assert lines[0] == f"done     a.mp4 -> {out}/a.stylized.mp4"
    assert lines[1].startswith("failed   bad.mp4: ") and "bad.mp4" in lines[1][len("failed   bad.mp4: "):]
    assert lines[2] == f"2 videos under {source}: 1 done, 0 skipped, 1 failed"
    # Nothing new (one published, one known broken): said without starting a run at all.
    second = artify("batch", str(source), str(out), *common, env=NO_PREFECT)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[:2] == [f"skipped  a.mp4 -> {out}/a.stylized.mp4",
                                                      "skipped-failed bad.mp4: " + lines[1][len("failed   bad.mp4: "):]]
    (source / "bad.mp4").unlink()
    third = artify("batch", str(source), str(out), *common, env=NO_PREFECT)
    assert third.returncode == 0, third.stderr
    assert third.stdout.strip().splitlines() == [f"skipped  a.mp4 -> {out}/a.stylized.mp4",
                                                 f"1 video under {source}: 0 done, 1 skipped, 0 failed"]
