"""The address a request came from, seen through the proxies we trust (``TRUSTED_PROXIES``).

gunicorn puts the address of whatever opened the connection in ``REMOTE_ADDR``: behind a load
balancer, that is the balancer, so every patient would share one address. The balancer adds
the address it saw to ``X-Forwarded-For``; anything to the left of that was written by the
client and can say anything. So the header is read from the right, one hop at a time, only
while the hop that wrote it is one of ours; the first address that is not ours is the client.
With no trusted proxies (the default) the header is ignored and ``REMOTE_ADDR`` is the client.

Rate limits, lockouts and the audit's "from where" all use ``client_address`` (ADR 0018).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def trusted_networks() -> tuple:
    """``TRUSTED_PROXIES`` as networks (an address alone is a network of one)."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.split(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or, when that is a trusted proxy, the rightmost
    address in ``X-Forwarded-For`` that is not one of our proxies.

    A hop that cannot be read stops the walk at the last proxy we trust (its own address), so
    a malformed header never makes up an address."""
    if request is None:
        return None
    remote = _parse(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = trusted_networks()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",") if forwarded else []):
        address = _parse(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
