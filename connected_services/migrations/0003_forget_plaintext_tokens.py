"""Access and refresh tokens are kept only as their SHA-256 from now on
(``COMPLIANT_BCP_RFC9700_TOKEN_STORAGE``, ADR 0037): empty the plain-text column of the
tokens issued before. Every look-up is by ``token_checksum``, which every row already has,
so the tokens keep working. Not reversible: the plain text is gone, as intended."""

from django.db import migrations


def forget_plaintext_tokens(apps, schema_editor):
    """Empty ``token`` on every access and refresh token (their checksums stay)."""
    for name in ("AccessToken", "RefreshToken"):
        model = apps.get_model("connected_services", name)
        model.objects.exclude(token="").update(token="")


class Migration(migrations.Migration):
    dependencies = [("connected_services", "0002_logout_reason_proofing_disputed")]

    operations = [
        migrations.RunPython(forget_plaintext_tokens, migrations.RunPython.noop, elidable=True)
    ]
