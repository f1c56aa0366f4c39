"""The web stage: polite HTTP fetching, feed parsing, and which feeds and pages to fetch."""

from ipwire.settings import FeedConfig, FeedListError, HttpSettings, feed_configs_from
from ipwire.tasks.web.feed_xml import (
    MAX_ENTITY_DECLARATIONS,
    MAX_ENTITY_EXPANSION,
    defuse_entities,
    entity_risk,
)
from ipwire.tasks.web.feeds import (
    ParsedEntry,
    ParsedFeed,
    html_to_text,
    load_feed_list,
    parse_feed,
    sanitize_html,
)
from ipwire.tasks.web.fetcher import Fetcher, fetch
from ipwire.tasks.web.guard import (
    ALLOW_HOSTS_ENV,
    AddressRefused,
    AllowList,
    GuardedBackend,
    address_refusal,
)
from ipwire.tasks.web.media import (
    FEED_TYPES,
    PAGE_TYPES,
    looks_like_xml_feed,
    media_type,
    parse_retry_after,
    type_accepted,
)
from ipwire.tasks.web.outcome import FetchOutcome, FetchStatus
from ipwire.tasks.web.pages import (
    FAILURE_WEIGHT,
    MIN_FALLBACK_WORDS,
    EntrySeen,
    FeedUpdate,
    Stored,
    WebBatch,
    article_id_for,
    entry_key,
    next_check,
    read_entry,
    read_feed,
    read_url,
)

__all__ = [
    "ALLOW_HOSTS_ENV",
    "FAILURE_WEIGHT",
    "FEED_TYPES",
    "MAX_ENTITY_DECLARATIONS",
    "MAX_ENTITY_EXPANSION",
    "MIN_FALLBACK_WORDS",
    "PAGE_TYPES",
    "AddressRefused",
    "AllowList",
    "EntrySeen",
    "FeedConfig",
    "FeedListError",
    "FeedUpdate",
    "FetchOutcome",
    "FetchStatus",
    "Fetcher",
    "GuardedBackend",
    "HttpSettings",
    "ParsedEntry",
    "ParsedFeed",
    "Stored",
    "WebBatch",
    "address_refusal",
    "article_id_for",
    "defuse_entities",
    "entity_risk",
    "entry_key",
    "feed_configs_from",
    "fetch",
    "html_to_text",
    "load_feed_list",
    "looks_like_xml_feed",
    "media_type",
    "next_check",
    "parse_feed",
    "parse_retry_after",
    "read_entry",
    "read_feed",
    "read_url",
    "sanitize_html",
    "type_accepted",
]
