"""When the database is away: which errors say so, and one more try for requests that only read.

pyramid_retry (DESIGN.md §3) runs a request again when its error is marked retryable;
pyramid_tm marks serialization conflicts, which are retried up to `retry.attempts` times. A lost
connection (the server restarted, a connection killed, a pool that cannot connect) is marked here,
once per request and only for GET, HEAD and OPTIONS: they change nothing, so running them again
is harmless, while a POST whose connection died during COMMIT may have been saved, and running it
again could save it twice. What is not retried is answered 503 by the error page
(views/errors.py), after pyramid_tm has rolled the transaction back.

The tween sits above pyramid_tm, so it also sees what fails before the exception views are
reached (pyramid_tm reads the identity, a database query, before the view is called) and gives it
the error page instead of the server's bare "Internal Server Error".
"""
from __future__ import annotations

import sys

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound
from pyramid_retry import is_last_attempt, mark_error_retryable

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set in the WSGI environ, which every attempt of one request shares.
RETRIED = "portal.retried_lost_connection"
# SQLAlchemy's code for "Can't reconnect until invalid transaction is rolled back": the
# connection was lost earlier in this transaction (and the error was caught and passed over).
LOST_IN_THIS_TRANSACTION = "8s2b"


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached or stopped answering, rather than
    that a statement is wrong: a lost or refused connection, a server that is shutting down or
    too busy (OperationalError), an exhausted connection pool."""
    if isinstance(exc, sa.exc.DBAPIError):
        return exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError)
    if isinstance(exc, sa.exc.PendingRollbackError):
        return getattr(exc, "code", None) == LOST_IN_THIS_TRANSACTION
    return isinstance(exc, sa.exc.DisconnectionError | sa.exc.TimeoutError)


def retry_once(request, exc: BaseException) -> bool:
    """Mark `exc` for pyramid_retry when the database is away, the request only reads, and it
    has not been retried for this reason yet; True when it will be retried."""
    if (not database_unavailable(exc) or request.method not in SAFE_METHODS
            or request.environ.get(RETRIED) or is_last_attempt(request)):
        return False
    request.environ[RETRIED] = True
    mark_error_retryable(exc)
    return True


def database_errors_tween_factory(handler, registry):
    def database_errors_tween(request):
        try:
            response = handler(request)
        except Exception as exc:
            if retry_once(request, exc):
                raise
            try:
                # The exception views render without the database (views/errors.py).
                return request.invoke_exception_view(sys.exc_info())
            except HTTPNotFound:
                raise exc from None
        # An exception view has already drawn the page: pyramid_retry drops it when marked.
        exc = getattr(request, "exception", None)
        if exc is not None:
            retry_once(request, exc)
        return response

    return database_errors_tween


def includeme(config) -> None:
    config.add_tween("portal.core.retry.database_errors_tween_factory",
                     over="pyramid_tm.tm_tween_factory")
