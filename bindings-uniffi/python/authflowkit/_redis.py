"""A :class:`TokenStore` in Redis, over redis-py (``pip install
'authflowkit[redis]'``): for :meth:`OAuthClient.shared_session`, so that every
process of a fleet renews a connection's tokens once per expiry; and its
asyncio twin over ``redis.asyncio``, :class:`AsyncRedisStore`, for
:meth:`AsyncOAuthClient.shared_session` (same scripts, same keys: blocking,
asyncio and Rust processes share one connection).

The layout is the Rust ``authflowkit-store`` crate's ``RedisStore``, so Python
and Rust processes can share one connection: a hash per token set (``g``:
generation, ``v``: the token set's JSON form), the lease as a key holding
its owner with a ``PX`` time to live; compare-and-set, taking the lease and
releasing it are Lua scripts.

Redis holds live tokens, in clear: give it a password or an ACL user and
use ``rediss://`` (TLS, Python's own ``ssl``) when it leaves the host. Plain
``redis://`` is refused to any host but this one (a loopback address,
``localhost``, ``unix://``) unless ``allow_plaintext_remote=True``, as the
Rust store does."""

from __future__ import annotations

import asyncio
import ipaddress
import typing

from ._errors import AuthflowError, native_error
from ._native import Action as NativeAction
from ._native import AsyncTokenStore, ErrorDetails, StoredTokens, TokenStore, store_error
from ._native import ErrorKind as NativeErrorKind

#: Writes only if the stored generation (absent: 0) is the expected one.
COMPARE_AND_SET = """
local current = redis.call('HGET', KEYS[1], 'g')
if not current then current = '0' end
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'g', ARGV[2], 'v', ARGV[3])
  return 1
end
return 0
"""

#: Takes the lease if free, or restarts its time to live for its holder.
TAKE_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""

#: Deletes the lease only if the caller holds it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _unavailable(error: Exception) -> AuthflowError:
    """``store_unavailable``, naming the error's type only: a server's reply
    could echo what it was sent."""
    return native_error("Transport", store_error(f"Redis: {type(error).__name__}"))


def _configuration(reason: str) -> AuthflowError:
    """``configuration`` (action ``fix_configuration``): the store's settings
    are wrong, retrying will not help."""
    return native_error("Configuration", ErrorDetails(
        kind=NativeErrorKind.CONFIGURATION, action=NativeAction.FIX_CONFIGURATION, reason=reason,
        retry_after=None, status=None, provider_code=None, provider_description=None,
        provider_uri=None, request_id=None,
    ))


