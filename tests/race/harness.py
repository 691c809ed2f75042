"""The race harness: two paths at once against a real database.

Two tools, both reusable (docs/race-tests.md says how to write a test):

- ``hold(a, at, b)``: run path ``a`` in a thread, pause it at a named
  ``checkpoint`` (``workflows.core.locks``) after it took its lock, run path
  ``b`` in another thread, see whether ``b`` waits (or finishes, or is
  refused), release ``a``. Deterministic; one round shows one interleaving.
- ``Racers``: two real OS processes, each with its own database connection and
  logged-in test clients, released together by a ``multiprocessing.Barrier``
  round after round. Shows what the scheduler does when nobody pauses.

Both need data committed to the test database (``transaction=True`` tests)
and real row locks: PostgreSQL (``postgres_only``). The checks of the outcome
(``Reply``, ``trail_anomalies``, ``assert_plain_words``) work on any database.
"""

import multiprocessing
import re
import threading
import time
import traceback
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connections
from viewflow.workflow.status import STATUS

from workflows.core.locks import hooked

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason=(
        "needs PostgreSQL: row locks and concurrent connections. SQLite's test "
        "database is in memory (one process), and IMMEDIATE transactions "
        "serialise every writer there, so these races cannot happen on it. "
        "CI runs them in its PostgreSQL stage (.ci/run)."
    ),
)


# --- outcomes ---------------------------------------------------------------------


@dataclass
class Outcome:
    """What one side of a race returned, or the exception it raised."""

    value: object = None
    error: str = ""
    trace: str = ""
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.error


def _run(fn, *args):
    started = time.monotonic()
    try:
        return Outcome(value=fn(*args), seconds=time.monotonic() - started)
    except BaseException as error:  # reported to the test, never swallowed
        return Outcome(
            error=f"{type(error).__name__}: {error}",
            trace=traceback.format_exc(),
            seconds=time.monotonic() - started,
        )


@dataclass
class Reply:
    """An HTTP answer as a user sees it: the status and the words shown
    (the 403/409 reason, messages, form errors)."""

    status: int
    texts: list = field(default_factory=list)

    def says(self, fragment):
        return any(fragment in text for text in self.texts)


def summarise(response):
    """``Reply`` of a test-client response (picklable: it crosses processes)."""
    texts = []
    context = response.context
    if context is not None:
        for key in ("exception", "reason"):
            value = context.get(key)
            if value:
                texts.append(str(value))
        form = context.get("form")
        if form is not None and hasattr(form, "non_field_errors"):
            texts.extend(str(e) for e in form.non_field_errors())
    # only this request's messages: earlier ones may wait in the session
    queued = getattr(
        getattr(response.wsgi_request, "_messages", None), "_queued_messages", []
    )
    texts.extend(str(m) for m in queued)
    return Reply(status=response.status_code, texts=texts)


# Words of viewflow's and Django's internals that must never reach a user.
INTERNALS = re.compile(
    r"transition|Lock failed|Traceback|Exception|Error\b|"
    r"\b(NEW|ASSIGNED|STARTED|DONE|CANCELED|SCHEDULED)\b"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_plain_words(reply):
    """No 500, and every word shown is Chinese prose, not an internal."""
    assert reply.status < 500, reply
    for text in reply.texts:
        assert not INTERNALS.search(text), f"internals shown to a user: {text!r}"
        assert CJK.search(text), f"not a sentence for a user: {text!r}"


# --- task history -------------------------------------------------------------------

CLOSED = (STATUS.DONE, STATUS.CANCELED)


def trail_anomalies(task):
    """What in ``task``'s history cannot have happened with one writer at a
    time: completed by someone who no longer held it, changed after it was
    closed, an owner replaced with no reassignment record, a reassignment
    recorded but overwritten, or a row that differs from its last history
    record. An empty list means the trail is consistent."""
    from roles.models import Reassignment

    task.refresh_from_db()
    records = list(
        task.history.order_by("history_id").values("status", "owner_id", "history_id")
    )
    moves = deque(
        Reassignment.objects.filter(task=task)
        .order_by("pk")
        .values_list("from_user_id", "to_user_id")
    )
    problems = []
    for prev, rec in zip(records, records[1:], strict=False):
        before = (prev["status"], prev["owner_id"])
        after = (rec["status"], rec["owner_id"])
        if before == after:
            continue
        if prev["status"] in CLOSED:
            problems.append(f"changed after it was closed: {before} → {after}")
        elif rec["status"] == STATUS.DONE:
            if prev["status"] not in (STATUS.ASSIGNED, STATUS.STARTED) or (
                prev["owner_id"] != rec["owner_id"]
            ):
                problems.append(
                    f"completed by a user who did not hold it: {before} → {after}"
                )
        elif prev["owner_id"] != rec["owner_id"]:
            move = (prev["owner_id"], rec["owner_id"])
            if moves and moves[0] == move:
                moves.popleft()
            elif prev["owner_id"] is not None:
                problems.append(
                    f"owner replaced without a reassignment: {before} → {after}"
                )
    if moves:
        problems.append(f"reassignments recorded but overwritten: {list(moves)}")
    if records and (records[-1]["status"], records[-1]["owner_id"]) != (
        task.status,
        task.owner_id,
    ):
        problems.append("the row differs from its last history record")
    return problems


# --- threads and pauses ---------------------------------------------------------


class Side:
    """One path in its own thread, hence its own database connection."""

    def __init__(self, fn, *args, name="side"):
        self.outcome = None
        self.thread = threading.Thread(target=self._main, args=(fn, args), name=name)
        self.thread.daemon = True

    def _main(self, fn, args):
        try:
            self.outcome = _run(fn, *args)
        finally:
            connections.close_all()  # this thread's connections only

    def start(self):
        self.thread.start()
        return self

    def join(self, timeout=30):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.thread.name} did not finish"
        return self.outcome

    @property
    def done(self):
        return self.outcome is not None


