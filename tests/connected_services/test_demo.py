"""The demo data registers the demo connected service."""

import pytest

from connected_services import demo
from connected_services.models import Service


@pytest.mark.django_db
def test_seed_registers_the_demo_service_once(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DEMO_RP_PORT", "8203")
    lines = demo.seed()
    demo.seed()
    service = Service.objects.get(client_id="demo-gp-surgery")
    assert service.is_live and service.assured
    assert "http://127.0.0.1:8203/callback" in service.redirect_uris.split()
    assert service.public_jwk_set()["keys"]
    service.full_clean(exclude=["client_secret"])
    assert any("8203" in line for line in lines)
    assert (tmp_path / "demo-relying-party" / "private-key.pem").exists()
    assert Service.objects.filter(client_id="demo-gp-surgery").count() == 1
    # The demo pharmacy, which the surgery hands signed-in patients to (single sign-on).
    pharmacy = Service.objects.get(client_id="demo-pharmacy")
    assert "http://127.0.0.1:8203/pharmacy/callback" in pharmacy.redirect_uris.split()
    assert pharmacy.vector_list == ["P0.Cp", "P0.Cp.Cd"]
    pharmacy.full_clean(exclude=["client_secret"])
