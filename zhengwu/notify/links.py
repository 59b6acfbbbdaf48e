"""Which links a notification may carry.

The inbox renders a message's link as a button the reader trusts ("open the related item"), so a
link is either a path on this site or an absolute http(s) address on one of our own hosts
(``ALLOWED_HOSTS`` plus ``ZHENGWU_NOTIFY_LINK_HOSTS``, e.g. a department's own site). Anything
else — ``//evil.example/x`` (scheme-relative), ``/\\evil.example`` (browsers read the backslash as
a slash), ``javascript:``, whitespace tricks — is refused.
"""

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def allowed_link_hosts() -> set[str]:
    """Exact host names (with ``:port`` where one is used) a notification may link to."""
    hosts = {*settings.ALLOWED_HOSTS, *getattr(settings, "ZHENGWU_NOTIFY_LINK_HOSTS", ())}
    # Patterns such as "*" or ".example.com" are for Host-header checks, not link targets.
    return {h for h in hosts if h and not h.startswith((".", "*"))}


def is_allowed_link(link: str) -> bool:
    """Whether ``link`` is a site path or an absolute URL on an allowed host ("" is allowed)."""
    if not link:
        return True
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in link):
        return False
    if link.startswith("/"):
        if link.startswith(("//", "/\\")):
            return False
        # With no allowed host, only a genuinely relative path passes Django's check.
        return url_has_allowed_host_and_scheme(link, allowed_hosts=set())
    if not link.lower().startswith(("http://", "https://")):
        return False
    return url_has_allowed_host_and_scheme(
        link, allowed_hosts=allowed_link_hosts(), require_https=False
    )