class Pause:
    """Stop ``thread`` at checkpoint ``name`` until ``release()``."""

    def __init__(self, name, thread, timeout=30):
        self.name, self.thread, self.timeout = name, thread, timeout
        self.reached = threading.Event()
        self._go = threading.Event()
        self.context = {}

    def __call__(self, name, **context):
        if threading.current_thread() is self.thread and not self.reached.is_set():
            self.context = context
            self.reached.set()
            self._go.wait(self.timeout)

    def release(self):
        self._go.set()


class Seen:
    """Whether ``thread`` passed checkpoint ``name``."""

    def __init__(self, thread):
        self.thread = thread
        self.event = threading.Event()

    def __call__(self, name, **context):
        if threading.current_thread() is self.thread:
            self.event.set()


class Trace:
    """Record the checkpoints passed (any thread) while the block runs:
    ``with Trace("case.locked", "tasks.locked") as trace: …`` then
    ``trace.events`` is a list of (name, context)."""

    def __init__(self, *names):
        self.names = names
        self.events = []
        self._stack = None

    def _record(self, name, **context):
        self.events.append((name, context))

    def __enter__(self):
        self._stack = ExitStack()
        for name in self.names:
            self._stack.enter_context(hooked(name, self._record))
        return self

    def __exit__(self, *exc):
        self._stack.close()

    def pks(self, name):
        """The ``pks`` of each passage of checkpoint ``name``, in order."""
        return [context["pks"] for n, context in self.events if n == name]


def out_of_order(acquisitions):
    """Lock acquisitions (lists of process pks, in the order taken within one
    transaction) that take a case whose pk is below one already held — the
    one lock order is ascending pk. Re-taking a held case is fine."""
    held, problems = set(), []
    for pks in acquisitions:
        new = set(pks) - held
        if new and held and min(new) < max(held):
            problems.append(f"took {sorted(new)} while holding {sorted(held)}")
        held |= new
    return problems


@dataclass
class Held:
    """The outcome of ``hold``."""

    a: Outcome
    b: Outcome
    b_waited: bool  # b found the case locked and retried (checkpoint case.busy)
    b_done_while_held: bool  # b finished while a was still paused


def hold(a, at, b, *, patience=1.0, until_busy=True, timeout=30):
    """Run ``a`` until checkpoint ``at``, hold it there, run ``b``; release
    ``a`` as soon as ``b`` finishes or (``until_busy``) reports the case busy,
    or after ``patience`` seconds (``b`` blocked somewhere else, e.g. on a row
    lock). ``a`` and ``b`` are callables; each runs in its own thread."""
    side_a, side_b = Side(a, name="a"), Side(b, name="b")
    pause, busy = Pause(at, side_a.thread), Seen(side_b.thread)
    with hooked(at, pause), hooked("case.busy", busy):
        side_a.start()
        while not pause.reached.wait(0.05):
            if side_a.done:
                pytest.fail(f"a finished without reaching {at!r}: {side_a.outcome}")
        side_b.start()
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline and not side_b.done:
            if busy.event.wait(0.02) and until_busy:
                break
        b_done_while_held = side_b.done
        pause.release()
        outcome_a = side_a.join(timeout)
        outcome_b = side_b.join(timeout)
    return Held(outcome_a, outcome_b, busy.event.is_set(), b_done_while_held)


# --- two processes ----------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request of a race: which logged-in client sends what."""

    desk: str
    url: str
    data: dict = field(default_factory=dict)

    def __call__(self, clients):
        response = clients[self.desk].post(self.url, self.data)
        # an HTTP client (tests/race/served.py) answers a Reply itself
        return response if isinstance(response, Reply) else summarise(response)


def _serve(clients, barrier, conn, timeout):
    """A racer's loop (in the child): wait for a request, meet the other
    racer at the barrier, send it, report the outcome."""
    try:
        while True:
            request = conn.recv()
            if request is None:
                return
            barrier.wait(timeout)
            conn.send(_run(request, clients))
    finally:
        connections.close_all()
        conn.close()


class Racers:
    """Two (or more) forked processes sending one request each per round,
    released together by a barrier. ``clients`` (name → logged-in test
    client) are made before the fork and shared by every racer; the parent's
    connections are closed first so no child inherits a socket.

        with Racers(clients) as racers:
            reply_a, reply_b = racers.round(Request(...), Request(...))
    """

    def __init__(self, clients, n=2, timeout=60):
        self.clients, self.n, self.timeout = clients, n, timeout
        self._children = []

    def __enter__(self):
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(self.n)
        connections.close_all()
        for i in range(self.n):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_serve,
                args=(self.clients, barrier, child_end, self.timeout),
                name=f"racer-{i}",
                daemon=True,
            )
            process.start()
            child_end.close()
            self._children.append((process, parent_end))
        return self

    def round(self, *requests):
        """Each racer sends its request at the same moment; their outcomes
        (``Reply`` values, or the exception a racer met) in order."""
        assert len(requests) == self.n
        for (_process, conn), request in zip(self._children, requests, strict=True):
            conn.send(request)
        outcomes = []
        for process, conn in self._children:
            if not conn.poll(self.timeout):
                raise AssertionError(f"{process.name} did not answer")
            outcomes.append(conn.recv())
        return outcomes

    def __exit__(self, *exc):
        for _process, conn in self._children:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for process, conn in self._children:
            process.join(10)
            if process.is_alive():
                process.kill()
            conn.close()
        self._children = []
