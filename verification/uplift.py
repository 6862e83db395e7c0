"""Sending a patient through proofing from somewhere else, and back again.

A connected service may ask for a higher level than the patient has (INTERFACE.md, step-up).
The OpenID Connect provider calls ``start_uplift``; the proofing journeys call
``finish_uplift`` when the patient succeeds *or* gives up, and the patient returns to
``return_to`` (the authorization request), which decides again from the patient's new level.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "uplift"

# Where each level's journey starts.
JOURNEY_START = {"P5": "verification:start", "P9": "verification:start"}


def start_uplift(request, target_level: str, return_to: str, service_name: str = ""):
    """Remember where to return (and the name of the service asking, for the pages to say
    who needs what), and send the patient to the journey for ``target_level``."""
    if not url_has_allowed_host_and_scheme(return_to, allowed_hosts={request.get_host()}):
        raise ValueError("return_to must be a URL on this site")
    request.session[SESSION_KEY] = {
        "target": target_level,
        "return_to": return_to,
        "service": service_name,
    }
    return redirect(reverse(JOURNEY_START[target_level]))


def pending_uplift(request) -> dict | None:
    """The uplift in progress for this session, if any:
    {"target": "P5", "return_to": url, "service": "the service's name"}."""
    return request.session.get(SESSION_KEY)


def finish_uplift(request, default: str = "accounts:home"):
    """End the journey (done or abandoned) and go back to where the patient came from."""
    uplift = request.session.pop(SESSION_KEY, None)
    if uplift:
        return redirect(uplift["return_to"])
    return redirect(default)
