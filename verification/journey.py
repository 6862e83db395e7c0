"""Proofing journeys as a registry of steps over one typed in-flight state.

In the spirit of login.gov's identity-idp: each step declares what must be true of the state
before it may be shown (``ready``); a patient who jumps ahead (a bookmarked or typed URL, the
browser's back and forward buttons) is sent back to the furthest step they may see. The
state is one dataclass, kept in the session as a plain dict, so each route (P5 trace, the P9
routes) keeps its own, separately, under its own key.

    JOURNEY = Journey("p5", P5State, [Step("verification:p5:nhs_number", lambda s: True), ...])

    def view(request):
        state, redirect_response = JOURNEY.enter(request, "verification:p5:postcode")
        if redirect_response:
            return redirect_response
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

State = TypeVar("State")


@dataclass(frozen=True)
class Step(Generic[State]):
    """One page of a journey: its URL name and what must be true before it.

    An ``alternative`` step (another way to give the same answer, like names instead of an
    NHS number) is never where a patient is sent back to.
    """

    url_name: str
    ready: Callable[[Any], bool]
    alternative: bool = False


class Journey(Generic[State]):
    """The steps of one proofing route, in order, and where its state lives."""

    def __init__(self, name: str, state_class: type[State], steps: list[Step]):
        self.session_key = f"journey:{name}"
        self.state_class = state_class
        self.steps = steps
        self._by_name = {step.url_name: step for step in steps}

    def load(self, request: HttpRequest) -> State:
        data = request.session.get(self.session_key) or {}
        names = {f.name for f in dataclasses.fields(self.state_class)}
        return self.state_class(**{k: v for k, v in data.items() if k in names})

    def save(self, request: HttpRequest, state: State) -> None:
        request.session[self.session_key] = dataclasses.asdict(state)

    def clear(self, request: HttpRequest) -> None:
        request.session.pop(self.session_key, None)

    def furthest_ready(self, state: State, before: str | None = None) -> Step:
        """The last step (before ``before``, if given) whose conditions the state meets."""
        candidates = self.steps
        if before is not None:
            candidates = candidates[: self.steps.index(self._by_name[before])]
        ready = [step for step in candidates if step.ready(state) and not step.alternative]
        return ready[-1] if ready else self.steps[0]

    def enter(self, request: HttpRequest, url_name: str) -> tuple[State, HttpResponse | None]:
        """The state, and a redirect back if the patient may not be at ``url_name`` yet."""
        state = self.load(request)
        if self._by_name[url_name].ready(state):
            return state, None
        return state, redirect(self.furthest_ready(state, before=url_name).url_name)
