"""The sessions Django keeps in the database, read through a query compiled once per process.

Every signed-in request reads its session row first. Django's store builds and compiles that
query (`session_key = %s AND expire_date > %s`) on each request: ~0.15-0.25 ms of Python, as
much as PostgreSQL takes to answer it, and paid by kept pages too (issue 17). Here the row is
read by its key alone (core.precompiled) and its expiry compared in Python: the same session,
or none, as Django's own store gives.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from kiemdiem.core.precompiled import Precompiled

_BY_KEY = Precompiled(lambda key: Session.objects.filter(session_key=key))


class SessionStore(db.SessionStore):
    """Django's database store (settings.SESSION_ENGINE = "kiemdiem.core.sessions")."""

    def _get_session_from_db(self):
        found = _BY_KEY(self.session_key)
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None  # no such session, or it has expired: a new one is made
        return None
