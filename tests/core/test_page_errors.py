"""The error summary and the "Error: " title come from one place (core.pages.page_errors)."""

import re

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

PAGE = '{% extends "base.jinja" %}{% block title %}A question{% endblock %}'


class NameForm(forms.Form):
    name = forms.CharField(label="Name", error_messages={"required": "Enter your name"})


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", error_messages={"required": "Enter the code"})


def _summary(**context) -> tuple[str, list[str]]:
    """The page's title, and the sentences in its error summary (none when it has none)."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.csp_nonce = "n"
    request.session = {}
    html = engines["jinja2"].from_string(PAGE).render(context, request)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    summary = re.search(r'class="nhsuk-error-summary".*?</ul>', html, re.S)
    if summary is None:
        return title, []
    items = re.findall(r"<li>\s*(?:<a [^>]*>)?(.*?)(?:</a>)?\s*</li>", summary.group(0), re.S)
    return title, [item.strip() for item in items]


def test_a_page_with_no_errors_has_no_summary_and_a_plain_title():
    title, items = _summary(name_form=NameForm(), code_form=CodeForm({"code": "1"}))
    assert title == "A question \u2013 NHS login"
    assert items == []


def test_every_form_on_the_page_puts_its_errors_in_the_summary_whatever_its_name():
    title, items = _summary(name_form=NameForm({}), code_form=CodeForm({}))
    assert title.startswith("Error: A question")
    assert items == ["Enter your name", "Enter the code"]


def test_an_error_that_belongs_to_no_form_gets_the_summary_and_the_title_too():
    title, items = _summary(error_messages=["The service is busy. Try again in a minute"])
    assert title.startswith("Error: ")
    assert items == ["The service is busy. Try again in a minute"]


def test_an_error_noted_before_a_redirect_is_in_the_summary_and_the_title(patient):
    from django.urls import reverse

    from tests.fixtures.sessions import signed_in_client

    client = signed_in_client(patient)
    client.post(reverse("accounts:change_email"), {"email": "new@example.com"})
    for _ in range(6):
        client.post(reverse("accounts:resend_new_email_code"))
    html = client.get(reverse("accounts:confirm_new_email")).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    summary = re.search(r'class="nhsuk-error-summary".*?</ul>', html, re.S).group(0)
    assert title.startswith("Error: Check your email")
    assert "You have asked for too many codes" in summary
    assert html.count("You have asked for too many codes") == 1  # not in a banner too
