"""Domain exceptions. Every message names the input, the problem and what to do.

Each class also says, in ``advice``, what a person should do about an error of its kind: a
failed run's report in Prefect's UI shows it under the message (``advice_for``).
"""

from __future__ import annotations

from typing import Callable


class ArtifyError(Exception):
    """Base class for errors Artify reports to users as one line."""

    advice = "Follow what the message says, then run again."


class InputError(ArtifyError):
    """A user-supplied file or parameter cannot be used (exit code 2 in the CLI).

    ``fields``: the options the message is about, as (settings path, value given or None), in
    order, so that each front end names them its own way: ``str()`` by path (``schedule.schedule
    scenes: …``, what the Prefect form's runs show), the CLI by flag (``--schedule scenes: …``)."""

    advice = "Correct the file or value the message names in the run's parameters, then run again."

    def __init__(self, message: str = "", *, fields: tuple[tuple[str, object], ...] = ()) -> None:
        self.detail, self.fields = message, tuple(fields)
        super().__init__(self.named(lambda path: path))

    def __reduce__(self):  # across processes (Dask workers, stored results) with its fields
        return _restore, (type(self), self.args, self.__dict__)

    def named(self, name: Callable[[str], str]) -> str:
        """The message with each field named by ``name(path)``."""
        about = " ".join(name(path) if value is None else f"{name(path)} {value}" for path, value in self.fields)
        return f"{about}: {self.detail}" if about and self.detail else about or self.detail


def _restore(cls: type[InputError], args: tuple, state: dict) -> InputError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class VideoError(InputError):
    """A video cannot be probed or decoded."""

    advice = ("Check the file with `artify info FILE`; re-export or upload it again whole. A video cut off "
              "mid-stream can be stylized as far as it decodes with Allow truncated input.")


class ImageError(InputError):
    """A style image cannot be read."""

    advice = "Replace the style image with a readable JPEG or PNG, then run again."


class OutputError(InputError):
    """The output location cannot be written."""

    advice = "Choose an output location the worker can write (Output video), or free space there."


class OutOfSpaceError(OutputError):
    """A file system filled up while a file was written; build it with
    ``artify_core.foundation.filesystem.out_of_space``, whose message names the file system."""


class WeightsUnavailableError(ArtifyError):
    """Model weights are not installed and cannot be fetched here."""

    advice = "Install the weights on the worker as the message says, then run again."


# Anything else: not the inputs' fault, so nothing in the request to correct.
UNEXPECTED_ADVICE = ("Not a problem with the inputs: a failure of the worker's environment (memory, disk, network, a "
                     "service down) or a bug. The run's logs have the traceback; run again once the cause is fixed.")


def advice_for(error: BaseException) -> str:
    """What to do about ``error``: its class's ``advice``, or ``UNEXPECTED_ADVICE``."""
    return error.advice if isinstance(error, ArtifyError) else UNEXPECTED_ADVICE
