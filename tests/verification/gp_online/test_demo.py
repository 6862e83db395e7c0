"""The demo data lets a person try every GP online journey."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from tests.fixtures.sessions import signed_in_client
from verification import demo_gp
from verification.models import PracticeStaff

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_prints_details_that_work():
    first = demo_gp.seed()
    second = demo_gp.seed()
    assert first == second
    assert PracticeStaff.objects.filter(user__email=demo_gp.STAFF_EMAIL).count() == 1
    line = next(line for line in first if line.strip().startswith("gp.p5@example.com"))
    account_id, key, ods = re.search(
        r"Account ID (\d+), linkage key ([A-Z0-9 ]+), ODS code (\w+)", line
    ).groups()
    user = User.objects.get(email="gp.p5@example.com")
    client = signed_in_client(user)
    client.post(
        reverse("verification:gp_online_details"),
        {"account_id": account_id, "linkage_key": key, "ods_code": ods},
    )
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    # Seeding again still works once the details are used.
    assert any("already proved to P9" in line for line in demo_gp.seed())


def test_the_demo_staff_member_signs_in_to_admin_with_a_backup_code(client):
    demo_gp.seed()
    response = client.post(
        "/admin/login/",
        {
            "username": demo_gp.STAFF_EMAIL,
            "password": demo_gp.PASSWORD,
            "otp_device": "backup",
            "otp_token": demo_gp.BACKUP_CODES[0],
            "next": "/admin/",
        },
    )
    assert response.status_code == 302
    assert "Riverside Demo Surgery" in client.get("/admin/verification/practice/").content.decode()


def test_seed_demo_runs_the_gp_demo(capsys):
    call_command("seed_demo")
    assert "GP online registration details (P9)" in capsys.readouterr().out
