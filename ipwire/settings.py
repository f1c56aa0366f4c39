"""Settings types of the stages, kept on the ground floor so configuration can build and validate
them without importing the stages themselves (arrows point downward only)."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from ipwire.ids import outlet_from_url


@dataclass(frozen=True)
class DedupSettings:
    """Thresholds and sizes of the dedup stage; defaults are what the evaluation measured.

    Changing a fingerprint setting (num_perm, bands, shingle_size, sentence or story key
    sizes) changes ``params()``; rows built with other params are ignored until re-persisted.
    """

    num_perm: int = 128  # MinHash permutations (verification of a candidate copy)
    shingle_size: int = 3  # words per shingle
    # containment of the smaller text's shingles in the other's to call it a copy ("shares
    # most wording"); estimated from MinHash, and counted exactly from both texts when the
    # estimate is within near_verify_band of it (MinHash is +-0.05 off at 128 permutations)
    near_threshold: float = 0.5
    near_verify_band: float = 0.2
    # in that exact count, lines shorter than this (words) found in both texts are site
    # chrome (menus, related links, by-lines), not shared wording
    chrome_line_words: int = 15
    # ... and without their quoted speech the two must still share this much (once the
    # smaller has near_unquoted_min_shingles): reports quoting one statement share only it
    near_unquoted_min: float = 0.3
    near_unquoted_min_shingles: int = 20
    min_shingles: int = 8  # texts shorter than this are only matched exactly
    # Candidate keys: the shingles whose hash is 0 modulo sample_mod (the same shingles are
    # sampled in every text, so a text sharing half its shingles shares about half its keys),
    # at most max_sample_keys of them (the smallest hashes).
    sample_mod: int = 8
    max_sample_keys: int = 40
    # A sampled shingle in more than near_df_share of the stored texts (once above
    # near_df_floor, and always above near_df_cap) is chrome or a stock phrase: not used.
    near_df_share: float = 0.05
    near_df_floor: int = 25
    near_df_cap: int = 1000
    # A copy must also share this share of the smaller of the two texts' sampled shingles (at
    # least two): shared chrome alone can push the containment of a short text over the threshold.
    near_min_key_share: float = 0.3
    max_near_candidates: int = 64  # candidates verified per article
    # A copy is a copy of one publication: texts dated further apart than this (published
    # date, else a date in the text's first lines) are never duplicates, however alike.
    dup_max_days: int = 3
    story_threshold: float = 0.22  # cosine of IDF-weighted story keys to join a story
    story_threshold_untopical: float = 0.55  # the same when either side has no topic
    # ... and its mean score over the members of the story it joins (average linkage);
    # chosen on story-key half A of the labelled set, checked on half B (eval_dedup.py)
    story_mean_threshold: float = 0.15
    # estimated containment of shared word shingles that links two reports with topics as
    # story siblings on weak story keys (a rewrite, or a copy dated days apart)
    story_text_threshold: float = 0.25
    story_text_key_floor: float = 0.1  # ... when they share at least this story-key cosine
    story_window_days: int = 30
    # relevance within this margin of the classifier's cut counts as undecided (no topics)
    relevance_cut: float = 0.5
    relevance_margin: float = 0.1  # reports further apart never share a story
    max_story_keys: int = 64  # names, places, numbers kept per article (first seen first)
    max_quote_keys: int = 12  # four-word windows of quoted speech kept per article
    story_df_share: float = 0.05  # keys in more than this share of articles are ignored ...
    story_df_floor: int = 25  # ... once they are in more than this many articles
    max_story_candidates: int = 64
    # articles re-clustered together at most (the connected stories around a batch)
    story_max_component: int = 2000
    # At the end of a run, a warehouse of at most this many articles is re-clustered whole
    # (exactly the same stories whatever the order or runs the articles came in); a larger
    # one only around the run's articles and their closest stored candidates.
    full_recluster_max: int = 20000

    def params(self) -> str:
        """The fingerprint-relevant settings as a string stored with each signature row."""
        return (
            f"v2;p{self.num_perm};k{self.shingle_size};"
            f"m{self.sample_mod}/{self.max_sample_keys};"
            f"e{self.max_story_keys};q{self.max_quote_keys}"
        )


def split_hosts(text: str) -> tuple[str, ...]:
    """A comma-separated host list as a tuple of trimmed names."""
    return tuple(h.strip() for h in text.split(",") if h.strip())


def _package_version() -> str:
    try:
        return metadata.version("ipwire")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


@dataclass(frozen=True)
class HttpSettings:
    """Every HTTP knob in one place, with defaults that are polite to publishers.

    `user_agent` is built from the version and `contact_url` when not given; operators should set
    `contact_url` to a page or mailbox where a site owner can reach them.
    """

    allow_hosts: tuple[str, ...] = ()  # names, addresses or networks exempt from the address guard
    # hosts honoured as one publisher for rel=canonical (beyond the same registrable domain)
    canonical_aliases: tuple[str, ...] = ()
    backoff_base_s: float = 1.0  # first retry waits about this long, doubling each time
    backoff_cap_s: float = 30.0  # no single backoff wait is longer than this
    connect_timeout_s: float = 5.0
    contact_url: str = "https://ipwire.invalid/contact"
    max_bytes: int = 10_000_000  # bodies larger than this (after decompression) are abandoned
    # entries fetched per feed per run; the rest wait for the next run (they stay unseen)
    max_entries_per_feed: int = 200
    max_redirects: int = 5
    max_retry_after_s: float = 120.0  # a longer Retry-After ends the fetch as `temporary`
    per_host_delay_s: float = 1.0  # minimum gap between two requests to the same host
    read_timeout_s: float = 15.0  # longest silence while waiting for bytes
    respect_robots: bool = True
    retries: int = 2  # extra attempts for 429/5xx/timeouts/connection errors only
    robots_ttl_s: float = 86_400.0
    total_timeout_s: float = 60.0  # one attempt (all hops) may not take longer than this
    user_agent: str | None = None
    verify_tls: bool = True

    def __post_init__(self) -> None:
        for name in ("allow_hosts", "canonical_aliases"):
            value = getattr(self, name)
            hosts = split_hosts(value) if isinstance(value, str) else tuple(value)
            object.__setattr__(self, name, hosts)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_s") or f.name in (
                "max_bytes",
                "max_redirects",
                "retries",
                "max_entries_per_feed",
            ):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"http.{f.name} must be a number, got {value!r}")
                if value < 0:
                    raise ValueError(f"http.{f.name} must be >= 0, got {value!r}")
        for name in ("connect_timeout_s", "read_timeout_s", "total_timeout_s", "max_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"http.{name} must be > 0")

    @property
    def effective_user_agent(self) -> str:
        return self.user_agent or f"ipwire/{_package_version()} (+{self.contact_url})"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> HttpSettings:
        """Settings from a config table (e.g. `[http]` in ipwire.toml); unknown keys are errors."""
        valid = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - valid)
        if unknown:
            raise ValueError(
                f"unknown http setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(valid))}"
            )
        return cls(**dict(values))


# --------------------------------------------------------------------------- feed list

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
FEED_KEYS = ("name", "url", "outlet", "country", "language", "retired")


class FeedListError(ValueError):
    """The feed list is missing or invalid; the message names every problem found."""


@dataclass(frozen=True)
class FeedConfig:
    """One configured feed: `[[feeds]]` in ipwire.toml."""

    name: str
    url: str
    outlet: str | None = None  # defaults to the feed's host without www.
    country: str | None = None  # ISO 3166-1 alpha-2, upper case (IN, PK, ...)
    language: str | None = None  # BCP 47 tag (en, ur, hi, en-IN, ...)
    retired: bool = False  # kept for its history, no longer fetched or reported as stale


def http_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL with a usable host and port, or None.

    A scheme other than http/https (javascript:, file:, data: ...), a bracketed host that is
    not an IPv6 address, a port that is not a number in 1-65535, white space or control
    characters: each is a problem here rather than an exception deep inside a fetch.
    """
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "contains white space or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        if str(exc) == "Invalid IPv6 URL":
            return "has an IPv6 host without its closing ']' (e.g. http://[2001:db8::1]/feed)"
        return f"does not parse: {exc}"
    try:
        port = parts.port
    except ValueError:
        shown = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[-1]
        return f"has port {shown!r}: a port must be a number from 1 to 65535"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http(s) URL"
    host = parts.hostname
    if not host:
        return "has no host"
    if "[" in parts.netloc.rsplit("@", 1)[-1]:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"has a bracketed host {host!r} that is not an IPv6 address"
    if port == 0:
        return "has port '0': a port must be a number from 1 to 65535"
    return None


