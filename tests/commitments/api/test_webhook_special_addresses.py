"""Registering a webhook whose host is a special-purpose address (IANA's registries), or
an IPv6 address carrying a private IPv4 one, is refused."""

import pytest

from commitments.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

# Each was taken as public at creation before: IPv4-compatible, SIIT, 6to4 and NAT64 forms
# of loopback or a private address, IETF protocol assignments, the 6to4 relay anycast,
# documentation, SRv6, site-local and AS112. (At delivery, requests-hardened already refused
# the 6to4, NAT64, 192.0.0.0/24, 192.88.99.0/24, 3fff::/20 and 5f00::/16 ones.)
SPECIAL_HOSTS = [
    "[::7f00:1]",
    "[::ffff:0:7f00:1]",
    "[2002:7f00:1::]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::a00:1]",
    "[64:ff9b:1::a00:1]",
    "192.0.0.8",
    "192.88.99.1",
    "[3fff::1]",
    "[5f00::1]",
    "[fec0::1]",
    "192.31.196.1",
    "[2620:4f:8000::1]",
]


@pytest.mark.parametrize("host", SPECIAL_HOSTS)
def test_a_webhook_on_a_special_purpose_address_is_refused_at_creation(as_analyst, host):
    response = as_analyst.post("/api/v1/webhooks/", {"url": f"http://{host}/hook"}, format="json")

    assert response.status_code == 400
    assert "private or loopback" in response.json()["fields"]["url"][0]
    assert not WebhookEndpoint.objects.exists()
