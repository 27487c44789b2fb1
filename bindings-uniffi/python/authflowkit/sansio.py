"""The sans-IO layer, as the native library exposes it: :class:`Client`
builds every request as an :class:`HttpRequest` and parses every
:class:`HttpResponse`; :class:`Session` is the renewal state machine;
:class:`PendingAuthorization` resumes in any runtime; :class:`HttpTransport`,
:class:`Environment` and :class:`TokenStore` are what a host implements.

Its enums (``ErrorKind``, ``Action``, ``Method``, ...) are the native ones;
errors it raises are :class:`authflowkit.AuthflowError` like everywhere else.
"""

from __future__ import annotations

# The native AuthflowError is the namespace of the native exception
# classes, not the exception to catch: authflow's own is bound around the
# star import, before it for type checkers (the first binding stays) and
# after it for the interpreter (the last one wins).
from ._errors import AuthflowError as AuthflowError
from ._native import *  # type: ignore[assignment]  # noqa: F401,F403
from ._native import authflow as _generated
# `as` marks a re-export for type checkers (mypy --strict has no implicit ones).
from ._defaults import SystemEnvironment as SystemEnvironment
from ._defaults import persister as persister
from ._defaults import raise_store_error as raise_store_error
from ._defaults import raise_timeout_error as raise_timeout_error
from ._defaults import raise_transport_error as raise_transport_error
from ._errors import AuthflowError as AuthflowError  # noqa: F811

__all__ = [name for name in getattr(_generated, "__all__", dir(_generated)) if not name.startswith("_")
           and name != "authflow"] + [
    "SystemEnvironment", "raise_store_error", "raise_timeout_error", "raise_transport_error", "persister"]


def _document_generated() -> None:
    """Docstrings for help() where the generator writes none: the variant
    tests of the enums with fields (``action.is_send()``) and the
    exception for a failure inside the native library."""
    _generated.InternalError.__doc__ = (
        "A failure inside the native library, not in the request or the provider: a bug to report.")
    for cls in vars(_generated).values():
        if not isinstance(cls, type) or cls.__module__ != _generated.__name__:
            continue
        for name, member in vars(cls).items():
            if name.startswith("is_") and callable(member) and not member.__doc__:
                member.__doc__ = f"True when this is the {name[3:].upper()} variant."


_document_generated()
