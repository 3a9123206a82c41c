"""A delivery to a special-purpose address (IANA's registries), or to an IPv6 address
carrying a private IPv4 one, is refused without connecting: before the attempt, and on the
address the connection itself resolves."""

import socket

import pytest

from commitments.choices import DeliveryState
from commitments.webhooks.delivery import webhooks_deliver
from tests.commitments.api.test_webhook_special_addresses import SPECIAL_HOSTS
from tests.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections_made(monkeypatch, settings):
    """Every outgoing socket connection this process attempts, with private targets off."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    made = []
    real = socket.socket.connect

    def connect(self, address):
        made.append(address)
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return made


@pytest.mark.parametrize("host", SPECIAL_HOSTS)
def test_a_delivery_to_a_special_purpose_address_fails_without_connecting(connections_made, host):
    delivery = WebhookDeliveryFactory(endpoint__url=f"http://{host}:9/hook")

    webhooks_deliver(delivery_ids=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert "private or loopback" in delivery.last_error
    assert connections_made == []


def test_a_host_that_rebinds_to_an_ipv4_compatible_loopback_is_not_connected_to(
    connections_made, monkeypatch
):
    """The check sees a public address; the connection's own lookup gets ::127.0.0.1."""
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        if len(asked) == 1:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::7f00:1", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    delivery = WebhookDeliveryFactory(endpoint__url="http://rebind.example/hook")

    webhooks_deliver(delivery_ids=[delivery.pk])

    delivery.refresh_from_db()
    assert len(asked) >= 2  # checked, then resolved again to connect
    assert delivery.state == DeliveryState.FAILED
    assert "::7f00:1" in delivery.last_error
    assert connections_made == []
