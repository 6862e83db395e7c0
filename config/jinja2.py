"""The Jinja2 environment for patient-facing pages, with the nhsuk-frontend-jinja macros."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.utils.formats import date_format
from django.utils.timezone import localtime
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    pass_context,
)
from jinja2.runtime import Macro
from markupsafe import Markup

from core.forms import widget_kind
from core.pages import page_errors
from core.paths import static, url


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


# HTML of NHS.UK components whose parameters never change (the header for a signed-out
# patient, the footer, the skip link, a "Continue" button): rendering them through the
# nhsuk-frontend-jinja macros costs ~0.3-0.7 ms each, so a page renders each once per process.
# Imported macros see only their parameters (no template context), so equal parameters give
# equal HTML. Parameters holding Markup (a CSRF input) or anything not plain data are never
# cached, nor are more than a few hundred distinct components (no growth from request data).
_FIXED_COMPONENTS: dict[tuple[str, str], Markup] = {}
_FIXED_COMPONENTS_MAX = 256
_PLAIN = (bool, int, float, type(None))


def _is_plain(value) -> bool:
    if isinstance(value, str):
        return not isinstance(value, Markup)
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_is_plain(v) for v in value)
    return False


def fixed_component(macro: Macro, params: dict) -> Markup:
    """``macro(params)``, rendered once per process for each set of plain parameters."""
    if not _is_plain(params):
        return macro(params)
    # Keyed on the macro's compiled code, not its name: two macros called "button" from
    # different templates never share HTML.
    key = (macro._func.__code__, repr(params))
    html = _FIXED_COMPONENTS.get(key)
    if html is None:
        html = macro(params)  # a Markup string
        if len(_FIXED_COMPONENTS) < _FIXED_COMPONENTS_MAX:
            _FIXED_COMPONENTS[key] = html
    return html


@pass_context
def _page_errors(context) -> list[dict]:
    """``core.pages.page_errors`` for the page being rendered (base.jinja)."""
    return page_errors(context.get_all())


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
            "fixed_component": fixed_component,
            "page_errors": _page_errors,
        }
    )
    env.filters.update({"nhs_date": nhs_date, "nhs_datetime": nhs_datetime})
    return env
