"""Integrations reach only public HTTPS hosts, unless the host is allowlisted."""

import pytest

from integrations.url_guard import UnsafeURLError, check_url, resolve_public_addresses


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/api",
        "https://10.0.0.1",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8443",
        "https://[::ffff:127.0.0.1]",
        "https://[64:ff9b::a00:1]",  # NAT64 form of 10.0.0.1
        "https://192.168.1.20",
        "https://0.0.0.0",
        "https://localhost",  # a name resolving to a loopback address
    ],
)
def test_private_loopback_and_metadata_addresses_are_refused(url):
    with pytest.raises(UnsafeURLError, match="private, loopback, link-local or reserved"):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://140.82.112.6", "must use https"),
        ("https://user:pw@140.82.112.6", "credentials fields"),
        ("https://140.82.112.6\\@127.0.0.1", "backslashes"),
        ("https://140.82.112.6:99999", "port"),
        ("https:///path-only", "full URL"),
        ("https://no-such-host.invalid", r"could not be found \(DNS\)"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused(url, message):
    with pytest.raises(UnsafeURLError, match=message):
        check_url(url)


@pytest.mark.parametrize("url", ["http://10.0.0.1", "http://[fd00::1]"])
def test_a_private_address_over_http_is_refused_for_being_private(url):
    # The real problem first: an https URL would be refused too.
    with pytest.raises(UnsafeURLError, match="private, loopback, link-local or reserved"):
        check_url(url)


def test_a_public_address_is_accepted():
    check_url("https://140.82.112.6/api/v3")


def test_an_allowlisted_host_is_accepted_on_loopback_and_plain_http(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:8123", "ghe.internal"]

    check_url("http://127.0.0.1:8123")
    check_url("https://ghe.internal/api/v3")
    with pytest.raises(UnsafeURLError):
        check_url("http://127.0.0.1:9000")  # another port is not allowlisted


def test_connect_time_resolution_refuses_a_name_that_now_points_inside():
    # What the HTTP layer calls before connecting, so a re-pointed name is caught.
    with pytest.raises(UnsafeURLError):
        resolve_public_addresses("localhost", 443)