def feed_problems(raw: Any, *, source: str = "config") -> tuple[list[FeedConfig], list[str]]:
    """The valid `FeedConfig`s of a `[[feeds]]` array and every problem found, each naming
    the file, the entry (by position and name) and what is allowed."""
    if not isinstance(raw, list):
        return [], [f"{source}: 'feeds' must be an array of tables ([[feeds]])"]
    problems: list[str] = []
    feeds: list[FeedConfig] = []
    names: dict[str, int] = {}
    urls: dict[str, int] = {}
    for i, item in enumerate(raw, start=1):
        where = f"{source}: feeds[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be a table")
            continue
        unknown = sorted(set(item) - set(FEED_KEYS))
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; valid: {FEED_KEYS}")
        values = {k: item.get(k) for k in FEED_KEYS}
        retired = values.pop("retired")
        if retired is not None and not isinstance(retired, bool):
            problems.append(f"{where}.retired must be true or false, got {retired!r}")
            retired = None
        for key, value in values.items():
            if value is not None and not isinstance(value, str):
                problems.append(f"{where}.{key} must be a string, got {type(value).__name__}")
                values[key] = None
        name = (values["name"] or "").strip()
        url = (values["url"] or "").strip()
        if not name:
            problems.append(f"{where}.name is required")
        elif name in names:
            problems.append(f"{where}.name {name!r} repeats feeds[{names[name]}]")
        else:
            names[name] = i
        named = f" (feed {name!r})" if name else ""
        problem = http_url_problem(url) if url else None
        if not url:
            problems.append(f"{where}.url is required{named}")
        elif problem:
            problems.append(f"{where}.url {url!r} {problem}{named}")
        elif url in urls:
            problems.append(f"{where}.url {url!r} repeats feeds[{urls[url]}]")
        else:
            urls[url] = i
        country = values["country"]
        if country is not None and not _COUNTRY.match(country):
            problems.append(f"{where}.country {country!r} must be two capital letters, e.g. 'IN'")
        language = values["language"]
        if language is not None and not _LANGUAGE.match(language):
            problems.append(f"{where}.language {language!r} must be a tag like 'en' or 'en-IN'")
        if problem is None:
            outlet = (values["outlet"] or "").strip() or outlet_from_url(url)
            feeds.append(FeedConfig(name, url, outlet, country, language, bool(retired)))
    return feeds, problems


def feed_configs_from(data: Mapping[str, Any], *, source: str = "config") -> list[FeedConfig]:
    """`FeedConfig`s from an already-read config mapping; other top-level keys are ignored."""
    feeds, problems = feed_problems(data.get("feeds", []), source=source)
    if problems:
        if len(problems) == 1 and "array of tables" in problems[0]:
            raise FeedListError(problems[0])
        raise FeedListError("invalid feed list:\n  " + "\n  ".join(problems))
    return feeds
