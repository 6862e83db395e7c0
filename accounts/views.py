from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST


@login_required
def home(request):
    return render(request, "accounts/home.jinja")


sign_in = LoginView.as_view(template_name="accounts/sign_in.jinja")


@require_POST
def sign_out(request):
    logout(request)
    return redirect("core:start")
