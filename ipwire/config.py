"""Settings: packaged commented defaults, overlaid by the user's ipwire.toml, validated at load.

A key the user file omits keeps its default; an unknown section or key, or a value of the
wrong type, fails at start-up with the valid choices named. `ipwire config show` prints the
effective values.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipwire.settings import DedupSettings, HttpSettings, feed_configs_from

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
USER_FILE_ENV = "IPWIRE_CONFIG"


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid."""


@dataclass
class SourcesSettings:
    paths: list[str] = field(default_factory=list)
    batch_size: int = 200
    max_file_bytes: int = 20_000_000
    extensions: list[str] = field(
        default_factory=lambda: [".txt", ".md", ".html", ".htm", ".jsonl", ".json"]
    )


@dataclass
class CleanSettings:
    min_words: int = 30
    workers: int = 0  # 0 = one per core, for `ipwire extract`
    # per-document budget: a document over any of these is rejected ("over_budget"), the run goes on
    max_elements: int = 200_000  # HTML elements in one page
    max_seconds: float = 30.0  # wall time to clean one document


@dataclass
class ClassifySettings:
    taxonomy: str = ""  # empty = the packaged ipwire/taxonomy.toml


# Sections whose settings class is shared with the stage that uses it.
_STAGE_SECTIONS: dict[str, type] = {
    "dedup": DedupSettings,
    "http": HttpSettings,
}
_LOCAL_SECTIONS: dict[str, type] = {
    "sources": SourcesSettings,
    "clean": CleanSettings,
    "classify": ClassifySettings,
}


@dataclass
class Settings:
    sources: SourcesSettings
    clean: CleanSettings
    classify: ClassifySettings
    dedup: DedupSettings
    http: HttpSettings
    feeds: list[dict[str, Any]]
    files: list[str]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in (*_LOCAL_SECTIONS, *_STAGE_SECTIONS):
            section = getattr(self, name)
            out[name] = dataclasses.asdict(section) if dataclasses.is_dataclass(section) else {}
        out["feeds"] = self.feeds
        return out


def _section_class(name: str) -> type:
    return _LOCAL_SECTIONS.get(name) or _STAGE_SECTIONS[name]


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _build(cls: type, name: str, values: dict[str, Any], origin: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(
                f"{origin}: unknown key [{name}].{key}; valid keys: {', '.join(sorted(fields))}"
            )
        if not _type_ok(value, hints[key]):
            raise ConfigError(f"{origin}: [{name}].{key} = {value!r} is not of type {hints[key]}")
    return cls(**values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def user_config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """An explicit file, else IPWIRE_CONFIG, else ./ipwire.toml when it exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(USER_FILE_ENV):
        return Path(os.environ[USER_FILE_ENV])
    local = Path("ipwire.toml")
    return local if local.exists() else None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Defaults overlaid by the user file (keys it omits keep their defaults)."""
    merged: dict[str, dict[str, Any]] = {}
    feeds: list[dict[str, Any]] = []
    files = [str(DEFAULTS_FILE)]
    layers = [(DEFAULTS_FILE, _read_toml(DEFAULTS_FILE))]
    user = user_config_path(path)
    if user is not None:
        layers.append((user, _read_toml(user)))
        files.append(str(user))
    valid = sorted([*_LOCAL_SECTIONS, *_STAGE_SECTIONS, "feeds"])
    for origin, data in layers:
        for section, values in data.items():
            if section == "feeds":
                if not isinstance(values, list):
                    raise ConfigError(f"{origin}: feeds must be an array of tables ([[feeds]])")
                feeds = list(values)  # a user feed list replaces the default one
                continue
            if section not in valid:
                raise ConfigError(
                    f"{origin}: unknown section [{section}]; valid sections: {', '.join(valid)}"
                )
            if not isinstance(values, dict):
                raise ConfigError(f"{origin}: [{section}] must be a table")
            merged.setdefault(section, {}).update(values)
            # validate now, so the error names the file at fault
            _build(_section_class(section), section, merged[section], str(origin))
    built: dict[str, Any] = {}
    for name in (*_LOCAL_SECTIONS, *_STAGE_SECTIONS):
        built[name] = _build(_section_class(name), name, merged.get(name, {}), "config")
    try:
        feed_configs_from({"feeds": feeds}, source=files[-1])
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return Settings(feeds=feeds, files=files, **built)
