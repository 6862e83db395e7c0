"""What `make run` prints for a newcomer (``core.demo.banner`` and ``manage.py seed_demo``):
every address in full, on the port the service really runs on (``make run PORT=8123``)."""

import io
import re

import pytest
from django.core.management import call_command

from core import demo


@pytest.fixture
def port_8123(monkeypatch, settings):
    # What bin/demo does with PORT=8123: SITE_URL made from it, PORT left for the demo service.
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8123")
    monkeypatch.delenv("DEMO_RP_PORT", raising=False)
    monkeypatch.delenv("DEMO_RP_ISSUER", raising=False)
    settings.SITE_URL = "http://127.0.0.1:8123"


def test_the_banner_gives_every_address_on_the_port_it_runs_on(port_8123):
    lines = demo.banner()
    assert "NHS login is starting at http://127.0.0.1:8123/" in lines
    text = "\n".join(lines)
    assert "http://127.0.0.1:8123/outbox/" in text
    assert "http://127.0.0.1:8123/admin/" in text
    assert "http://127.0.0.1:8123/prove-who-you-are/id-checks/" in text
    assert "http://127.0.0.1:8123/services/" in text
    assert "Demo connected service: http://127.0.0.1:8323/" in text  # PORT + 200
    assert "8000" not in text and "8200" not in text


@pytest.mark.django_db
def test_seed_demo_prints_no_address_on_another_port_or_without_one(port_8123):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    ports = set(re.findall(r"https?://[^/\s]+:(\d+)", printed))
    assert ports == {"8123", "8323"}
    # No bare path a newcomer has to put a host and port in front of themselves.
    assert not re.search(r"(^|\s)/(admin|prove-who-you-are|services|outbox)/", printed)
