"""A request that could not get its case's lock answers 409, in words."""

from django.shortcuts import render
from viewflow.workflow.exceptions import FlowLockFailed

from .locks import CaseBusy


class CaseBusyMiddleware:
    """``FlowLockFailed`` (viewflow's, or our ``CaseBusy``) from a view: the
    case stayed locked by someone else for the whole wait. That is a conflict
    with a change in progress, not a refusal, so the answer is 409 Conflict
    with a page saying so and offering to try again; the request's own
    transaction has been rolled back, nothing was written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, FlowLockFailed):
            return None
        return render(
            request,
            "409.html",
            {"reason": CaseBusy.message, "retry": request.get_full_path()},
            status=409,
        )
