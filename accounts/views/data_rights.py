"""Download your data and delete your NHS login: both ask for the password again."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.forms import ConfirmPasswordForm
from accounts.services import data_rights
from accounts.services.sign_in import check_current_password
from accounts.views.common import page

WRONG_PASSWORD = "Your password is not right"


def _locked(minutes: int) -> str:
    return (
        f"You have entered a wrong password too many times. Try again in {minutes} minutes, "
        "or reset your password"
    )


def _password_confirmed(request, form) -> bool:
    """A valid ``form`` whose password is the patient's; errors go on the form."""
    if not form.is_valid():
        return False
    check = check_current_password(request, request.user, form.cleaned_data["password"])
    if check.outcome == "ok":
        return True
    locked = check.outcome == "locked"
    form.add_error("password", _locked(check.minutes) if locked else WRONG_PASSWORD)
    return False


@login_required
@require_http_methods(["GET", "POST"])
def download_data(request: HttpRequest) -> HttpResponse:
    """What the file holds, the password again, then the file (POST only)."""
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and _password_confirmed(request, form):
        filename, content = data_rights.download(request, request.user)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return page(request, "accounts/download_data.jinja", {"form": form})
