"""Reading a user's YAML safely: the one loader for every configuration file a user writes
(study files, instrument codebooks, aspiration dictionaries, the portfolio's first look).

YAML can make a small file grow without bound (aliases of aliases, the "billion laughs"),
nest deep enough to exhaust the parser's stack, and resolve a repeated key silently to its
last value. :func:`load_yaml` refuses each with a located problem before it costs memory:

1. the file's size is checked before it is read (``MAX_BYTES``);
2. the parser's event stream is scanned for nesting depth and aliases (``MAX_DEPTH``,
   ``MAX_ALIASES``), without building anything;
3. the composed node graph is checked for repeated keys (each named with both lines), for
   aliases that contain themselves, and for its size with every alias expanded
   (``MAX_NODES``), counted once per node so that a bomb costs linear time to detect;
4. only then are Python values built. A date that does not exist (``2026-13-45``) stays the
   text it was, so validation names its key instead of the parser failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError, Problem

__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "load_yaml"]

#: Largest configuration file, in bytes (a study file is a few kilobytes).
MAX_BYTES = 2 << 20
#: Deepest nesting of mappings and lists (a study file nests four levels).
MAX_DEPTH = 64
#: Most aliases (``*name``) in one file.
MAX_ALIASES = 256
#: Most values once every alias is expanded.
MAX_NODES = 500_000

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: faster


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """The safe loader, with dates that do not exist kept as text."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:  # 2026-13-45: validation names the key and what a date looks like
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _problem(code: str, file: Path, **fields: Any) -> ConfigError:
    return ConfigError([Problem(code, file=str(file), **fields)], "The file cannot be read")


def _read_text(path: Path, max_bytes: int) -> str:
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _problem(
            "config_too_large",
            path,
            value=f"more than {max_bytes:,} bytes",
            expected=f"at most {max_bytes:,} bytes",
        )
    return raw.decode("utf-8")


def _scan_events(text: str, path: Path) -> None:
    """Depth and aliases from the parser's events, stopping at the first excess."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_complex(path, event, f"more than {MAX_DEPTH} levels of nesting")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _too_complex(path, event, f"more than {MAX_ALIASES} aliases (*name)")


def _too_complex(path: Path, event: Any, what: str) -> ConfigError:
    mark = getattr(event, "start_mark", None)
    return _problem(
        "config_too_complex",
        path,
        row=None if mark is None else mark.line + 1,
        value=what,
        expected="a plain configuration file",
    )


def _check_nodes(node: yaml.Node, path: Path) -> None:
    """Repeated keys, self-containing aliases and the expanded size, over the node graph."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(current: yaml.Node, where: str) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _too_complex(path, current, f"an alias that contains itself at '{where}'")
        open_nodes.add(key)
        total = 1
        if isinstance(current, yaml.MappingNode):
            _repeated_keys(current, where, path)
            for k, v in current.value:
                total += size(k, where) + size(v, _join(where, k))
        elif isinstance(current, yaml.SequenceNode):
            total += sum(size(v, f"{where}[{i}]") for i, v in enumerate(current.value))
        open_nodes.discard(key)
        sizes[key] = total
        if total > MAX_NODES:
            raise _too_complex(path, current, f"more than {MAX_NODES:,} values once expanded")
        return total

    size(node, "")


def _join(where: str, key: yaml.Node) -> str:
    name = key.value if isinstance(key, yaml.ScalarNode) else "?"
    return f"{where}.{name}" if where else str(name)


def _repeated_keys(mapping: yaml.MappingNode, where: str, path: Path) -> None:
    first: dict[str, int] = {}
    for key, _ in mapping.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        line = key.start_mark.line + 1
        if key.value in first:
            raise _problem(
                "config_key_repeated",
                path,
                row=line,
                column=_join(where, key),
                value=first[key.value],
            )
        first[key.value] = line


def load_yaml(path: Path, *, max_bytes: int = MAX_BYTES) -> Any:
    """The value a user's YAML file holds, read within the limits above.

    Raises
    ------
    ConfigError
        When the file is too large, nests or aliases too much, repeats a key, or is not
        YAML (the line is named).
    OSError, UnicodeDecodeError
        When the file cannot be read as UTF-8 text (the caller words it).
    """
    text = _read_text(path, max_bytes)
    _scan_events(text, path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()
