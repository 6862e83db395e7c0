"""URLs and static file paths worked out once per process (templates and views use them)."""

from django.core.signals import setting_changed
from django.templatetags.static import static as django_static
from django.urls import get_script_prefix, get_urlconf, reverse

# ``url('accounts:sign_in')`` and ``static('css/service.css')`` are the same string for every
# request a process serves, but building them costs ~0.1-0.2 ms each (URL reversing with its
# language and prefix look-ups; the static files storage), and a page has about ten. So each
# is worked out once per process: a URL without arguments, keyed on its name, the script
# prefix and the URLconf in use; a static path keyed on itself. Nothing from a request's data
# is cached (URL arguments are reversed every time), and a change of settings (tests) empties
# both.
_URLS: dict[tuple, str] = {}
_STATIC: dict[str, str] = {}
_MAX_ENTRIES = 1024


def url(name: str, *args, **kwargs) -> str:
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, get_script_prefix(), get_urlconf())
    found = _URLS.get(key)
    if found is None:
        found = reverse(name)
        if len(_URLS) < _MAX_ENTRIES:
            _URLS[key] = found
    return found


def static(path: str) -> str:
    found = _STATIC.get(path)
    if found is None:
        found = django_static(path)
        if len(_STATIC) < _MAX_ENTRIES:
            _STATIC[path] = found
    return found


def _forget_urls(**kwargs) -> None:
    _URLS.clear()
    _STATIC.clear()


setting_changed.connect(_forget_urls)
