"""Start signing ID tokens with a new key; the old public key stays in JWKS until its tokens
have expired (ID tokens live an hour)."""

from django.core.management.base import BaseCommand

from connected_services import events
from connected_services.oidc import keys
from core import audit


class Command(BaseCommand):
    help = "Rotate the ID token signing key (the old key stays published until its tokens expire)"

    def handle(self, *args, **options):
        key = keys.rotate_signing_key()
        audit.record(events.SIGNING_KEY_ROTATED, kid=key.kid)
        self.stdout.write(f"New signing key {key.kid}; retired keys stay in JWKS for an hour.")
