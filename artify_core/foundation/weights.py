"""Weight sets described as data, in the manner of torchvision's ``WeightsEnum``.

One ``Weights`` object per weight set: where the bytes come from, the hash they
must have, the input transform the network expects, and metadata users need
(licence, origin, parameter count). Loading verifies the hash and, when the
weights are missing, says exactly how to provide them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from artify_core.errors import WeightsUnavailableError
from artify_core.foundation.environment import environment, variable
from artify_core.foundation.hashing import file_digest


@dataclass(frozen=True)
class Weights:
    """One weight set.

    Attributes:
        name: stable identifier, part of every cache key that depends on it.
        locate: returns the local path of the weight file(s), or raises
            ``WeightsUnavailableError`` with instructions.
        sha256: expected digest of the file ``locate`` returns (None: unchecked).
        transforms: callable building the input transform the network expects.
        meta: licence, origin, parameter count, input sizes.
    """

    name: str
    locate: Callable[[], Path]
    sha256: str | None
    transforms: Callable[..., Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def path(self, verify: bool = True) -> Path:
        path = self.locate()
        if verify and self.sha256 is not None:
            digest = file_digest(path)
            if digest != self.sha256:
                raise WeightsUnavailableError(
                    f"{path}: sha256 {digest[:12]}… does not match the expected "
                    f"{self.sha256[:12]}… for weights '{self.name}'; reinstall the "
                    "package that ships them or point to an intact copy."
                )
        return path

    @property
    def version(self) -> str:
        """Short string identifying these exact weights, for cache keys."""
        return f"{self.name}@{(self.sha256 or 'unverified')[:16]}"


class WeightsEnum(Enum):
    """Base for per-model enums of ``Weights``; members expose its fields."""

    @classmethod
    def from_name(cls, name: str) -> "WeightsEnum":
        for member in cls:
            if member.name == name or member.value.name == name:
                return member
        known = ", ".join(m.name for m in cls)
        raise ValueError(f"unknown weights '{name}' for {cls.__name__}; known: {known}")

    @classmethod
    def resolve(cls, weights: "WeightsEnum | str") -> "WeightsEnum":
        """A member given itself, its name ("DEFAULT" included) or its weight set's name;
        ``InputError`` listing the known ones otherwise."""
        if isinstance(weights, cls):
            return weights
        if weights in cls.__members__:  # includes aliases such as DEFAULT
            return cls[weights]
        try:
            return cls.from_name(weights)
        except ValueError as exc:
            from artify_core.errors import InputError

            raise InputError(str(exc)) from None

    def __getattr__(self, item: str) -> Any:
        # Enum members carry a Weights value; expose its attributes directly,
        # as torchvision does (``Raft_Large_Weights.DEFAULT.transforms``).
        if item.startswith("_"):
            raise AttributeError(item)
        return getattr(self.value, item)


def weights_home() -> Path:
    """Directory searched for user-provided weight files (air-gapped installs).

    ``ARTIFY_WEIGHTS_DIR`` when set, else torch's hub cache (``TORCH_HOME``).
    """
    explicit = environment().weights_dir
    if explicit is not None:
        return explicit.expanduser()
    torch_home = os.environ.get("TORCH_HOME", os.path.join(os.path.expanduser("~"), ".cache", "torch"))
    return Path(torch_home) / "hub" / "checkpoints"


def torchvision_member(enum: Any, name: str) -> Any:
    """The member ``name`` ("DEFAULT", "C_T_V2" …) of a torchvision weights enum; ``InputError`` listing them otherwise."""
    try:
        return enum[name]
    except KeyError:
        from artify_core.errors import InputError

        known = ", ".join(enum.__members__)
        raise InputError(f"unknown weights {name!r} for {enum.__name__}; known: {known}") from None


def torchvision_state_dict(member: Any, *, setting: str, label: str, alternative: str,
                           verify: bool = True, download: bool = True) -> dict[str, Any]:
    """The state dict of a torchvision weights enum member, for machines with or without network.

    Looked up in order: the file named by the environment ``setting`` (a field of
    ``ArtifyEnvironment``, e.g. "vgg19_weights" for ``$ARTIFY_VGG19_WEIGHTS``; alone when set: an
    explicit choice is not second-guessed), ``weights_home()`` (``$ARTIFY_WEIGHTS_DIR``
    or torch hub's checkpoint cache), torch hub's checkpoint cache, then (with
    ``download``) a download into that cache. Raises ``WeightsUnavailableError``
    naming both ways to provide the file, and ``alternative`` (what works without
    it), when none works. A copied file is checked against the digest prefix in
    torchvision's file name (``verify=False`` for your own checkpoint).
    """
    import torch

    env_var = variable(setting)
    file_name = Path(member.url).name
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    how = (f"Either allow the download of {member.url} into the torch cache ({cache}), or copy that file to "
           f"this machine and set ${env_var} to its path (or put it in $ARTIFY_WEIGHTS_DIR); or {alternative}.")
    explicit = getattr(environment(), setting)
    if explicit is not None:
        path = explicit.expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(f"${env_var} names {path}, which is not a file. " + how)
        return _load_checked(path, file_name, verify)
    for directory in dict.fromkeys([weights_home(), cache]):
        if (directory / file_name).is_file():
            return _load_checked(directory / file_name, file_name, verify)
    if not download:
        raise WeightsUnavailableError(f"{label} weights {file_name} were not found in {weights_home()} or {cache}, "
                                      "and downloading is off. " + how)
    try:
        return member.get_state_dict(progress=False, check_hash=verify)
    except (OSError, RuntimeError) as exc:  # URLError is an OSError
        raise WeightsUnavailableError(f"{label} weights {file_name} could not be downloaded "
                                      f"({exc.__class__.__name__}: {exc}). " + how) from exc


def digest_prefix(member: Any) -> str:
    """The first hex digits of the weights file's sha256, as torchvision's file names carry them
    (``vgg19-dcbb9e9d.pth``): what a loaded file is checked against, and its identity in cache keys."""
    return Path(member.url).name.rsplit("-", 1)[-1].split(".")[0]


def normalization(member: Any) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) of the input normalisation the weights were trained with, read from their transforms."""
    transform = member.transforms()
    return tuple(transform.mean), tuple(transform.std)


def _load_checked(path: Path, file_name: str, verify: bool) -> dict[str, Any]:
    import torch

    # torchvision's file names end in the first hex digits of the file's sha256,
    # which torch.hub checks on download; check a hand-copied file the same way.
    expected = file_name.rsplit("-", 1)[-1].split(".")[0]
    if verify:
        digest = file_digest(path)
        if not digest.startswith(expected):
            raise WeightsUnavailableError(
                f"{path}: sha256 {digest[:12]}… does not start with {expected}, the digest prefix of "
                f"{file_name}; copy an intact {file_name} (or pass verify=False for your own checkpoint)."
            )
    return torch.load(path, map_location="cpu", weights_only=True)
