"""Command-line flags generated from the settings models (``artify_core.settings``).

Each option's flag, type, choices, metavar and help come from its one
definition; the parsed flags become the nested request, which the model
validates, so the CLI, the flows and the Prefect form accept exactly the same
values. Only flags the user gave are passed on: every default is the model's.
"""

from __future__ import annotations

import argparse
import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel

from artify_core.settings import FolderRequest, Leaf, OptionGroup, PreviewRequest, VideoRequest, leaves, parse_request


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line, as Artify's other input errors are (exit code 2)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"artify: error: {message} (see `{self.prog} --help`)\n")


def add_options(parser: argparse.ArgumentParser, model: type[BaseModel], *, only: set[str] | None = None,
                defaults: dict[str, Any] | None = None) -> None:
    """Adds one argument per option of ``model`` (or of the dotted paths in ``only``), grouped as
    the model groups them; ``defaults`` overrides a default for this command alone."""
    sections: dict[str, argparse._ArgumentGroup] = {}
    for leaf in leaves(model):
        path = ".".join(leaf.path)
        if only is not None and path not in only:
            continue
        target: Any = parser
        if len(leaf.path) > 1:
            group = model.model_fields[leaf.path[0]].annotation
            title = group.model_config.get("title") or leaf.path[0]
            target = sections.get(title) or sections.setdefault(title, parser.add_argument_group(title.lower()))
        default = (defaults or {}).get(path, None if leaf.field.is_required()
                                       else leaf.field.get_default(call_default_factory=True))
        _add(target, leaf, path, default)


def _add(target: Any, leaf: Leaf, dest: str, default: Any) -> None:
    kind, many, choices = _describe(leaf.field.annotation)
    spec: dict[str, Any] = {"help": _help(leaf, default, kind)}
    if choices:
        spec["choices"] = choices
    elif kind is not bool:
        spec["metavar"] = leaf.cli.metavar or leaf.path[-1].upper()
    if leaf.flag is None:
        target.add_argument(dest, type=kind, **spec)
        return
    spec["dest"], spec["default"] = dest, argparse.SUPPRESS
    if kind is bool:
        spec["action"] = argparse.BooleanOptionalAction
    else:
        spec["type"] = kind
        if many:
            spec["action"] = "append"
    target.add_argument(leaf.flag, **spec)


def _describe(annotation: Any) -> tuple[type, bool, list[str] | None]:
    """(scalar type, repeatable?, choices) of a field's annotation."""
    annotation = _strip(annotation)
    many = typing.get_origin(annotation) is list
    if many:
        annotation = _strip(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is Literal:
        return str, many, [str(choice) for choice in typing.get_args(annotation)]
    return annotation, many, None


def _strip(annotation: Any) -> Any:
    """``Optional[X]`` → X; ``Annotated[X, ...]`` → X."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
    return annotation


def _help(leaf: Leaf, default: Any, kind: type) -> str:
    text = (leaf.field.description or leaf.field.title or "").rstrip(".")
    notes = []
    if leaf.flag is not None and typing.get_origin(_strip(leaf.field.annotation)) is list:
        notes.append("repeat for several")
    if default not in (None, [], (), "") and not (kind is bool and default is False):
        notes.append(f"default: {('on' if default else 'off') if kind is bool else default}")
    return (text + (f" ({'; '.join(notes)})" if notes else "")).replace("%", "%%")


def flag_of(path: str) -> str:
    """The flag of the option at settings ``path`` (``schedule.schedule`` → ``--schedule``), for
    naming it in messages; the path itself for one no command has."""
    for model in (VideoRequest, FolderRequest, PreviewRequest):
        for leaf in leaves(model):
            if ".".join(leaf.path) == path:
                return leaf.label
    return path


def request_from(args: argparse.Namespace, model: type[OptionGroup], **extra: Any) -> Any:
    """The validated request from parsed flags (plus ``extra`` values set by the command);
    ``InputError`` naming the flag on a bad value."""
    data: dict[str, Any] = {}
    for key, value in {**vars(args), **extra}.items():
        path = key.split(".")
        if path[0] not in model.model_fields:
            continue
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return parse_request(model, data, name_of=lambda leaf: leaf.label)
