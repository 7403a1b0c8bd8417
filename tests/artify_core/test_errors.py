"""What a failure report tells a person to do: each kind of error's advice."""

from __future__ import annotations

import pytest

from artify_core.batch import BatchFailedError, BatchResult, VideoOutcome
from artify_core.errors import (
    UNEXPECTED_ADVICE,
    ArtifyError,
    ImageError,
    InputError,
    OutputError,
    VideoError,
    advice_for,
)
from artify_core.storage.base import StorageError, StorageUnavailableError


@pytest.mark.parametrize("error,words", [
    (VideoError("a.mp4: cut"), "artify info"), (ImageError("s.jpg: unreadable"), "style image"),
    (OutputError("out/: missing"), "output location"), (InputError("--height 8"), "Correct the file or value"),
    (StorageError("s3://b: no bucket"), "credentials"), (StorageUnavailableError("down"), "reachable"),
    (BatchFailedError(BatchResult("in", "out", (VideoOutcome("a.mp4", "in/a.mp4", None, "failed", "cut"),))),
     "summary table"),
], ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None)
def test_each_kind_of_error_says_what_to_do(error, words):
    assert words in advice_for(error)


def test_anything_else_is_not_the_inputs_fault():
    assert advice_for(MemoryError()) == advice_for(RuntimeError("bug")) == UNEXPECTED_ADVICE
    assert "logs" in UNEXPECTED_ADVICE and advice_for(ArtifyError("x")) != UNEXPECTED_ADVICE


def test_an_input_error_names_its_fields_by_path_and_each_front_end_its_own_way():
    import pickle

    from artify_cli.options import flag_of
    from artify_core.errors import InputError
    from artify_core.storage.base import DamagedEntryError

    error = InputError("no frame is shown in that interval", fields=(("start", "5"), ("duration", "0.01")))
    assert str(error) == "start 5 duration 0.01: no frame is shown in that interval"  # the form's runs
    assert error.named(flag_of) == "--start 5 --duration 0.01: no frame is shown in that interval"
    assert InputError("x", fields=(("schedule.schedule", "scenes"),)).named(flag_of) == "--schedule scenes: x"
    assert InputError("plain").named(flag_of) == "plain" and flag_of("content") == "CONTENT"
    again = pickle.loads(pickle.dumps(error))  # from a Dask worker or a stored result
    assert type(again) is InputError and again.fields == error.fields and str(again) == str(error)
    damaged = pickle.loads(pickle.dumps(DamagedEntryError("chunks/a.mp4", "cut short")))
    assert damaged.reason == "cut short" and str(damaged) == "chunks/a.mp4: damaged store entry: cut short"
