"""Settings: packaged commented defaults, overlaid by the user's ipwire.toml, validated at load.

A key the user file omits keeps its default. Everything wrong with the files is collected and
reported in one ConfigError, one line per problem naming the file, ``[section].key``, the value
and what is allowed: an unknown section or key, a value of the wrong type, a number outside
its bounds (every numeric setting has them, in ``BOUNDS``), a feed that cannot be used, a file
that is not UTF-8 or not TOML. Settings that switch a safety off load, with a warning logged
once and listed by ``ipwire config show``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipwire.settings import DedupSettings, HttpSettings, feed_problems, split_hosts

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
USER_FILE_ENV = "IPWIRE_CONFIG"
ALLOW_HOSTS_ENV = "IPWIRE_ALLOW_HOSTS"
log = logging.getLogger("ipwire.config")


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid; the message lists every problem."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        n = len(self.problems)
        head = "invalid configuration" if n == 1 else f"invalid configuration ({n} problems)"
        super().__init__(head + ":\n  " + "\n  ".join(self.problems))


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
    max_chars: int = 5_000_000  # characters of decoded text in one document
    max_seconds: float = 30.0  # wall time to clean one document


@dataclass
class ClassifySettings:
    taxonomy: str = ""  # empty = the packaged ipwire/taxonomy.toml


@dataclass
class DeskSettings:
    # folder each run writes the last seven days' HTML report to; empty = no report
    report_folder: str = ""


@dataclass
class WarehouseSettings:
    # where a DuckLake warehouse (--db ducklake:postgres:…) keeps its Parquet files: a folder
    # every worker mounts at the same path, or s3://bucket/prefix; needed once, when the lake
    # is made (the catalog remembers it). Ignored for a .duckdb file.
    data_path: str = ""


# Sections whose settings class is shared with the stage that uses it.
_STAGE_SECTIONS: dict[str, type] = {
    "dedup": DedupSettings,
    "http": HttpSettings,
}
_LOCAL_SECTIONS: dict[str, type] = {
    "sources": SourcesSettings,
    "clean": CleanSettings,
    "classify": ClassifySettings,
    "desk": DeskSettings,
    "warehouse": WarehouseSettings,
}

_SHARE = (0.0, 1.0)
_MANY = 1_000_000_000
# (min, max) of every numeric setting, both inclusive. A new numeric setting needs a row here
# (a test checks that none is missing).
BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "sources": {"batch_size": (1, 100_000), "max_file_bytes": (1, 2_000_000_000)},
    "clean": {
        "min_words": (1, 100_000),
        "workers": (0, 256),
        "max_elements": (1_000, 50_000_000),
        "max_chars": (10_000, 2_000_000_000),
        "max_seconds": (1, 3_600),
    },
    "http": {
        "backoff_base_s": (0, 600),
        "backoff_cap_s": (0, 3_600),
        "connect_timeout_s": (0.1, 600),
        "max_bytes": (1_000, 2_000_000_000),
        "max_entries_per_feed": (1, 100_000),
        "max_redirects": (0, 30),
        "max_retry_after_s": (0, 86_400),
        "per_host_delay_s": (0, 3_600),
        "read_timeout_s": (0.1, 600),
        "retries": (0, 20),
        "robots_ttl_s": (0, 30 * 86_400),
        "total_timeout_s": (0.1, 3_600),
    },
    "dedup": {
        "num_perm": (16, 1_024),
        "shingle_size": (1, 16),
        "near_threshold": (0.01, 1.0),
        "near_verify_band": _SHARE,
        "chrome_line_words": (0, 1_000),
        "near_unquoted_min": _SHARE,
        "near_unquoted_min_shingles": (0, 100_000),
        "min_shingles": (1, 100_000),
        "sample_mod": (1, 1_024),
        "max_sample_keys": (1, 10_000),
        "near_df_share": (0.0001, 1.0),
        "near_df_floor": (0, _MANY),
        "near_df_cap": (1, _MANY),
        "near_min_key_share": _SHARE,
        "max_near_candidates": (1, 10_000),
        "dup_max_days": (0, 3_650),
        "story_threshold": _SHARE,
        "story_threshold_untopical": _SHARE,
        "story_mean_threshold": _SHARE,
        "story_text_threshold": _SHARE,
        "story_text_key_floor": _SHARE,
        "story_window_days": (0, 3_650),
        "relevance_cut": _SHARE,
        "relevance_margin": _SHARE,
        "max_story_keys": (1, 10_000),
        "max_quote_keys": (0, 10_000),
        "story_df_share": (0.0001, 1.0),
        "story_df_floor": (0, _MANY),
        "max_story_candidates": (1, 10_000),
        "story_max_component": (1, 10_000_000),
        "full_recluster_max": (0, 100_000_000),
    },
}
# (section, smaller key, larger key): pairs whose order matters.
_ORDERED = (("http", "backoff_base_s", "backoff_cap_s"),)

# Networks an allow-list entry may not cover whole without a warning.
_PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


@dataclass
class Settings:
    """The effective settings, the files they came from, and the safeties they switch off."""

    sources: SourcesSettings
    clean: CleanSettings
    classify: ClassifySettings
    desk: DeskSettings
    warehouse: WarehouseSettings
    dedup: DedupSettings
    http: HttpSettings
    feeds: list[dict[str, Any]]
    files: list[str]
    warnings: list[str] = field(default_factory=list)  # safeties the settings switch off

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in (*_LOCAL_SECTIONS, *_STAGE_SECTIONS):
            section = getattr(self, name)
            out[name] = dataclasses.asdict(section) if dataclasses.is_dataclass(section) else {}
        out["feeds"] = self.feeds
        out["warnings"] = self.warnings
        return out


def _section_class(name: str) -> type:
    return _LOCAL_SECTIONS.get(name) or _STAGE_SECTIONS[name]


def numeric_keys(name: str) -> list[str]:
    """The int and float settings of one section (what BOUNDS must cover)."""
    hints = typing.get_type_hints(_section_class(name))
    return [
        f.name for f in dataclasses.fields(_section_class(name)) if hints[f.name] in (int, float)
    ]


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin in (list, tuple):
        item = (typing.get_args(hint) or (Any,))[0]
        if origin is tuple and isinstance(value, str):
            return True  # a comma-separated list
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


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(h) for h in typing.get_args(hint) if h is not type(None)]
        return " or ".join(names)
    if origin is tuple:
        return "a list of strings (or one comma-separated string)"
    if origin is list:
        return "a list of strings"
    return {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}.get(
        hint, str(hint)
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _number(n: float) -> str:
    return f"{n:,}" if isinstance(n, int) or float(n).is_integer() and abs(n) >= 1000 else f"{n:g}"


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    """One file's tables; what is wrong with the file itself is added to ``problems``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(f"config file {path} does not exist")
        return {}
    except OSError as exc:
        problems.append(f"config file {path} cannot be read: {exc.strerror or exc}")
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(
            f"{path}: not valid UTF-8 at line {line}, column {column} "
            f"(byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        )
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML: {exc}")
        return {}


def user_config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """An explicit file, else IPWIRE_CONFIG, else ./ipwire.toml when it exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(USER_FILE_ENV):
        return Path(os.environ[USER_FILE_ENV])
    local = Path("ipwire.toml")
    return local if local.exists() else None


def _check_value(section: str, key: str, value: Any, hint: Any) -> str | None:
    """What is wrong with one value (type, bounds, entries), or None."""
    bounds = BOUNDS.get(section, {}).get(key)
    allowed = f"{_number(bounds[0])} to {_number(bounds[1])}" if bounds else ""
    if not _type_ok(value, hint):
        return f"must be {_type_name(hint)}" + (f" from {allowed}" if bounds else "")
    if bounds is not None and not bounds[0] <= value <= bounds[1]:  # NaN fails both
        return f"is out of bounds: allowed {allowed}"
    if section == "sources" and key == "extensions":
        bad = [e for e in value if not (e.startswith(".") and len(e) > 1)]
        if bad:
            return f"entries {bad!r} must be file endings starting with a dot, e.g. '.txt'"
    if section == "http" and key in ("allow_hosts", "canonical_aliases"):
        entries = split_hosts(value) if isinstance(value, str) else value
        bad = [e for e in entries if "/" in e and not _is_network(e)]
        if bad:
            return f"entries {bad!r} are not networks (e.g. '10.1.0.0/16')"
    return None


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry.strip().strip("[]"), strict=False)
    except ValueError:
        return False
    return True


def _overlay(
    layers: list[tuple[Path, dict[str, Any]]], problems: list[str]
) -> tuple[dict[str, dict[str, tuple[Any, str]]], list[dict[str, Any]], str]:
    """Each section's values with the file each came from; every problem found is listed."""
    merged: dict[str, dict[str, tuple[Any, str]]] = {}
    feeds: list[dict[str, Any]] = []
    feeds_origin = str(DEFAULTS_FILE)
    valid = sorted([*_LOCAL_SECTIONS, *_STAGE_SECTIONS, "feeds"])
    for path, data in layers:
        origin = str(path)
        for section, values in data.items():
            if section == "feeds":
                feeds, feeds_origin = values, origin  # a user feed list replaces the default
                continue
            if section not in valid:
                problems.append(
                    f"{origin}: unknown section [{section}]; valid sections: {', '.join(valid)}"
                )
                continue
            if not isinstance(values, dict):
                problems.append(f"{origin}: [{section}] must be a table, got {_show(values)}")
                continue
            cls = _section_class(section)
            hints = typing.get_type_hints(cls)
            fields = sorted(f.name for f in dataclasses.fields(cls))
            for key, value in values.items():
                where = f"{origin}: [{section}].{key}"
                if key not in fields:
                    problems.append(
                        f"{origin}: unknown key [{section}].{key}; valid keys: {', '.join(fields)}"
                    )
                    continue
                problem = _check_value(section, key, value, hints[key])
                if problem:
                    problems.append(f"{where} = {_show(value)} {problem}")
                else:
                    merged.setdefault(section, {})[key] = (value, origin)
    return merged, feeds, feeds_origin


def _check_order(merged: dict[str, dict[str, tuple[Any, str]]], problems: list[str]) -> None:
    for section, small, large in _ORDERED:
        values = merged.get(section, {})
        cls = _section_class(section)
        lo = values.get(small, (getattr(cls, small), str(DEFAULTS_FILE)))
        hi = values.get(large, (getattr(cls, large), str(DEFAULTS_FILE)))
        if lo[0] > hi[0]:
            origin = lo[1] if small in values else hi[1]
            problems.append(
                f"{origin}: [{section}].{small} = {_show(lo[0])} must not exceed "
                f"[{section}].{large} = {_show(hi[0])}"
            )


def safety_warnings(settings: Settings, origins: dict[str, str] | None = None) -> list[str]:
    """One line per setting that switches a safety off (the run still starts)."""
    origins = origins or {}
    http = settings.http
    out: list[str] = []

    def at(key: str) -> str:
        return f"{origins.get(key, 'config')}: [http].{key}"

    entries = [(e, at("allow_hosts")) for e in http.allow_hosts]
    entries += [(e, ALLOW_HOSTS_ENV) for e in split_hosts(os.environ.get(ALLOW_HOSTS_ENV, ""))]
    for entry, where in entries:
        try:
            net = ipaddress.ip_network(entry.strip().strip("[]"), strict=False)
        except ValueError:
            continue
        if net.prefixlen == 0:
            out.append(
                f"{where} contains {entry!r}: the private-address guard is off for every "
                f"IPv{net.version} address (loopback, private, cloud metadata included)"
            )
            continue
        covered = [r for r in _PRIVATE_RANGES if r.version == net.version and net.supernet_of(r)]
        if covered:
            names = ", ".join(str(r) for r in covered)
            out.append(
                f"{where} contains {entry!r}: the whole private range {names} may be fetched"
            )
    if not http.respect_robots:
        out.append(f"{at('respect_robots')} = false: robots.txt is not honoured")
    if not http.verify_tls:
        out.append(
            f"{at('verify_tls')} = false: TLS certificates are not checked; "
            "any server can pose as a publisher"
        )
    return out


_WARNED: set[str] = set()


def _log_once(warnings: list[str]) -> None:
    for line in warnings:
        if line not in _WARNED:
            _WARNED.add(line)
            log.warning("configuration: %s", line)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Defaults overlaid by the user file (keys it omits keep their defaults).

    Raises one ConfigError listing every problem in the files; logs (once per process) and
    returns in ``Settings.warnings`` the settings that switch a safety off.
    """
    problems: list[str] = []
    files = [str(DEFAULTS_FILE)]
    layers = [(DEFAULTS_FILE, _read_toml(DEFAULTS_FILE, problems))]
    user = user_config_path(path)
    if user is not None:
        layers.append((user, _read_toml(user, problems)))
        files.append(str(user))
    merged, feeds, feeds_origin = _overlay(layers, problems)
    _check_order(merged, problems)
    _, feed_list_problems = feed_problems(feeds, source=feeds_origin)
    problems += feed_list_problems
    built: dict[str, Any] = {}
    for name in (*_LOCAL_SECTIONS, *_STAGE_SECTIONS):
        values = {k: v for k, (v, _) in merged.get(name, {}).items()}
        try:
            built[name] = _section_class(name)(**values)
        except (TypeError, ValueError) as exc:
            problems.append(f"[{name}]: {exc}")
    if problems:
        raise ConfigError(problems)
    settings = Settings(feeds=list(feeds), files=files, **built)
    origins = {k: origin for k, (_, origin) in merged.get("http", {}).items()}
    settings.warnings = safety_warnings(settings, origins)
    _log_once(settings.warnings)
    return settings
