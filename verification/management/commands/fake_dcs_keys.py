"""``manage.py fake_dcs_keys``: keys and certificates to run the real DCS client against the
fake DCS (development only); prints the settings to export."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from verification.document_checking import devkeys


class Command(BaseCommand):
    help = "Write keys and self-signed certificates for the fake Document Checking Service."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(Path(settings.DATA_DIR) / "fake-dcs"),
            help="where to write them (default: DATA_DIR/fake-dcs)",
        )

    def handle(self, *args, directory: str, **options):
        if settings.PRODUCTION:
            raise CommandError("the fake DCS does not exist in production")
        written = devkeys.write(Path(directory))
        self.stdout.write("# Export these to check documents with the real client (hmpo):")
        self.stdout.write("DOCUMENT_CHECKING_SERVICE=hmpo")
        for name, path in written.items():
            self.stdout.write(f"{name}={path}")
