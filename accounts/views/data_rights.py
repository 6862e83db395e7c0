"""Download your data and delete your NHS login: both ask for the password again."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from accounts.forms import ConfirmPasswordForm, DeleteLoginForm
from accounts.services import data_rights
from accounts.services.browsers import COOKIE_NAME as REMEMBERED_BROWSER_COOKIE
from accounts.views.common import page, password_confirmed


@login_required
@require_http_methods(["GET", "POST"])
def download_data(request: HttpRequest) -> HttpResponse:
    """What the file holds, the password again, then the file (POST only)."""
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and password_confirmed(request, form):
        filename, content = data_rights.download(request, request.user)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return page(request, "accounts/download_data.jinja", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_login(request: HttpRequest) -> HttpResponse:
    """What deleting means, the password again and a tick, then the login goes."""
    if request.user.is_staff:
        return page(request, "accounts/delete_staff_login.jinja")
    form = DeleteLoginForm(request.POST or None)
    if request.method == "POST" and password_confirmed(request, form):
        data_rights.delete_login(request, request.user)
        response = redirect("accounts:login_deleted")
        response.delete_cookie(REMEMBERED_BROWSER_COOKIE)
        return response
    return page(request, "accounts/delete_login.jinja", {"form": form})


def login_deleted(request: HttpRequest) -> HttpResponse:
    """Signed out: the confirmation that the login has gone (nothing personal on it)."""
    return page(request, "accounts/login_deleted.jinja")
