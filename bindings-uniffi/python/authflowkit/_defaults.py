"""The default transport and environment, from the standard library only:
``urllib.request`` for HTTP (so Python's TLS, proxies and trust store
apply), the system clock, and ``os.urandom``."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import time
import traceback
import typing

from ._errors import AuthflowError, native_error
from ._native import (
    Environment,
    ErrorDetails,
    HttpHeader,
    HttpRequest,
    HttpResponse,
    HttpTransport,
    TokenPersister,
    TokenSet,
    method_name,
    store_error,
    timeout_error,
    transport_error,
)

if typing.TYPE_CHECKING:
    import urllib.request

#: Bodies larger than this are refused: no token or API answer comes near it.
MAX_BODY = 4 * 1024 * 1024


def raise_transport_error(reason: str) -> typing.NoReturn:
    """Raises the error a transport raises when no answer came back
    (kind ``transport``, action ``retry``). ``reason`` must not quote the
    request's URL, headers or body."""
    _raise(transport_error(reason))


def raise_timeout_error(reason: str) -> typing.NoReturn:
    """Raises the error a transport raises when no complete answer came
    back in the time it allows (kind ``timeout``, action ``retry``): the
    request may have reached the provider. ``reason`` must not quote the
    request's URL, headers or body."""
    _raise(timeout_error(reason))


def raise_store_error(reason: str) -> typing.NoReturn:
    """Raises the error a :class:`authflowkit.TokenStore` raises when its store
    cannot be reached (kind ``store_unavailable``, action ``retry``).
    ``reason`` must not quote a stored value."""
    _raise(store_error(reason))


def _raise(d: ErrorDetails) -> typing.NoReturn:
    raise native_error("Transport", d)


def _no_redirect_opener() -> urllib.request.OpenerDirector:
    """An opener that follows no redirect: a token endpoint that redirects
    is an answer to see, not to follow."""
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            return None

    return urllib.request.build_opener(_NoRedirect())


class UrllibTransport(HttpTransport):
    """Sends requests with ``urllib.request``: no redirects followed, every
    status returned as a response, failures raised as
    :data:`authflowkit.TransportError` without the URL or headers in the
    message (kind ``timeout`` when ``timeout`` seconds passed without a
    complete answer, ``transport`` otherwise). ``send_async`` runs ``send`` in the event loop's default
    executor."""

    def __init__(self, timeout: float = 30.0, opener: typing.Optional[urllib.request.OpenerDirector] = None) -> None:
        self.timeout = timeout
        self._opener = opener

    def send(self, request: HttpRequest) -> HttpResponse:
        """Sends one request, blocking."""
        # Imported here rather than with the package: with email and
        # tempfile, they were about a fifth of `import authflowkit`, paid
        # also by programs that never send with this transport.
        import http.client
        import urllib.error
        import urllib.request

        if self._opener is None:
            # Two threads' first sends may both build one: either will do.
            self._opener = _no_redirect_opener()
        outgoing = urllib.request.Request(
            request.url,
            data=request.body if request.body else None,
            method=method_name(request.method),
        )
        for header in request.headers:
            outgoing.add_header(header.name, header.value)
        try:
            try:
                answer = self._opener.open(outgoing, timeout=self.timeout)
            except urllib.error.HTTPError as error:  # a status, not a failure
                answer = error
            with answer:
                body = answer.read(MAX_BODY + 1)
                if len(body) > MAX_BODY:
                    raise_transport_error("the body is too large")
                headers = [HttpHeader(name=k, value=v) for k, v in answer.headers.items()]
                return HttpResponse(status=answer.status, headers=headers, body=body)
        except AuthflowError:
            raise
        except (socket.timeout, TimeoutError):
            raise_timeout_error("timed out")
        except urllib.error.URLError as error:
            if isinstance(error.reason, (socket.timeout, TimeoutError)):
                raise_timeout_error("timed out")
            if isinstance(error.reason, ConnectionRefusedError):
                raise_transport_error("connection refused")
            raise_transport_error("the connection failed")
        except (http.client.HTTPException, ConnectionError, OSError):
            raise_transport_error("the connection failed or was dropped")

    async def send_async(self, request: HttpRequest) -> HttpResponse:
        """Sends one request in the running loop's default executor."""
        return await asyncio.get_running_loop().run_in_executor(None, self.send, request)


class SystemEnvironment(Environment):
    """The system clock and ``os.urandom``. An :class:`authflowkit.OAuthClient`
    given this class itself (the default) reads the same clock and an
    OS-seeded CSPRNG inside the native library instead, with no call back
    into Python; a subclass is called."""

    def now(self) -> int:
        """The current Unix time in seconds."""
        return int(time.time())

    def random_bytes(self, len: int) -> bytes:  # noqa: A002 (the trait's name)
        """``len`` bytes from the operating system's CSPRNG."""
        return os.urandom(len)


class _NotStored(Exception):
    """The set was not stored (the app's exception is logged, not passed on)."""


class _CallablePersister(TokenPersister):
    def __init__(self, callback: typing.Callable[[TokenSet], None]) -> None:
        self._callback = callback

    def persist(self, tokens: TokenSet) -> None:
        try:
            returned: object = self._callback(tokens)
            if inspect.isawaitable(returned):
                # Called from inside the library, where nothing awaits it:
                # the set would be taken for stored and never written.
                if inspect.iscoroutine(returned):
                    returned.close()
                raise TypeError(f"on_persist returned {type(returned).__name__}, which nothing awaits: {_PLAIN}")
        except Exception as error:
            # The app's store may quote what it was given (SQLAlchemy and
            # psycopg put a statement's parameters in their messages): the
            # traceback is logged without the set's tokens.
            text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            text = tokens.redact_secrets(text)
            logging.getLogger("authflowkit").error(
                "on_persist failed (the session hands the tokens over again at a later call):\n%s", text)
            # The session retries the set after a back-off; what it is told
            # carries nothing of the app's exception.
            raise _NotStored() from None

    def __repr__(self) -> str:
        return "TokenPersister(callback)"


#: What an ``on_persist`` must be, for the errors that say it is not.
_PLAIN = "give a plain function that has stored the set when it returns (the session calls it from inside the library)"


def persister(
    on_persist: typing.Union[None, TokenPersister, typing.Callable[[TokenSet], None]],
) -> typing.Optional[TokenPersister]:
    """A :class:`TokenPersister` from a callable (or one given as is). A
    coroutine function is refused: nothing would await its coroutine."""
    if on_persist is None or isinstance(on_persist, TokenPersister):
        return on_persist
    if inspect.iscoroutinefunction(on_persist) or inspect.iscoroutinefunction(getattr(on_persist, "__call__", None)):
        raise TypeError(f"on_persist is a coroutine function, whose coroutine would never run: {_PLAIN}")
    return _CallablePersister(on_persist)
