"""The race harness against ``make serve``'s layout: gunicorn with several
worker processes, ``project.settings.serve``, on the test database.

``Gunicorn`` starts the server on a free loopback port; ``HttpClient`` is a
logged-in browser over real HTTP (the session of a test client's
``force_login``, a CSRF cookie and header) whose ``post`` answers a
``Reply`` like ``harness.summarise`` does for the test client: the status,
and the words a user is shown — the 403/409 page's reason, the form's
errors, and the message on the page a redirect leads to."""

import html
import http.client
import re
import secrets
import socket
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from tests.processes import ServiceProcess, database_url

from .harness import Reply


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn(ServiceProcess):
    def __init__(self, log_dir, workers=4):
        super().__init__(Path(log_dir) / "gunicorn.log")
        self.workers, self.port = workers, free_port()

    def start(self, timeout=60):
        env = {
            "DJANGO_SETTINGS_MODULE": "project.settings.serve",
            "DATABASE_URL": database_url(),
            # the test process signs the sessions it logs in with
            "SECRET_KEY": settings.SECRET_KEY,
            "CACHE_URL": settings.CELERY_BROKER_URL,
            "AUDIT_HEAD_LOG": str(self.log.with_name("audit-heads.log")),
            "LOG_LEVEL": "WARNING",
        }
        args = [
            "gunicorn", "project.wsgi",
            "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
        ]  # fmt: skip
        return super().start(args, env=env, ready=self.listening, timeout=timeout)

    def listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), 1):
                return True
        except OSError:
            return False


def _text(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# where the pages put what a user is told (project/templates/403.html and
# 409.html, workflows/includes/form.html, viewflow's snackbar, Django's
# non-field error list)
SHOWN = [
    re.compile(r"<vf-snackbar[^>]*>(.*?)</vf-snackbar>", re.S),
    re.compile(r'<div class="zz-errors">(.*?)</div>', re.S),
    re.compile(r'<ul class="errorlist nonfield">(.*?)</ul>', re.S),
]
REFUSAL = re.compile(r"</h1>\s*<p>(.*?)</p>", re.S)


def shown(status, body):
    texts = [_text(m) for pattern in SHOWN for m in pattern.findall(body)]
    if status in (403, 409):
        texts += [_text(m) for m in REFUSAL.findall(body)[:1]]
    return [t for t in texts if t]


class HttpClient:
    """A logged-in browser over HTTP. ``test_client``: a Django test client
    after ``force_login`` (its session is in the database both share)."""

    def __init__(self, base_url, test_client):
        self.host, self.port = urlsplit(base_url).hostname, urlsplit(base_url).port
        token = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.csrf = token
        self.cookies = {"sessionid": test_client.cookies["sessionid"].value}
        self.cookies["csrftoken"] = token
        self._connection = None

    def _request(self, method, path, body=None):
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": self.csrf,
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=60
                )
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self._connection.close()
                self._connection = None
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), data

    def post(self, path, data):
        status, location, body = self._request(
            "POST", path, urlencode(data, doseq=True)
        )
        texts = shown(status, body)
        if status in (301, 302, 303) and location:
            # the message waits in the session for the next page
            target = urlsplit(location)
            _, _, page = self._request(
                "GET", target.path + (f"?{target.query}" if target.query else "")
            )
            texts += shown(200, page)
        return Reply(status=status, texts=texts)

    def get(self, path):
        return self._request("GET", path)
