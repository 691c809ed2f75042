"""Input checked at the edge, before any view or query sees it.

Bad input gets a clear answer (400 or 404), never a 500 from deep inside:

- ids: a URL keyword ``*_pk`` or an id in a query string must be a plain
  decimal number that fits the database's 64-bit keys (``parse_id``);
  larger numbers raised OverflowError on SQLite and a DataError on
  PostgreSQL;
- query strings: at most ``MAX_PARAMS`` parameters, each value at most
  ``MAX_VALUE`` characters (a 50,000-character search made SQLite's LIKE
  fail); searches cut further where they are used (``SEARCH_MAX``);
- redirect targets taken from a request (``back``, ``next``) must stay on
  this site (``safe_target``).
"""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1
MAX_PARAMS = 100
MAX_VALUE = 1000
SEARCH_MAX = 50


def parse_id(value):
    """``"42"`` → 42; anything that is not a positive 64-bit key → None."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def safe_target(request, url, fallback):
    """``url`` if it stays on this site (no other host, no scheme trick such
    as ``//other.host/`` or ``/\\other.host``), else ``fallback``."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def bad_request(request, message):
    return render(request, "400.html", {"message": message}, status=400)


class EdgeLimitsMiddleware:
    """Refuse oversized query strings before a view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        params = request.GET
        if len(params) > MAX_PARAMS:
            return bad_request(request, _("请求的参数过多。"))
        for values in params.lists():
            if any(len(v) > MAX_VALUE for v in values[1]):
                return bad_request(
                    request,
                    _("输入的内容过长（不能超过 %(n)s 个字符）。") % {"n": MAX_VALUE},
                )
        return self.get_response(request)


class RefusalsWithoutTraceback:
    """Logging filter for ``django.request``: a 403 or 404 is an expected
    answer (recorded as an access event for the auditor), not a fault — log
    one line, not a traceback per refused request."""

    def filter(self, record):
        if getattr(record, "status_code", None) in (400, 403, 404, 405):
            record.exc_info = None
            record.exc_text = None
        return True
