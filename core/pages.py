"""What every page shares: its error summary and title, and pages rendered once per process.

Errors. ``page_errors`` is the one place that decides whether a page shows an error summary,
and what is in it: every form in the page's context that has errors (however the view names
it, one form or several), and any ``error_messages`` the view gives for an error that belongs
to no form. ``base.jinja`` builds both the summary and the "Error: " at the start of the title
from it, so in every app a page has one exactly when it has the other (WCAG 3.3.1; the NHS.UK
error summary pattern).

Pages every signed-out visitor sees alike, rendered once per process.

Every sign-in fetches the sign-in page and the security code page. For a visitor who is not
signed in and has no messages waiting, those pages differ from one visitor to the next only
in the CSRF token of their forms and the nonce of their scripts, yet rendering them through
the NHS.UK layout and form macros was most of the CPU those two requests cost
(docs/performance-accounts.md). So such a page is rendered once with placeholders for the two,
kept, and each request fills in its own token and nonce.

What a kept page may depend on is exactly its key: the template, and every value of its
context (plain values only; a form only while it is unbound, by its class), the URL prefix and
whether development links show. A request that could see anything else (a signed-in patient,
a message to show) is rendered as usual, as is any context holding another kind of value.
Only views that opt in use it, and only for what is not personal: the code page names the
last three digits of a phone, never an email address. At most ``_MAX_PAGES`` pages are kept
per process; a change of settings (tests) empties them.
"""

import secrets

from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.forms import BaseForm
from django.forms.boundfield import BoundField
from django.middleware.csrf import get_token
from django.template import loader
from django.template.backends.jinja2 import Template as JinjaTemplate
from django.urls import get_script_prefix
from django.utils.html import format_html

_CSRF = f"csrf{secrets.token_hex(16)}"  # unguessable: cannot occur in a page by chance
_NONCE = f"nonce{secrets.token_hex(16)}"
_PAGES: dict[tuple, str] = {}
_MAX_PAGES = 256
_PLAIN = (str, int, bool, type(None))


def _field_anchor(field: BoundField) -> str:
    """Where an error summary link for this field goes: the field, or a date's day box."""
    from core.forms import widget_kind

    return "#" + field.auto_id + ("_0" if widget_kind(field) == "date" else "")


def page_errors(context) -> list[dict]:
    """The items of the page's error summary, in the page's order: errors of every form in
    ``context`` (a mapping, the template context), then ``error_messages``, each a sentence
    or ``{"text": ..., "href": "#field"}``, then messages of level ERROR waiting for this
    request. Empty when the page has no errors to show.

    A form counts once it has errors: a bound form the view has checked, or an unbound one a
    view gave a message (the sign-in page saying sign in is locked)."""
    items: list[dict] = []
    for value in context.values():
        if not isinstance(value, BaseForm) or not value.errors:
            continue
        items.extend({"text": error} for error in value.non_field_errors())
        for field in value:
            items.extend({"text": error, "href": _field_anchor(field)} for error in field.errors)
    for message in context.get("error_messages") or ():
        items.append(message if isinstance(message, dict) else {"text": message})
    # An error a view noted before redirecting (messages.error: "You have asked for too many
    # codes"): the summary shows it, not a banner (base.jinja leaves error messages out).
    request = context.get("request")
    if request is not None:
        items.extend(
            {"text": m.message} for m in get_messages(request) if m.level == message_levels.ERROR
        )
    # The same error twice (a limit hit twice before the page was shown) says nothing more.
    unique: dict[tuple, dict] = {}
    for item in items:
        unique.setdefault((str(item["text"]), item.get("href")), item)
    return list(unique.values())


def _key(template_name: str, context: dict) -> tuple | None:
    parts = []
    for name, value in sorted(context.items()):
        if isinstance(value, BaseForm):
            if value.is_bound or value.initial:
                return None
            parts.append((name, type(value).__qualname__))
        elif isinstance(value, _PLAIN):
            parts.append((name, type(value).__name__, value))
        else:
            return None
    return (template_name, get_script_prefix(), settings.DEBUG, tuple(parts))


def _render(request, template_name: str, context: dict) -> str:
    """The page as ``render()`` would make it, with placeholders for the token and nonce."""
    template = loader.get_template(template_name)
    if not isinstance(template, JinjaTemplate):
        raise TypeError(f"{template_name} is not a Jinja2 page")
    full = dict(context)
    for processor in template.backend.template_context_processors:
        full.update(processor(request))
    full["request"] = request
    full["csrf_token"] = _CSRF
    full["csrf_input"] = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', _CSRF
    )
    full["cspNonce"] = _NONCE
    return template.template.render(full)


def shared_page(request, template_name: str, context: dict) -> str | None:
    """The HTML of this page for this request, from the page kept for its key; None when the
    page cannot be shared with this request (render it as usual)."""
    if request.user.is_authenticated or len(get_messages(request)):
        return None
    key = _key(template_name, context)
    if key is None:
        return None
    html = _PAGES.get(key)
    if html is None:
        html = _render(request, template_name, context)
        if len(_PAGES) < _MAX_PAGES:
            _PAGES[key] = html
    return html.replace(_CSRF, get_token(request)).replace(_NONCE, request.csp_nonce)


def _forget(**kwargs) -> None:
    _PAGES.clear()


setting_changed.connect(_forget)