def _is_this_host(host: str) -> bool:
    """A loopback address or ``localhost``: traffic that stays on this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Connection(typing.NamedTuple):
    """What a store makes its client from: the checked settings."""

    #: redis-py's ``from_url`` keyword arguments beyond the URL.
    options: typing.Dict[str, typing.Any]
    #: ``host:port`` or the socket path, for ``repr`` and errors.
    where: str
    tls: bool


def _connection(url: str, timeout: float, ca_pem: typing.Optional[str],
                allow_plaintext_remote: bool) -> _Connection:
    """Checks ``url`` as both stores take it (see :class:`RedisStore`)."""
    from redis.connection import SSLConnection, UnixDomainSocketConnection, parse_url

    try:
        # redis-py leaves parse_url unannotated: say what it returns.
        settings: typing.Dict[str, typing.Any] = typing.cast(typing.Any, parse_url)(url)
    except ValueError:
        # Its message may quote a part of the URL: the password's, too.
        raise _configuration("Redis URL not usable") from None
    connection_class = settings.get("connection_class")
    tls = connection_class is SSLConnection
    where = f"{settings.get('host', 'localhost')}:{settings.get('port', 6379)}"
    if connection_class is UnixDomainSocketConnection:
        where = str(settings.get("path", "?"))
    elif not tls and not allow_plaintext_remote and not _is_this_host(settings.get("host", "localhost")):
        raise _configuration(
            f"Redis at {where}: plain redis:// to another host sends the password and the "
            "tokens in clear; use rediss:// (TLS), or opt in with allow_plaintext_remote=True "
            "(Rust: RedisOptions::allow_plaintext_remote) on a network nobody else can read")
    if tls and (str(settings.get("ssl_cert_reqs", "required")).lower() != "required"
                or settings.get("ssl_check_hostname") is False):
        raise _configuration(
            f"Redis at {where}: the URL turns the certificate check off; give the CA that "
            "signed the server's certificate (ca_pem=...) instead")
    options: typing.Dict[str, typing.Any] = {
        "socket_timeout": timeout, "socket_connect_timeout": timeout, "health_check_interval": 30,
    }
    if tls:
        # redis-py 5 did not check the name by default (6 does).
        options["ssl_check_hostname"] = True
    if ca_pem is not None:
        if not tls:
            raise _configuration("Redis: a CA (ca_pem) is for rediss:// URLs")
        if "-----BEGIN CERTIFICATE-----" not in ca_pem:
            raise _configuration("Redis CA: no CERTIFICATE block in the PEM")
        options["ssl_ca_data"] = ca_pem
    return _Connection(options, where, tls)


def _failures() -> typing.Tuple[typing.Type[Exception], ...]:
    """What a Redis call raises when the store cannot answer (asyncio's
    timeout is not ``OSError`` before Python 3.11)."""
    import redis

    return (redis.RedisError, OSError, asyncio.TimeoutError)


def _scripts(client: typing.Any) -> typing.Tuple[typing.Any, typing.Any, typing.Any]:
    """The three scripts, registered with a blocking or an asyncio client."""
    return (client.register_script(COMPARE_AND_SET), client.register_script(TAKE_LEASE),
            client.register_script(RELEASE))


def _stored(generation: typing.Optional[bytes], value: typing.Optional[bytes]) -> typing.Optional[StoredTokens]:
    """A hash's ``g`` and ``v`` as a stored token set (bytes: the clients
    are made without ``decode_responses``)."""
    if generation is None or value is None:
        return None
    return StoredTokens(generation=int(generation), value=value.decode("utf-8"))


class _Redis:
    """What both stores hold: a redis-py client (blocking or asyncio) made
    from a checked URL, the scripts registered with it, and where it goes."""

    def _connect(self, from_url: typing.Callable[..., typing.Any], url: str, timeout: float,
                 ca_pem: typing.Optional[str], allow_plaintext_remote: bool) -> None:
        connection = _connection(url, timeout, ca_pem, allow_plaintext_remote)
        self._redis = from_url(url, **connection.options)
        self._where = connection.where
        self._tls = connection.tls
        self._compare_and_set, self._take_lease, self._release = _scripts(self._redis)
        self._errors = _failures()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._where}, tls={self._tls})"


class RedisStore(_Redis, TokenStore):
    """Token sets and leases in Redis at ``url`` (``redis://[[user]:password@]
    host[:port][/db]``, ``rediss://…`` or ``unix://…``), each operation
    bounded by ``timeout`` seconds. ``repr`` shows the host, never the
    password.

    ``rediss://`` checks the server's certificate and name against the
    system's trust store, or against ``ca_pem`` (PEM text of the CA that
    signed a private Redis's certificate); URL options that turn either
    check off are refused. Plain ``redis://`` to another host sends the
    password and the tokens in clear: refused with
    :data:`authflowkit.ConfigurationError` unless ``allow_plaintext_remote=True``
    (a network nobody else can read)."""

    def __init__(self, url: str, timeout: float = 5.0, *, ca_pem: typing.Optional[str] = None,
                 allow_plaintext_remote: bool = False) -> None:
        import redis  # the optional dependency: authflowkit[redis]

        self._connect(redis.Redis.from_url, url, timeout, ca_pem, allow_plaintext_remote)

    def get(self, key: str) -> typing.Optional[StoredTokens]:
        """The token set at ``key`` and its generation, or ``None``."""
        try:
            generation, value = self._redis.hmget(key, "g", "v")
        except self._errors as error:
            raise _unavailable(error) from None
        return _stored(generation, value)

    def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        """Writes ``value`` as ``new_generation`` if ``expected`` is stored."""
        try:
            written = self._compare_and_set(keys=[key], args=[expected, new_generation, value])
        except self._errors as error:
            raise _unavailable(error) from None
        return int(written) == 1

    def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        """Takes the lease for ``ttl_ms`` unless someone else holds it (its
        holder taking it again restarts its time to live)."""
        try:
            return int(self._take_lease(keys=[key], args=[owner, max(ttl_ms, 1)])) == 1
        except self._errors as error:
            raise _unavailable(error) from None

    def release_lease(self, key: str, owner: str) -> None:
        """Releases the lease if ``owner`` holds it."""
        try:
            self._release(keys=[key], args=[owner])
        except self._errors as error:
            raise _unavailable(error) from None


class AsyncRedisStore(_Redis, AsyncTokenStore):
    """:class:`authflowkit.RedisStore` for asyncio, over ``redis.asyncio``:
    the same URL forms, checks (TLS, no plain ``redis://`` to another host
    unless ``allow_plaintext_remote=True``), Lua scripts and keys, so
    blocking, asyncio and Rust processes share one connection. For
    :meth:`authflowkit.AsyncOAuthClient.shared_session`. Its connections
    belong to the event loop that first uses it: make one per loop (per
    process of a ``uvicorn --workers N`` server)."""

    def __init__(self, url: str, timeout: float = 5.0, *, ca_pem: typing.Optional[str] = None,
                 allow_plaintext_remote: bool = False) -> None:
        import redis.asyncio  # the optional dependency: authflowkit[redis]

        self._connect(redis.asyncio.Redis.from_url, url, timeout, ca_pem, allow_plaintext_remote)

    async def aclose(self) -> None:
        """Closes its connections (at the end of the event loop's life)."""
        await self._redis.aclose()

    async def get(self, key: str) -> typing.Optional[StoredTokens]:
        """The token set at ``key`` and its generation, or ``None``."""
        try:
            generation, value = await self._redis.hmget(key, "g", "v")
        except self._errors as error:
            raise _unavailable(error) from None
        return _stored(generation, value)

    async def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        """Writes ``value`` as ``new_generation`` if ``expected`` is stored."""
        try:
            written = await self._compare_and_set(keys=[key], args=[expected, new_generation, value])
        except self._errors as error:
            raise _unavailable(error) from None
        return int(written) == 1

    async def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        """Takes the lease for ``ttl_ms`` unless someone else holds it (its
        holder taking it again restarts its time to live)."""
        try:
            return int(await self._take_lease(keys=[key], args=[owner, max(ttl_ms, 1)])) == 1
        except self._errors as error:
            raise _unavailable(error) from None

    async def release_lease(self, key: str, owner: str) -> None:
        """Releases the lease if ``owner`` holds it."""
        try:
            await self._release(keys=[key], args=[owner])
        except self._errors as error:
            raise _unavailable(error) from None
