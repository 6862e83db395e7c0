"""Proofing journeys as a registry of steps: one mechanism for every route.

In the spirit of login.gov's identity-idp: each step declares when it may be shown
(``ready``); a patient who opens a step they may not see yet (a bookmarked or typed URL, the
browser's back and forward buttons) is sent back to the furthest step they may see before
it, or, when the step does not apply to them at all (``applies``), to the furthest step they
may see. Steps never decide where the state lives:

- the P5 trace keeps a small dataclass in the session (``SessionJourney``: ``load``,
  ``save``, ``clear``, ``enter``), under its own key;
- the P9 photo ID route's state is the patient's draft ``IdCheck`` in the database; its steps
  say when each is done (``sequence``), and a step is ready once every earlier step that
  applies is done.

    JOURNEY = SessionJourney("p5", P5State, [Step("verification:p5:nhs_number", ...), ...])

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
from django.urls import reverse

State = TypeVar("State")


def _always(state) -> bool:
    return True


@dataclass(frozen=True)
class Step(Generic[State]):
    """One page of a journey: its URL name and when it may be shown.

    - ``ready(state)``: the patient may open this page now.
    - ``applies(state)``: the page is part of this patient's route at all (a video page for a
      patient who chose a face scan is not). Opening one that does not apply sends them to
      the furthest step they may see, wherever it is.
    - ``alternative``: another way to give the same answer (names instead of an NHS number);
      never where a patient is sent back to.
    - ``is_done(state)``: the page's answer is given (used by ``sequence``).
    - ``name``: a short name for the route's own code (optional).
    """

    url_name: str
    ready: Callable[[Any], bool] = _always
    alternative: bool = False
    applies: Callable[[Any], bool] = _always
    is_done: Callable[[Any], bool] | None = None
    name: str = ""

    def url(self) -> str:
        return reverse(self.url_name)


def sequence(steps: list[Step]) -> list[Step]:
    """Steps in strict order: each is ready when it applies and every earlier step that
    applies is done (so ``ready`` comes from ``applies`` and ``is_done``)."""

    def ready_after(index: int):
        earlier = steps[:index]
        step = steps[index]

        def ready(state) -> bool:
            return step.applies(state) and all(
                s.is_done(state) for s in earlier if s.applies(state)
            )

        return ready

    return [dataclasses.replace(step, ready=ready_after(i)) for i, step in enumerate(steps)]


class Journey(Generic[State]):
    """The steps of one proofing route, in order, and where a patient may be."""

    def __init__(self, steps: list[Step]):
        self.steps = steps
        self._by_url_name = {step.url_name: step for step in steps}
        self._by_name = {step.name: step for step in steps if step.name}

    def step(self, name: str) -> Step:
        """A step by its short ``name`` or its URL name."""
        return self._by_name.get(name) or self._by_url_name[name]

    def furthest_ready(self, state: State, before: str | None = None) -> Step:
        """The last step (before ``before``, if given) whose conditions the state meets."""
        candidates = self.steps
        if before is not None:
            candidates = candidates[: self.steps.index(self.step(before))]
        ready = [step for step in candidates if step.ready(state) and not step.alternative]
        return ready[-1] if ready else self.steps[0]

    def redirect_for(self, state: State, name: str) -> Step | None:
        """None when the patient may open step ``name``; else the step to send them to."""
        step = self.step(name)
        if step.ready(state):
            return None
        if not step.applies(state):
            return self.furthest_ready(state)
        return self.furthest_ready(state, before=name)


class SessionJourney(Journey[State]):
    """A journey whose in-flight state is one dataclass in the session, under its own key."""

    def __init__(self, name: str, state_class: type[State], steps: list[Step]):
        super().__init__(steps)
        self.session_key = f"journey:{name}"
        self.state_class = state_class

    def load(self, request: HttpRequest) -> State:
        data = request.session.get(self.session_key) or {}
        names = {f.name for f in dataclasses.fields(self.state_class)}
        return self.state_class(**{k: v for k, v in data.items() if k in names})

    def save(self, request: HttpRequest, state: State) -> None:
        request.session[self.session_key] = dataclasses.asdict(state)

    def clear(self, request: HttpRequest) -> None:
        request.session.pop(self.session_key, None)

    def enter(self, request: HttpRequest, url_name: str) -> tuple[State, HttpResponse | None]:
        """The state, and a redirect back if the patient may not be at ``url_name`` yet."""
        state = self.load(request)
        elsewhere = self.redirect_for(state, url_name)
        return state, (redirect(elsewhere.url_name) if elsewhere else None)
