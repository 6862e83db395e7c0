"""Sessions: Django's ``cached_db`` store with fewer database round trips.

Every session is still written to PostgreSQL (and read through the Redis cache), so a patient
stays signed in across a Redis restart (why the architecture chose ``cached_db``, see
docs/architecture.md). What changes is only how many statements each write costs; signing in
used to spend 13 of its 26 statements on the session (3 with this store, and 1 since the
pending step between password and code moved out of the session, ADR 0012):
- a new key is not first looked up in the cache and the database: it is 32 random characters
  (~165 bits, Django's ``get_random_string``), and the INSERT still refuses a key that exists,
  so ``create()`` tries another;
- ``cycle_key()`` (``login()`` gives a signed-in session a new key) no longer inserts an empty
  row and then updates it at the end of the response: the row is inserted once, by that save;
- a save is one UPDATE (or INSERT) rather than BEGIN, statement, COMMIT, and deleting a
  session is one DELETE rather than a SELECT and a DELETE;
- the INSERT is written by ``core.rows.insert`` (SQL built once, not compiled per save).

The rows are ``accounts.models.Session``: Django's columns and the id of the login the session
is signed in as (indexed), so a login's sessions can be ended without reading them all.
"""

import logging

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_USER_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import caches
from django.db import IntegrityError, connections, router, transaction
from django.utils.crypto import get_random_string

from core import rows

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
    _insert_on_save = False  # set by cycle_key: the new key has no row yet

    @classmethod
    def get_model_class(cls):
        from accounts.models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        signed_in_as = data.get(AUTH_USER_KEY)
        session.user_id = int(signed_in_as) if str(signed_in_as or "").isdigit() else None
        return session

    def load(self) -> dict:
        """As Django's ``cached_db``, except that a cache that cannot be reached is not an
        error on the way back either: Django already reads the row when the cache read
        fails, but refills the cache unguarded, so Redis down was a 500 on every page of a
        signed-in patient (issue 14). The row is the truth; the cache is refilled next time.
        """
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            data = None  # as Django: an unreachable cache or an invalid key
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:
            logger.warning("could not refill the session cache (%s)", type(self._cache).__name__)
        return data

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self) -> None:
        data = self._session
        old_key = self.session_key
        self._session_key = self._get_new_session_key()
        self._insert_on_save = True
        self._session_cache = data
        self.modified = True
        if old_key:
            self.delete(old_key)

    def create(self) -> None:
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue  # the key was taken: practically never
            self.modified = True
            return

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        if self._insert_on_save:
            while True:
                try:
                    self._write(insert=True)
                except CreateError:
                    self._session_key = self._get_new_session_key()
                    continue
                break
            self._insert_on_save = False
        else:
            self._write(insert=must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            # As Django's cached_db: the database row is the truth; the cache is refilled.
            logger.exception("Error saving to cache (%s)", self._cache)

    def _write(self, *, insert: bool) -> None:
        data = self._get_session(no_load=insert)
        obj = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=obj)
        if not insert:
            updated = self.model.objects.using(using).filter(session_key=obj.session_key)
            if not updated.update(
                session_data=obj.session_data, expire_date=obj.expire_date, user_id=obj.user_id
            ):
                raise UpdateError
            return
        try:
            if connections[using].in_atomic_block:
                # A savepoint, so a clash does not break the surrounding transaction.
                with transaction.atomic(using=using):
                    rows.insert(obj, using)
            else:
                rows.insert(obj, using)  # one statement: atomic by itself
        except IntegrityError:
            raise CreateError from None

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        # The cached copy first: with Redis down this raises before the row is gone, so the
        # session stays whole (still signed in, "try again shortly") rather than coming back
        # from a stale copy when Redis does (ADR 0019).
        self._cache.delete(self.cache_key_prefix + session_key)
        # One DELETE: a session row has no relations or signals for the Collector to handle
        # (QuerySet.delete() would wrap it in BEGIN/COMMIT; Model.delete() also SELECTs first).
        self.model.objects.filter(session_key=session_key)._raw_delete(
            router.db_for_write(self.model)
        )


def end_sessions(sessions) -> int:
    """Delete these sessions (a queryset of ``accounts.models.Session``) and their copies in
    the cache, so that none of them is signed in on its next request. Returns how many."""
    keys = list(sessions.values_list("session_key", flat=True))
    if not keys:
        return 0
    # The cached copies first, as SessionStore.delete does.
    caches[settings.SESSION_CACHE_ALIAS].delete_many(
        [SessionStore.cache_key_prefix + key for key in keys]
    )
    SessionStore.get_model_class().objects.filter(session_key__in=keys).delete()
    return len(keys)
