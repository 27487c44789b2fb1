"""authflow's exceptions, as a Python programmer expects them: one base
class, :class:`AuthflowError`, a subclass per family, and ``kind`` /
``action`` that compare with strings (``e.kind == "invalid_client"``).

The errors themselves are raised by the native library; this module makes
its exception classes subclasses of the ones below, so ``except
authflowkit.OAuthError`` catches them, and gives them typed ``kind`` and
``action`` attributes and a readable ``str(e)`` (the core's one-line text).
"""

from __future__ import annotations

import enum
import typing

from ._native import authflow as _native


class _Name(str, enum.Enum):
    """A str-valued enum: members equal their snake_case names."""

    def __str__(self) -> str:
        return str(self.value)

    def __eq__(self, other: object) -> bool:
        # The native library lowers an error a Python transport raises by
        # comparing its kind with the native enum's members.
        native = getattr(_native, type(self).__name__)
        if isinstance(other, native):
            return bool(self.name == other.name)
        return str.__eq__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self)


class ErrorKind(_Name):
    """What went wrong. Members equal their names: ``kind == "invalid_grant"``."""

    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    INVALID_GRANT = "invalid_grant"
    UNAUTHORIZED_CLIENT = "unauthorized_client"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    INVALID_SCOPE = "invalid_scope"
    ACCESS_DENIED = "access_denied"
    UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"
    SERVER_ERROR = "server_error"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
    OTHER_OAUTH_ERROR = "other_oauth_error"
    STATE_MISMATCH = "state_mismatch"
    MISSING_CODE = "missing_code"
    MISSING_STATE = "missing_state"
    DUPLICATE_PARAMETER = "duplicate_parameter"
    PENDING_EXPIRED = "pending_expired"
    ISSUER_MISMATCH = "issuer_mismatch"
    MISSING_ISSUER = "missing_issuer"
    TOKEN_IN_CALLBACK = "token_in_callback"
    PENDING_ALREADY_USED = "pending_already_used"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    CLIENT_STATUS = "client_status"
    SERVER_STATUS = "server_status"
    UNEXPECTED_STATUS = "unexpected_status"
    TRANSPORT = "transport"
    TIMEOUT = "timeout"
    STORE_UNAVAILABLE = "store_unavailable"
    INVALID_RESPONSE = "invalid_response"
    CONFIGURATION = "configuration"
    AUTHORIZATION_REQUIRED = "authorization_required"
    INVALID_STORED_VALUE = "invalid_stored_value"
    EXPIRED_TOKEN = "expired_token"
    ID_TOKEN_INVALID = "id_token_invalid"


class Action(_Name):
    """What to do about an error. Members equal their names: ``action == "retry"``."""

    RETRY = "retry"
    REFRESH = "refresh"
    REAUTHENTICATE = "reauthenticate"
    AUTHORIZE_AGAIN = "authorize_again"
    USER_DENIED = "user_denied"
    FIX_CONFIGURATION = "fix_configuration"
    REPORT = "report"


_N = typing.TypeVar("_N", bound=_Name)


class _NameOf(typing.Generic[_N]):
    """An error's ``kind`` or ``action``: the native library sets its own
    enum's member, readers get the string enum's (by the same name)."""

    def __init__(self, names: typing.Type[_N]) -> None:
        self._names = names
        self._native = getattr(_native, names.__name__)

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_native_{name}"

    @typing.overload
    def __get__(self, error: None, owner: type) -> "_NameOf[_N]": ...

    @typing.overload
    def __get__(self, error: object, owner: type) -> _N: ...

    def __get__(self, error: object, owner: type) -> typing.Union[_N, "_NameOf[_N]"]:
        if error is None:
            return self
        return self._names[getattr(error, self._slot).name]

    def __set__(self, error: object, value: typing.Any) -> None:
        setattr(error, self._slot, self._native[value.name])


