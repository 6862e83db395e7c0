"""Print new backup codes for a staff member's admin sign-in (the old ones stop working)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services.backup_codes import issue_backup_codes


class Command(BaseCommand):
    help = (
        "Make new backup codes for a staff member (their old ones stop working) and print "
        "them once: only their hashes are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--count", type=int, default=10)

    def handle(self, *args, email, count, **options):
        user = User.objects.filter(email=User.objects.normalize_email(email)).first()
        if user is None or not user.is_staff:
            raise CommandError(f"{email} is not the email address of a staff member")
        if not 1 <= count <= 50:
            raise CommandError("--count must be 1 to 50")
        for code in issue_backup_codes(user, count=count):
            self.stdout.write(code)
