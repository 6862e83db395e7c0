"""Every error on the proving-who-you-are forms is a plain sentence written for its field.

No Django default text ("Ensure this value has at most 40 characters (it has 312).", "Select
a valid choice.", "Enter a complete value.") ever reaches a page, and a question used as a
label ("What is your date of birth?") never ends up inside a sentence. Every form class in the
verification apps is found and sent blank, over-long and wrong-type values, so a form added
later is covered too.
"""

import inspect
import re

import pytest
from django import forms
from django.core import validators
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.urls import reverse

from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from verification.gp_online import forms as gp_online_forms
from verification.idchecks import forms as idcheck_forms
from verification.p5 import forms as p5_forms

FORM_MODULES = [p5_forms, idcheck_forms, gp_online_forms]
# The keyword arguments each form takes, every variant (extra fields, fewer choices).
FORM_VARIANTS = {
    "DocumentPhotoForm": [{}, {"needs_back": True}],
    "OnlineDetailsForm": [{}, {"ask_name_and_birth_date": True}],
    "DecisionForm": [{}, {"can_approve": False}, {"needs_reason": True}],
}


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


class _AnyNumber(dict):
    def __missing__(self, key):
        return 1


def django_default_messages() -> list[str]:
    """The fixed start of every error message Django's form fields and validators have."""
    texts = []
    for field_class in [forms.Field, *_all_subclasses(forms.Field)]:
        if field_class.__module__.startswith("django."):
            for klass in field_class.__mro__:
                texts += [str(m) for m in vars(klass).get("default_error_messages", {}).values()]
    for _, obj in inspect.getmembers(validators, inspect.isclass):
        message = vars(obj).get("message")
        if message is not None:
            # A plural message is lazy and reads as "" until given its numbers.
            texts.append(str(message) or message % _AnyNumber())
    starts = {re.split(r"%\(|\{|\d", text)[0].strip() for text in texts}
    return sorted(start for start in starts if len(start) >= 10)


DJANGO_DEFAULTS = django_default_messages()


def test_the_list_of_django_defaults_is_the_real_one():
    for known in (
        "Ensure this value has at most",
        "Select a valid choice.",
        "Enter a complete value.",
        "This field is required.",
        "Enter a whole number.",
        "Null characters are not allowed.",
    ):
        assert known in DJANGO_DEFAULTS


def verification_forms():
    for module in FORM_MODULES:
        for _, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.BaseForm) and form_class.__module__ == module.__name__:
                for kwargs in FORM_VARIANTS.get(form_class.__name__, [{}]):
                    yield form_class, kwargs


LONG = "9" * 312


def bad_inputs(form):
    """(data, files) pairs: blank, too long, wrong type, several values, broken uploads."""
    names = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.MultiValueField):
            names[name] = [f"{name}_{i}" for i in range(len(field.fields))]
        else:
            names[name] = [name]
    keys = [key for group in names.values() for key in group]
    file_fields = [n for n, f in form.fields.items() if isinstance(f, forms.FileField)]

    def data(value):
        query = QueryDict(mutable=True)
        for key in keys:
            query.setlist(key, value if isinstance(value, list) else [value])
        return query

    yield QueryDict(), {}
    for value in ("", " ", LONG, "x" * 5000, "abc\x00def", "zzz", "-1", "1.5", ["a", "b"]):
        yield data(value), {}
    for name in names.get("birth_date", []):  # each part of a date left out or wrong
        for value in ("", "ab", "99999", "0"):
            query = data("12")
            query.setlist(name, [value])
            yield query, {}
    if file_fields:
        yield data("not a file"), {}
        empty = {name: SimpleUploadedFile("photo.jpg", b"") for name in file_fields}
        yield data(""), empty
        long_name = {
            name: SimpleUploadedFile("x" * 300 + ".jpg", b"not a photo") for name in file_fields
        }
        yield data(""), long_name
        cleared = data("")
        for name in file_fields:
            cleared[f"{name}-clear"] = "on"
        yield cleared, {name: SimpleUploadedFile("a.jpg", b"not a photo") for name in file_fields}


def test_no_verification_form_ever_answers_with_a_django_default_message():
    seen = 0
    for form_class, kwargs in verification_forms():
        for data, files in bad_inputs(form_class(**kwargs)):
            form = form_class(data, files, **kwargs)
            form.is_valid()
            for field, errors in form.errors.items():
                for message in errors:
                    seen += 1
                    found = [d for d in DJANGO_DEFAULTS if d in message]
                    assert not found, f"{form_class.__name__}.{field}: {message!r}"
                    assert "?" not in message, f"{form_class.__name__}.{field}: {message!r}"
                    assert message[:1].isupper(), f"{form_class.__name__}.{field}: {message!r}"
    assert seen > 100  # the inputs really were refused


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "1990", "Date of birth must be a real date"),
        ("31", "", "1990", "Date of birth must include a month"),
        ("", "", "1990", "Date of birth must include a day and month"),
        ("1", "1", "90", "Year must include 4 numbers"),
        ("1", "1", "2999", "Date of birth must be in the past"),
        ("1", "1", "1800", "Date of birth must be in or after 1890"),
        ("a", "1", "1990", "Date of birth must be a real date"),
        ("", "", "", "Enter your date of birth"),
    ],
)
def test_the_date_of_birth_errors_follow_the_nhs_date_input_pattern(day, month, year, message):
    data = {"birth_date_0": day, "birth_date_1": month, "birth_date_2": year}
    assert p5_forms.DateOfBirthForm(data).errors["birth_date"] == [message]
    gp = gp_online_forms.OnlineDetailsForm(data, ask_name_and_birth_date=True)
    assert gp.errors["birth_date"] == [message]


NOT_A_DATE = {"birth_date_0": "31", "birth_date_1": "2", "birth_date_2": "1990"}


def assert_plain_page(response, message):
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(message) >= 2  # the error summary and the field
    for default in DJANGO_DEFAULTS:
        assert default not in page
    assert "Enter a real what" not in page and "birth? must" not in page


@pytest.mark.django_db
def test_the_p5_date_of_birth_page_says_date_of_birth_must_be_a_real_date():
    client = signed_in_client(UserFactory())
    client.post(reverse("verification:p5:nhs_number"), {"nhs_number": "9434765919"})
    response = client.post(reverse("verification:p5:date_of_birth"), NOT_A_DATE)
    assert_plain_page(response, "Date of birth must be a real date")


@pytest.mark.django_db
def test_the_photo_id_date_of_birth_page_says_date_of_birth_must_be_a_real_date():
    client = signed_in_client(UserFactory())
    client.post(reverse("verification:idcheck_start"))
    client.post(
        reverse("verification:idcheck_details_name"),
        {"given_name": "Jane", "family_name": "Smith"},
    )
    response = client.post(reverse("verification:idcheck_details_birth_date"), NOT_A_DATE)
    assert_plain_page(response, "Date of birth must be a real date")


@pytest.mark.django_db
def test_the_gp_online_details_page_says_how_long_a_code_may_be():
    client = signed_in_client(UserFactory())
    response = client.post(
        reverse("verification:gp_online_details"),
        {"account_id": LONG, "linkage_key": "ABC", "ods_code": "A12345", "family_name": "Smith"},
    )
    assert_plain_page(response, "Account ID must be 40 characters or fewer")
