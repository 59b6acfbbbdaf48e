"""Django's database sessions, with the session read by a prepared query (``SESSION_ENGINE``).

Every signed-in request reads its session first; building that one SELECT through the ORM each
time cost more than running it (docs/architecture.md "Plain statements"). Expiry is checked
here rather than in the SQL because a prepared query cannot hold ``now()``.
"""

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from zhengwu.core.db.prepared import PreparedQuery

_SESSION = PreparedQuery[Session](lambda key: Session.objects.filter(session_key=key)[:1], key=str)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        found = _SESSION.first(key=key) if isinstance(key, str) else None
        if found is None or found.expire_date <= timezone.now():
            self._session_key = None
            return None
        return found
