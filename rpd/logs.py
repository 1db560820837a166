"""Structured logs: one JSON object a line on stderr, each with the request's id and the
signed-in person's id, never anything written about a case.

What a line may carry: the time, level, logger, the message, the request id, the user's
database id, and a traceback. Messages are written by us or by Django; ours name rows by
id, never by a person's name, an NHS number or an address, and a request is logged by its
URL pattern (`disagreements/<int:pk>/`), not its path, so the secret tokens of preferences
and calendar links stay out too. tests/test_logs.py runs every transition and page of a
case and searches the log for the subject's identifiers.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import sys
import time
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("rpd_request_id", default="")
user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("rpd_user_id", default=None)

# A request id a proxy sends (X-Request-ID) is kept when it is plainly an id.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The paths of links whose last part is a secret (preferences, calendar feeds): Django
# names the path in its own lines ("Not Found: /notices/preferences/..."); we cut it.
SECRET_PATHS = re.compile(r"(/notices/preferences/|/calendar/)[^/\s]+")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": SECRET_PATHS.sub(r"\1...", record.getMessage()),
            "request_id": request_id.get() or None,
            "user_id": user_id.get(),
        }
        for key in ("method", "route", "status", "ms"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (as logging's last resort
    does), so a process that replaces it, or a test capturing it, gets every line."""

    def __init__(self, level=logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr


requests = logging.getLogger("rpd.requests")


class RequestLog:
    """Gives each request an id (the proxy's X-Request-ID when it sends one), names the
    signed-in person's id on every line logged while it runs, returns the id in the
    response's X-Request-ID, and logs one line for the request when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        tokens = (request_id.set(rid), user_id.set(None))  # NamesUser sets the user
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            requests.info(
                "request",
                extra={
                    "method": request.method,
                    "route": match.route if match else None,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            response["X-Request-ID"] = rid
            return response
        finally:
            request_id.reset(tokens[0])
            user_id.reset(tokens[1])


class NamesUser:
    """Sets the signed-in person's id for the lines logged while the view runs (placed
    after the authentication middleware, which is where it becomes known)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id.set(user.pk)
        return self.get_response(request)
