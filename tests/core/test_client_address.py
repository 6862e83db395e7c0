"""The client's address is taken from X-Forwarded-For only through proxies we trust."""

import pytest
from django.test import RequestFactory

from config import env
from core.client_address import client_address

factory = RequestFactory()


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return factory.get("/", **extra)


def test_with_no_trusted_proxy_the_connection_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.7")) == "203.0.113.7"


def test_with_no_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("10.1.2.3", "198.51.100.23")) == "198.51.100.23"


def test_a_forged_header_from_an_untrusted_client_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Straight to gunicorn, not through the proxy: the header is the client's own words.
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_addresses_a_client_puts_before_the_proxys_own_are_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client sent "X-Forwarded-For: 192.0.2.99"; the proxy appended what it saw.
    forged = request_from("10.1.2.3", "192.0.2.99, 198.51.100.23")
    assert client_address(forged) == "198.51.100.23"


def test_several_trusted_hops_are_walked_through(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.5"]
    request = request_from("10.1.2.3", "192.0.2.99, 198.51.100.23, 172.16.0.5")
    assert client_address(request) == "198.51.100.23"


def test_a_malformed_hop_never_makes_up_an_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("10.1.2.3", "not-an-address")) == "10.1.2.3"
    assert client_address(request_from("10.1.2.3", "")) == "10.1.2.3"


def test_ipv6_and_ports_are_understood(settings):
    settings.TRUSTED_PROXIES = ["2001:db8::/32"]
    request = request_from("2001:db8::1", "[2001:db8:ffff::1]:443, 198.51.100.23:5000")
    assert client_address(request) == "198.51.100.23"


def test_a_trusted_proxies_setting_that_is_not_an_address_stops_start_up(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
    with pytest.raises(env.ImproperlyConfiguredEnv, match="TRUSTED_PROXIES"):
        env.network_list("TRUSTED_PROXIES", [])
