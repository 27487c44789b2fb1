"""A :class:`TokenStore` in Redis, over redis-py (``pip install
'authflow[redis]'``): for :meth:`OAuthClient.shared_session`, so that every
process of a fleet renews a connection's tokens once per expiry.

The layout is the Rust ``authflow-store`` crate's ``RedisStore``, so Python
and Rust processes can share one connection: a hash per token set (``g``:
generation, ``v``: the token set's JSON form), the lease as a key holding
its owner with a ``PX`` time to live; compare-and-set, taking the lease and
releasing it are Lua scripts.

Redis holds live tokens: give it a password or an ACL user and use
``rediss://`` (TLS, Python's own ``ssl``) when it leaves the host."""

from __future__ import annotations

import typing

from ._native import AuthflowError, StoredTokens, TokenStore, store_error

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
    d = store_error(f"Redis: {type(error).__name__}")
    return AuthflowError.Transport(
        kind=d.kind, action=d.action, reason=d.reason, retry_after=d.retry_after,
        status=d.status, provider_code=d.provider_code,
        provider_description=d.provider_description, provider_uri=d.provider_uri,
        request_id=d.request_id,
    )


class RedisStore(TokenStore):
    """Token sets and leases in Redis at ``url`` (``redis://[[user]:password@]
    host[:port][/db]`` or ``rediss://…``), each operation bounded by
    ``timeout`` seconds. ``repr`` shows the host, never the password."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        import redis  # the optional dependency: authflow[redis]

        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            health_check_interval=30,
        )
        kwargs = self._redis.connection_pool.connection_kwargs
        self._where = f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
        self._compare_and_set = self._redis.register_script(COMPARE_AND_SET)
        self._take_lease = self._redis.register_script(TAKE_LEASE)
        self._release = self._redis.register_script(RELEASE)
        self._errors: typing.Tuple[typing.Type[Exception], ...] = (redis.RedisError, OSError)

    def __repr__(self) -> str:
        return f"RedisStore({self._where})"

    def get(self, key: str) -> typing.Optional[StoredTokens]:
        """The token set at ``key`` and its generation, or ``None``."""
        try:
            generation, value = self._redis.hmget(key, "g", "v")
        except self._errors as error:
            raise _unavailable(error) from None
        if generation is None or value is None:
            return None
        return StoredTokens(generation=int(generation), value=value.decode("utf-8"))

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
