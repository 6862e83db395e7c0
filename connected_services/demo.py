"""Demo data: the demo connected service, registered so people can sign in to it.

``manage.py seed_demo`` calls ``seed()``; it is idempotent.
"""

import os

from connected_services.demo_relying_party import config
from connected_services.models import Category, Service

EXAMPLES = [
    ("Find a pharmacy (example)", "demo-find-a-pharmacy", "P0.Cp.Cd", 0, "appointments"),
    ("Order repeat prescriptions (example)", "demo-prescriptions", "P9.Cp.Cd P9.Cm", 0,
     "appointments"),
    ("Talking therapies (example)", "demo-talking-therapies", "P5.Cp.Cd", 16, "mental_health"),
]  # fmt: skip


def register_demo_service(port: int) -> Service:
    """Register (or update) the demo services for a demo process listening on ``port``: the
    GP surgery (returned) and the pharmacy it passes signed-in patients to (single sign-on)."""
    key = config.load_or_create_key()
    common = {
        "category": Category.RECORDS,
        "client_type": Service.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Service.GRANT_AUTHORIZATION_CODE,
        "public_key_pem": key.export_to_pem().decode(),
        "has_care_benefit": True,
        "is_nhs_commissioned": True,
        "is_free_at_point_of_delivery": True,
        "is_live": True,
        "hash_client_secret": False,
        "client_secret": "",
    }
    service, _ = Service.objects.update_or_create(
        client_id=config.CLIENT_ID,
        defaults={
            **common,
            "name": config.NAME,
            "description": "A pretend GP surgery service to try signing in with NHS login.",
            "url": f"http://127.0.0.1:{port}/",
            "redirect_uris": " ".join(config.redirect_uris(port)),
            "post_logout_redirect_uris": f"http://127.0.0.1:{port}/",
            "allowed_vectors": "P0.Cp.Cd P5.Cp.Cd P9.Cp.Cd",
            "allowed_scopes": (
                "openid profile basic_demographics profile_extended email phone landline "
                "gp_registration_details client_metadata"
            ),
        },
    )
    Service.objects.update_or_create(
        client_id=config.PHARMACY_CLIENT_ID,
        defaults={
            **common,
            "name": config.PHARMACY_NAME,
            "description": (
                "A pretend pharmacy. The demo GP surgery sends you to it without signing in again."
            ),
            "url": f"http://127.0.0.1:{port}{config.PHARMACY_PREFIX}/",
            "category": Category.APPOINTMENTS,
            "redirect_uris": " ".join(config.redirect_uris(port, config.PHARMACY_PREFIX)),
            "post_logout_redirect_uris": f"http://127.0.0.1:{port}{config.PHARMACY_PREFIX}/",
            # A password alone is enough to see a pharmacy's opening times and orders.
            "allowed_vectors": "P0.Cp P0.Cp.Cd",
            "allowed_scopes": "openid email",
        },
    )
    return service


def seed() -> list[str]:
    port = int(os.environ.get("DEMO_RP_PORT") or config.provider_port() + config.PORT_OFFSET)
    register_demo_service(port)
    for name, client_id, vectors, age, category in EXAMPLES:
        Service.objects.get_or_create(
            client_id=client_id,
            defaults={
                "name": name,
                "description": "An example entry in the services catalogue.",
                "url": "https://www.nhs.uk/",
                "category": category,
                "client_type": Service.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Service.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": "https://example.invalid/callback",
                "public_key_pem": config.load_or_create_key().export_to_pem().decode(),
                "allowed_vectors": vectors,
                "minimum_age": age,
                "has_care_benefit": True,
                "is_nhs_commissioned": True,
                "is_free_at_point_of_delivery": True,
                "is_live": True,
                "hash_client_secret": False,
            },
        )
    return [
        f"Demo connected service: http://127.0.0.1:{port}/ (press 'Continue to NHS login')",
        f"Demo pharmacy (single sign-on from the GP surgery): http://127.0.0.1:{port}"
        f"{config.PHARMACY_PREFIX}/",
    ]
