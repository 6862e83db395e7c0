"""The userinfo look-up: the busiest endpoint, so one hand-written query instead of the ORM.

Building a four-table ``select_related`` query costs ~3 ms of CPU per request; this query,
with only the columns userinfo needs, costs a tenth of that. The result has the attributes
``connected_services.claims.claims_for`` reads.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import User
from connected_services.models import AccessToken, Service
from core.crypto import decrypt
from verification.models import Identity


@dataclass
class TokenService:
    pk: int
    client_id: str
    allow_gp_integration_credentials: bool


@dataclass
class TokenIdentity:
    nhs_number: str
    given_name: str
    family_name: str
    birth_date: datetime.date
    gp_ods_code: str
    phone_number_pds_matched: bool


@dataclass
class TokenUser:
    pk: int
    sub: uuid.UUID
    email: str
    email_verified: bool
    phone_number: str
    phone_kind: str
    phone_verified: bool
    proofing_level: str
    is_active: bool
    identity: TokenIdentity | None
    PhoneKind = User.PhoneKind


@dataclass
class BearerToken:
    expires: datetime.datetime
    scope: str
    user: TokenUser
    application: TokenService

    def is_expired(self) -> bool:
        return timezone.now() >= self.expires


# Table names are filled in from model metadata; the token checksum is a query parameter.
SQL = (
    "SELECT t.expires, t.scope, s.id, s.client_id, s.allow_gp_integration_credentials, "
    "u.id, u.sub, u.email, u.email_verified, u.phone_number, u.phone_kind, "
    "u.phone_verified, u.proofing_level, u.is_active, i.id, i.nhs_number, i.given_name, "
    "i.family_name, i.birth_date, i.gp_ods_code, i.phone_number_pds_matched "
    "FROM {t} t JOIN {s} s ON s.id = t.application_id JOIN {u} u ON u.id = t.user_id "
    "LEFT JOIN {i} i ON i.user_id = u.id WHERE t.token_checksum = %s LIMIT 1"
)


def _sql() -> str:
    tables = {
        "t": AccessToken._meta.db_table,
        "s": Service._meta.db_table,
        "u": User._meta.db_table,
        "i": Identity._meta.db_table,
    }
    return SQL.format(**tables)


def _datetime(value) -> datetime.datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def bearer_token(checksum: str) -> BearerToken | None:
    """The access token with this checksum, its service, patient and identity (or None)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [checksum])
        row = cursor.fetchone()
    if row is None:
        return None
    (expires, scope, service_id, client_id, allow_gp, user_id, sub, email, email_verified,
     phone_number, phone_kind, phone_verified, level, is_active, identity_id, nhs_number,
     given_name, family_name, birth_date, gp_ods_code, pds_matched) = row  # fmt: skip
    identity = None
    if identity_id is not None:
        if isinstance(birth_date, str):
            birth_date = parse_date(birth_date)
        identity = TokenIdentity(
            nhs_number=decrypt(nhs_number.encode()).decode() if nhs_number else "",
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            gp_ods_code=gp_ods_code,
            phone_number_pds_matched=bool(pds_matched),
        )
    user = TokenUser(
        pk=user_id,
        sub=uuid.UUID(str(sub)),
        email=email,
        email_verified=bool(email_verified),
        phone_number=phone_number,
        phone_kind=phone_kind,
        phone_verified=bool(phone_verified),
        proofing_level=level,
        is_active=bool(is_active),
        identity=identity,
    )
    service = TokenService(service_id, client_id, bool(allow_gp))
    return BearerToken(_datetime(expires), scope, user, service)
