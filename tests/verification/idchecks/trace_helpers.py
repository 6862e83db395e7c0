"""Patients with no NHS record match (P0) and checks on the route after a failed P5 trace."""

import datetime

from tests.factories import UserFactory
from tests.verification.factories import SyntheticPatientFactory
from tests.verification.idchecks.conftest import BIRTH_DATE, build_check, genuine_capture

# What the patient types: deliberately not what the passport says (the default generated
# passport is JANE SMITH, born 12 4 1985), so a test can tell which details were traced.
ENTERED = {
    "given_name": "Janet",
    "family_name": "Smyth",
    "birth_date": BIRTH_DATE.isoformat(),
    "postcode": "LS1 4AP",
    "nhs_number": "",
}


def nhs_record(**fields):
    """The patient's record in the demographics store, matching the generated passport."""
    values = {
        "given_name": "Jane",
        "family_name": "Smith",
        "birth_date": BIRTH_DATE,
        "postcode": "LS1 4AP",
        "gp_ods_code": "B86001",
        "mobile": "",
    }
    return SyntheticPatientFactory(**{**values, **fields})


def make_p0_patient(**kwargs):
    return UserFactory(**kwargs)


def build_trace_check(user, entered=None, **kwargs):
    """A draft check on the tracing route, the details entered as the journey stores them.
    By default the genuine capture (``conftest.genuine_capture``): Jane Smith's passport,
    taken by the camera step, and person A's live face scan."""
    from verification.idchecks import services

    if "front" not in kwargs:
        photo, clip = genuine_capture()
        kwargs["front"] = photo
        kwargs.setdefault("front_clip", clip)
    check = build_check(user, **kwargs)
    assert check.needs_trace
    services.enter_details(check, **{**ENTERED, **(entered or {})})
    return check


def years_ago(years: int, today=None) -> datetime.date:
    today = today or datetime.date.today()
    return datetime.date(today.year - years, today.month, min(today.day, 28))
