"""One registry helper for every extension point: models (``models``, ``models.bases``),
the arbitrary model's backends, Gatys backbones, mask sources, flow estimators, frame ops
and stores (keyed by URI scheme).

Entries are builders registered under the name users type. A builder may be
given as ``"module:function"`` so that listing the names (for ``--help``, the
Prefect form's drop-downs, validation) imports nothing heavy; the module is
imported on first use. Options are the builder's keyword-only parameters, read
from its signature, as torchvision's ``get_model(name, **config)`` does.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterator, Mapping, TypeVar

from artify_core.errors import InputError

T = TypeVar("T")


def resolve(target: Callable[..., T] | str) -> Callable[..., T]:
    """``target`` itself, or the attribute a ``"module:attribute"`` string names, its module imported now."""
    if isinstance(target, str):
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)
    return target


@dataclass
class Entry(Generic[T]):
    """A registered builder and what is known about it without building it."""

    name: str
    target: Callable[..., T] | str
    summary: str = ""
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def builder(self) -> Callable[..., T]:
        self.target = resolve(self.target)
        return self.target


class Registry(Generic[T]):
    """Named builders of one kind of thing (``kind`` names it in error messages)."""

    def __init__(self, kind: str, *, extends: "Registry[T] | None" = None) -> None:
        """``extends``: a registry whose entries this one starts with (a lower layer's, which cannot
        import this one back: e.g. the models a composite model may build on)."""
        self.kind = kind
        self._entries: dict[str, Entry[T]] = dict(extends._entries) if extends is not None else {}

    def register(self, name: str, target: Callable[..., T] | str, *, summary: str = "",
                 **extras: Any) -> None:
        """Adds ``target`` (a builder, or ``"module:function"``) under ``name``; ``extras``
        are facts callers may need before building (a version function, capabilities)."""
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = Entry(name, target, summary, extras)

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def entry(self, name: str) -> Entry[T]:
        """The entry for ``name``; ``InputError`` listing the known names otherwise."""
        try:
            return self._entries[name]
        except KeyError:
            raise InputError(f"unknown {self.kind} {name!r}; choose from {', '.join(self._entries)}") from None

    def extra(self, name: str, key: str, default: Any = None) -> Any:
        return self.entry(name).extras.get(key, default)

    def options(self, name: str) -> dict[str, inspect.Parameter]:
        """The builder's keyword-only parameters: the options it accepts."""
        signature = inspect.signature(self.entry(name).builder)
        return {p.name: p for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY}

    def build(self, name: str, /, **options: Any) -> T:
        """``builder(**options)``; ``InputError`` naming an option the builder does not take."""
        entry = self.entry(name)
        accepted = self.options(name)
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD
                        for p in inspect.signature(entry.builder).parameters.values())
        unknown = sorted(set(options) - set(accepted)) if not takes_any else []
        if unknown:
            raise InputError(f"{self.kind} {name!r} takes no option {unknown[0]!r}; "
                             f"its options: {', '.join(accepted) or 'none'}")
        return entry.builder(**options)
