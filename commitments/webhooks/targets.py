"""Target checks: only http(s) URLs whose every address is public."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from commitments.models import URL_MAX_LENGTH, url_validator

# Targets --------------------------------------------------------------------------------


class UnsafeTarget(Exception):
    """A webhook URL refused before any request; `retryable` when DNS may answer later."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def _networks(*cidrs: str) -> tuple:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# Every entry of IANA's IPv4 and IPv6 Special-Purpose Address Registries (2025), the globally
# reachable anycast ones (AS112, AMT, PCP/TURN) included, since no webhook receiver lives
# there; multicast; and for IPv6 what lies outside global unicast (::/8 holds the deprecated
# IPv4-compatible ::/96 and SIIT's ::ffff:0:0:0/96; fec0::/10 is deprecated site-local).
# Listed rather than left to ipaddress's is_global, whose lists change between Python
# releases (3.12.1 calls 192.0.0.8, 192.88.99.1, 3fff::1 and 64:ff9b::7f00:1 global).
SPECIAL_IPV4 = _networks(
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24",
    "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
)  # fmt: skip
SPECIAL_IPV6 = _networks(
    "::/8", "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48",
    "100::/64", "100:0:0:1::/64", "2001::/23", "2001:db8::/32", "2002::/16",
    "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10",
    "ff00::/8",
)  # fmt: skip


def public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for an address a webhook may reach: globally routable unicast, outside
    every special-purpose range. An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4
    address it maps; the IPv4-compatible, NAT64, 6to4 and Teredo prefixes are refused whole,
    as requests-hardened refuses them when connecting. Checked when an endpoint is saved,
    before each delivery, and on the very address each connection uses (_session)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return public_address(address.ipv4_mapped)
        address = ipaddress.IPv6Address(int(address))  # without a %scope
        # Every prefix that embeds an IPv4 address (IPv4-compatible ::/96, NAT64, 6to4,
        # Teredo) lies inside one of these ranges: refused whole, whatever it embeds.
        if any(address in net for net in SPECIAL_IPV6):
            return False
    elif any(address in net for net in SPECIAL_IPV4):
        return False
    return address.is_global and not address.is_multicast


def check_target(url: str) -> None:
    """Refuse a URL that is not http(s), too long, unresolvable, or (unless
    WEBHOOK_ALLOW_PRIVATE_TARGETS) on a port outside WEBHOOK_ALLOWED_PORTS or resolving to any
    address public_address() refuses."""
    if len(url) > URL_MAX_LENGTH:
        raise UnsafeTarget(_("The URL is longer than %d characters.") % URL_MAX_LENGTH)
    try:
        url_validator(url)
    except ValidationError as error:
        raise UnsafeTarget(_("Enter a valid http(s) URL.")) from error
    parts = urlsplit(url)
    try:
        explicit = parts.port  # ":0" is a port too, not "none given"
        port = (443 if parts.scheme == "https" else 80) if explicit is None else explicit
    except ValueError as error:
        raise UnsafeTarget(_("The URL's port is not valid.")) from error
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeTarget(
            _("The host %(host)s does not resolve.") % {"host": host}, retryable=True
        ) from error
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not public_address(address):
            raise UnsafeTarget(
                _("%(host)s resolves to %(address)s, a private or loopback address.")
                % {"host": host, "address": address}
            )
    # Any port would let a webhook knock on a mail, database or admin service; local
    # receivers (WEBHOOK_ALLOW_PRIVATE_TARGETS) listen wherever they like.
    allowed_ports = settings.WEBHOOK_ALLOWED_PORTS
    if port not in allowed_ports:
        raise UnsafeTarget(
            _("Port %(port)d is not allowed: use %(allowed)s.")
            % {"port": port, "allowed": ", ".join(map(str, allowed_ports))}
        )
