"""The address guard: which hosts and addresses ipwire may connect to, checked on every dial.

Safety: only http/https; every TCP connection (so every redirect hop and robots.txt fetch)
goes through a guard that resolves the host and refuses loopback, private, link-local,
reserved and cloud-metadata addresses unless the host is allowed by `HttpSettings.allow_hosts`
or the `IPWIRE_ALLOW_HOSTS` environment variable (comma-separated names, addresses or networks).
The address checked is the address connected to, so DNS rebinding cannot slip past the check.

Every stream the guard opens also obeys the current thread's deadline (`deadline_scope`):
a server that drips its headers a byte at a time never trips a per-read timeout, so each
read, write and TLS handshake is given at most the time left before the deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

ALLOW_HOSTS_ENV = "IPWIRE_ALLOW_HOSTS"

# Well-known cloud metadata endpoints; named separately so the refusal note says so.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)


class AddressRefused(Exception):
    """Raised by the connection guard; turned into a `refused` outcome by the fetcher."""


class AllowList:
    """Host names, addresses and networks exempt from the private-address guard."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in entries:
            entry = raw.strip().strip("[]").lower().rstrip(".")
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)

    def allows(self, host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        if host.strip("[]").lower().rstrip(".") in self.names:
            return True
        return ip is not None and any(ip in net for net in self.networks)


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ipwire will not connect to this address, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA_ADDRESSES:
        return "cloud metadata address"
    for attr, label in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, attr):
            return f"{label} address"
    if not ip.is_global:
        return "non-global address"
    return None


_DEADLINE = threading.local()


@contextmanager
def deadline_scope(at: float | None) -> Iterator[None]:
    """Within the block, this thread's network I/O ends by `at` (a `time.monotonic()` value);
    past it, reads raise ReadTimeout, writes WriteTimeout and handshakes ConnectTimeout."""
    before = getattr(_DEADLINE, "at", None)
    _DEADLINE.at = at
    try:
        yield
    finally:
        _DEADLINE.at = before


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout` shortened to the time left before the thread's deadline."""
    at = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("total timeout exceeded (http.total_timeout_s)")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation is bounded by the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))
        except httpcore.ReadTimeout:
            _bounded(None, httpcore.ReadTimeout)  # says so when the deadline was the cause
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))
        except httpcore.WriteTimeout:
            _bounded(None, httpcore.WriteTimeout)
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the policy allows; the check is made on the address dialled."""

    def __init__(self, allow: AllowList) -> None:
        super().__init__()
        self.allow = allow

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        reasons: list[str] = []
        failure: httpcore.ConnectError | None = None
        for address in dict.fromkeys(info[4][0] for info in infos):
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            reason = None if self.allow.allows(host, ip) else address_refusal(ip)
            if reason:
                reasons.append(f"{host} resolves to {address} ({reason})")
                continue
            try:
                stream = super().connect_tcp(
                    address, port, timeout=_bounded(timeout, httpcore.ConnectTimeout),
                    local_address=local_address, socket_options=socket_options,
                )  # fmt: skip
                return _DeadlineStream(stream)
            except httpcore.ConnectError as exc:  # try the host's next address
                failure = exc
        if failure is not None:
            raise failure
        raise AddressRefused("; ".join(reasons) or f"{host} has no address")


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the connection pool dialling through `GuardedBackend`."""

    def __init__(self, allow: AllowList, *, verify: bool) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow),
        )
