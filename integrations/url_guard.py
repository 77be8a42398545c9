"""Outbound URL safety: integrations may only reach public HTTPS hosts, unless allowlisted.

Checked when a URL is saved and again, by the HTTP layer, when connecting (a name can be
re-pointed at a private address after it was saved: DNS rebinding).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Characters that parsers disagree about (urllib vs urllib3 authority parsing).
FORBIDDEN_CHARACTERS = set("\\ \t\r\n")


class UnsafeURLError(ValueError):
    """The URL points somewhere an integration must not reach."""


def is_allowlisted(host: str, port: int | None) -> bool:
    """Whether AGILETRACK_ALLOWED_API_HOSTS lists this host (or host:port)."""
    host = host.lower().strip("[]")
    for entry in settings.AGILETRACK_ALLOWED_API_HOSTS:
        entry = entry.lower()
        if entry.startswith("["):  # [::1]:8080
            name, _, entry_port = entry[1:].partition("]")
            entry_port = entry_port.lstrip(":")
        elif entry.count(":") == 1:
            name, entry_port = entry.split(":")
        else:
            name, entry_port = entry, ""
        if name == host and (not entry_port or (port is not None and int(entry_port) == port)):
            return True
    return False


def check_address(address: str) -> None:
    """Refuse private, loopback, link-local (cloud metadata), reserved and multicast addresses."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 carried inside IPv6 (mapped, 6to4, NAT64) is judged as the IPv4 address.
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif ip.sixtofour:
            ip = ip.sixtofour
        elif ip in NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if not ip.is_global or ip.is_multicast:
        raise UnsafeURLError(
            f"{address} is a private, loopback, link-local or reserved address; add the host to "
            "AGILETRACK_ALLOWED_API_HOSTS if this is intended."
        )


def resolve_public_addresses(host: str, port: int) -> list[str]:
    """Resolve a host name and return its addresses, refusing any that is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURLError(f"Could not resolve host {host!r}: {exc}") from None
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
    if is_allowlisted(host, port):
        if parts.scheme not in {"http", "https"}:
            raise UnsafeURLError("Only http and https URLs are supported.")
        return
    if parts.scheme != "https":
        raise UnsafeURLError("The URL must use https.")
    try:
        check_address(host)  # a literal IP address
        return
    except ValueError as exc:
        if isinstance(exc, UnsafeURLError):
            raise
    if resolve:
        resolve_public_addresses(host, port or 443)
