"""The sans-IO layer, as the native library exposes it: :class:`Client`
builds every request as an :class:`HttpRequest` and parses every
:class:`HttpResponse`; :class:`Session` is the renewal state machine;
:class:`PendingAuthorization` resumes in any runtime; :class:`HttpTransport`,
:class:`Environment` and :class:`TokenStore` are what a host implements.

Its enums (``ErrorKind``, ``Action``, ``Method``, ...) are the native ones;
errors it raises are :class:`authflow.AuthflowError` like everywhere else.
"""

from __future__ import annotations

from ._native import *  # noqa: F401,F403
from ._native import authflow as _generated
from ._defaults import (  # noqa: F401
    SystemEnvironment, persister, raise_store_error, raise_timeout_error, raise_transport_error,
)
from ._errors import AuthflowError  # noqa: F401  (the native name is a namespace, not an exception)

__all__ = [name for name in getattr(_generated, "__all__", dir(_generated)) if not name.startswith("_")
           and name != "authflow"] + [
    "SystemEnvironment", "raise_store_error", "raise_timeout_error", "raise_transport_error", "persister"]
