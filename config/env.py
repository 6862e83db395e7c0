"""Strict parsing of settings from the environment.

A value that is present but malformed stops start-up with a message naming the variable,
rather than falling back to a default nobody asked for (as healthchecks does).
"""

import os


class ImproperlyConfiguredEnv(Exception):
    """An environment variable holds a value we cannot use."""


def string(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfiguredEnv(f"{name} must be set")
        return default
    return value


def optional(name: str) -> str | None:
    value = os.environ.get(name, "")
    return value or None


def boolean(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be True or False, not {value!r}")


def integer(name: str, default: int, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfiguredEnv(f"{name} must be at least {minimum}, not {number}")
    return number


def string_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def readable_file(name: str) -> str | None:
    """An optional path that, when set, must name a file we can read (a key, a certificate)."""
    value = os.environ.get(name, "")
    if not value:
        return None
    if not os.path.isfile(value) or not os.access(value, os.R_OK):
        raise ImproperlyConfiguredEnv(f"{name} must name a readable file")
    return value


def network_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated IP addresses or CIDR ranges (``10.0.0.0/8``); each must parse."""
    import ipaddress

    items = string_list(name, default)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfiguredEnv(
                f"{name} must list IP addresses or ranges such as 10.0.0.0/8, not {item!r}"
            ) from None
    return items
