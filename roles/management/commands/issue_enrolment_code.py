from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from roles.accounts.services import enrolment_code_issue
from workflows.base.context import acting


class Command(BaseCommand):
    help = (
        "Issue a one-time enrolment code with which a privileged account (a "
        "superuser, an admin user, a city administrator) binds its "
        "authenticator at its next login: valid 24 hours, once; printed here "
        "once, to hand over in person. The only way for the first superuser "
        "(no one can issue it in the admin yet). Recorded in the code's "
        "history as issued on the server, with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why (kept in the history)")

    def handle(self, *args, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            with acting(job="issue_enrolment_code"):
                issued = enrolment_code_issue(user=user, by=None, reason=reason)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(
                "; ".join(getattr(error, "messages", [str(error)]))
            ) from error
        until = timezone.localtime(issued.record.expires_at)
        self.stdout.write(
            f"{issued.display}  enrolment code for {username}, "
            f"valid until {until:%Y-%m-%d %H:%M} (once). Hand it over in person."
        )
