"""The sessions provider clients connect through: to the address that was checked, never a
private one, with TLS verified against the host name.

requests-hardened resolves the host once per connection, connects to that address (pinned) and
keeps certificate checks on the name; its adapter is extended here with AgileTrack's stricter
address rules (url_guard.check_address: IPv4 carried in IPv6, NAT64, site-local...). A host listed
in AGILETRACK_ALLOWED_API_HOSTS (the sandbox, a GitHub Enterprise on a private network) is the
operator's choice and gets a plain session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from integrations import url_guard


class RefusedAddress(InvalidIPAddress):
    """The host resolved to an address an integration must not reach."""


class GuardedAdapter(IPFilterAdapter):
    """Pins each connection to the resolved address after url_guard has accepted it."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        address = str(host_params["host"]).strip("[]")
        try:
            url_guard.check_address(address)
        except url_guard.UnsafeURLError as exc:
            raise RefusedAddress(str(exc)) from None
        return host_params, pool_kwargs


def session_for(base_url: str, timeout: tuple[float, float]) -> requests.Session:
    """A session for one provider API root; redirects are followed by the caller, if at all."""
    parts = urlsplit(base_url)
    if url_guard.is_allowlisted(parts.hostname or "", parts.port, parts.scheme):
        return requests.Session()
    session = HTTPSession(
        Config(
            # Mounted below with AgileTrack's rules instead of the library's default filter.
            ip_filter_enable=False,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=timeout,
        )
    )
    session.mount("https://", GuardedAdapter(is_https_proto=True))
    session.mount("http://", GuardedAdapter(is_https_proto=False))
    return session
