"""Domain exceptions. Every message names the input, the problem and what to do."""

from __future__ import annotations


class ArtifyError(Exception):
    """Base class for errors Artify reports to users as one line."""


class InputError(ArtifyError):
    """A user-supplied file or parameter cannot be used (exit code 2 in the CLI)."""


class VideoError(InputError):
    """A video cannot be probed or decoded."""


class ImageError(InputError):
    """A style image cannot be read."""


class OutputError(InputError):
    """The output location cannot be written."""


class OutOfSpaceError(OutputError):
    """A file system filled up while a file was written; build it with
    ``artify_core.foundation.filesystem.out_of_space``, whose message names the file system."""


class WeightsUnavailableError(ArtifyError):
    """Model weights are not installed and cannot be fetched here."""