class AuthflowError(Exception):
    """An authflow failure: what went wrong (:attr:`kind`), what to do about
    it (:attr:`action`), when to retry, and what the provider said.
    ``str(e)`` is one line for a person or a log; nothing in it, or in any
    attribute, is ever a secret."""

    #: authflow's description, quoting what the provider said.
    reason: str
    #: Seconds to wait before retrying.
    retry_after: typing.Optional[int]
    #: The HTTP status, when the error came from a response.
    status: typing.Optional[int]
    #: The provider's error code (``error`` of RFC 6749 §5.2, or its own).
    provider_code: typing.Optional[str]
    #: The provider's description.
    provider_description: typing.Optional[str]
    #: The provider's ``error_uri``.
    provider_uri: typing.Optional[str]
    #: The provider's request id.
    request_id: typing.Optional[str]

    #: What went wrong, e.g. ``"invalid_client"``.
    kind = _NameOf(ErrorKind)
    #: What to do, e.g. ``"fix_configuration"``.
    action = _NameOf(Action)

    def details(self) -> _native.ErrorDetails:
        """The fields as the native library's ``ErrorDetails`` record."""
        return _native.ErrorDetails(
            kind=getattr(self, "_native_kind"), action=getattr(self, "_native_action"), reason=self.reason,
            retry_after=self.retry_after, status=self.status, provider_code=self.provider_code,
            provider_description=self.provider_description, provider_uri=self.provider_uri,
            request_id=self.request_id,
        )

    def __str__(self) -> str:
        return _native.error_message(self.details())


class OAuthError(AuthflowError):
    """The provider answered with an OAuth error code."""


class CallbackError(AuthflowError):
    """The redirect back from the provider failed a check (state, issuer, age, code)."""


class HttpError(AuthflowError):
    """An HTTP status without an OAuth error code (401, 403, 429, 5xx, ...)."""


class TransportError(AuthflowError):
    """No complete response came back (kind ``transport`` or ``timeout``)."""


class InvalidResponseError(AuthflowError):
    """A response could not be understood."""


class ConfigurationError(AuthflowError):
    """The configuration or an input is wrong."""


class AuthorizationRequiredError(AuthflowError):
    """No usable token, and only the user can grant one."""


class InvalidStoredValueError(AuthflowError):
    """A stored value is corrupt, of an unknown version, or not this client's."""


_FAMILIES: typing.Dict[str, typing.Type[AuthflowError]] = {
    "OAuth": OAuthError,
    "Callback": CallbackError,
    "Http": HttpError,
    "Transport": TransportError,
    "InvalidResponse": InvalidResponseError,
    "Configuration": ConfigurationError,
    "AuthorizationRequired": AuthorizationRequiredError,
    "InvalidStoredValue": InvalidStoredValueError,
}


def _init(self: AuthflowError, kind: typing.Any, action: typing.Any, reason: str,
          retry_after: typing.Optional[int], status: typing.Optional[int], provider_code: typing.Optional[str],
          provider_description: typing.Optional[str], provider_uri: typing.Optional[str],
          request_id: typing.Optional[str]) -> None:
    """The native exception's constructor (same parameters), keeping its
    fields as ``args``: pickle and ``copy`` build an exception again from
    ``args``, so an error crosses a process pool or a task queue whole
    (UniFFI's own keeps one string there, and cannot be built from it).
    Nor does it format every field into a text nobody reads: ``str(e)`` is
    the core's message."""
    self.args = (kind, action, reason, retry_after, status, provider_code, provider_description, provider_uri,
                 request_id)
    self.kind = kind
    self.action = action
    self.reason = reason
    self.retry_after = retry_after
    self.status = status
    self.provider_code = provider_code
    self.provider_description = provider_description
    self.provider_uri = provider_uri
    self.request_id = request_id


# The native exception classes become subclasses of the families above,
# and stay subclasses of their native base (the library catches that one
# when a transport or a store raises).
for _variant, _family in _FAMILIES.items():
    _cls = getattr(_native.AuthflowError, _variant)
    _native_base = next(b for b in _cls.__mro__[1:] if b.__name__ == "AuthflowError"
                        and b.__module__ == _native.__name__)
    _cls.__bases__ = (_family, _native_base)
    _cls.__init__ = _init



def native_error(variant: str, d: _native.ErrorDetails) -> AuthflowError:
    """The native exception of family ``variant`` (``"Transport"``,
    ``"Configuration"``, ...) with the fields of ``d``: what a transport or
    a store raises, so that the library lowers it as it is."""
    cls: typing.Any = getattr(_native.AuthflowError, variant)
    error: AuthflowError = cls(
        kind=d.kind, action=d.action, reason=d.reason, retry_after=d.retry_after,
        status=d.status, provider_code=d.provider_code,
        provider_description=d.provider_description, provider_uri=d.provider_uri,
        request_id=d.request_id,
    )
    return error
