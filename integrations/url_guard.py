"""Outbound URL safety: integrations may only reach public HTTPS hosts, unless allowlisted.

Checked when a URL is saved, and by the HTTP layer on the address it actually connects to (a name
can be re-pointed at a private address after it was saved: DNS rebinding; see
integrations/providers/outbound.py).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

# IPv6 ranges that carry an IPv4 address in their last 32 bits: judged as that IPv4 address.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # ::a.b.c.d (deprecated, still routed by some)
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT)
# IPv6 ranges never public whatever Python's tables say: local-use NAT64, deprecated site-local.
NEVER_PUBLIC = (ipaddress.IPv6Network("64:ff9b:1::/48"), ipaddress.IPv6Network("fec0::/10"))
# Characters that parsers disagree about (urllib vs urllib3 authority parsing).
FORBIDDEN_CHARACTERS = set("\\ \t\r\n")


class UnsafeURLError(ValueError):
    """The URL points somewhere an integration must not reach."""


def is_allowlisted(host: str, port: int | None, scheme: str = "https") -> bool:
    """Whether AGILETRACK_ALLOWED_API_HOSTS lists this host and port: `host:port` allows that
    port, `host:*` any port, and a bare `host` only the scheme's default port."""
    host = host.lower().strip("[]")
    port = port or (443 if scheme == "https" else 80)
    for entry in settings.AGILETRACK_ALLOWED_API_HOSTS:
        entry = entry.lower().strip()
        if entry.startswith("["):  # [::1]:8080
            name, _, entry_port = entry[1:].partition("]")
            entry_port = entry_port.lstrip(":")
        elif entry.count(":") == 1:
            name, entry_port = entry.split(":")
        else:
            name, entry_port = entry, ""
        if name != host:
            continue
        if entry_port == "*" or (entry_port.isdigit() and int(entry_port) == port):
            return True
        if not entry_port and port == (443 if scheme == "https" else 80):
            return True
    return False


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, translated, 6to4, NAT64)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64 or ip in IPV4_TRANSLATED or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def check_address(address: str) -> None:
    """Refuse private, loopback, link-local (cloud metadata), reserved and multicast addresses."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    never_public = False
    if isinstance(ip, ipaddress.IPv6Address):
        never_public = any(ip in network for network in NEVER_PUBLIC)
        ip = embedded_ipv4(ip) or ip
    if never_public or not ip.is_global or ip.is_multicast:
        raise UnsafeURLError(
            f"{address} is a private, loopback, link-local or reserved address; add the host to "
            "AGILETRACK_ALLOWED_API_HOSTS if this is intended."
        )


def resolve_public_addresses(host: str, port: int) -> list[str]:
    """Resolve a host name and return its addresses, refusing any that is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURLError(
            f"The host {host} could not be found (DNS): check the address for typos."
        ) from None
    addresses = sorted({str(info[4][0]) for info in infos})
    for address in addresses:
        check_address(address)
    return addresses


def check_url(url: str, resolve: bool = True) -> None:
    """Raise UnsafeURLError unless `url` is a safe target for an integration's API calls."""
    if FORBIDDEN_CHARACTERS & set(url) or any(ord(char) < 32 for char in url):
        raise UnsafeURLError("The URL contains spaces, backslashes or control characters.")
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise UnsafeURLError("Enter a full URL such as https://api.example.com.")
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURLError("The port is not a number between 0 and 65535.") from None
    if parts.username or parts.password:
        raise UnsafeURLError("Put credentials in the credentials fields, not in the URL.")
    if is_allowlisted(host, port, parts.scheme):
        if parts.scheme not in {"http", "https"}:
            raise UnsafeURLError("Only http and https URLs are supported.")
        return
    literal = True
    try:
        check_address(host)  # a literal IP address: a private one is the real problem
    except UnsafeURLError:
        raise
    except ValueError:
        literal = False
    if parts.scheme != "https":
        raise UnsafeURLError("The URL must use https (http is allowed only for allowlisted hosts).")
    if literal:
        return
    if resolve:
        resolve_public_addresses(host, port or 443)
