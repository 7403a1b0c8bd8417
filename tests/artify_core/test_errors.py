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
