"""The Jinja2 environment for patient-facing pages, with the nhsuk-frontend-jinja macros."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from core.forms import widget_kind


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def nhs_date(value, fmt: str = "j F Y") -> str:
    """A date as nhs.uk writes it: 21 November 2026."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = localtime(value)
    return date_format(value, fmt)


def nhs_datetime(value) -> str:
    """A moment as nhs.uk writes it: 21 November 2026 at 2:05pm."""
    if value is None:
        return ""
    value = localtime(value)
    return f"{date_format(value, 'j F Y')} at {date_format(value, 'g:iA').lower()}"


def environment(**options) -> Environment:
    options["undefined"] = ChainableUndefined
    options["loader"] = ChoiceLoader(
        [
            FileSystemLoader([str(d) for d in settings.TEMPLATES[0]["DIRS"]]),
            PackageLoader("nhsuk_frontend_jinja"),
        ]
    )
    options.setdefault("autoescape", True)
    env = Environment(**options)  # noqa: S701 - autoescape is set just above
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": get_messages,
            "settings": settings,
            "widget_kind": widget_kind,
        }
    )
    env.filters.update({"nhs_date": nhs_date, "nhs_datetime": nhs_datetime})
    return env
