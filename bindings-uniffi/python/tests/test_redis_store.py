""":class:`authflowkit.RedisStore`'s and :class:`authflowkit.aio.AsyncRedisStore`'s transport rules (one set of checks): plain ``redis://`` only to
this host unless opted in, and ``rediss://`` against a redis-server started
here with TLS only (``--port 0``), its certificate signed by a CA made here
with the openssl CLI (scripts/redis-tools.sh installs both)."""

from __future__ import annotations

import pathlib
import shutil
import socket
import subprocess
import time
import typing

import pytest

import authflowkit as af
from conftest import REDIS_STORES

each_store = pytest.mark.parametrize("make", REDIS_STORES.values(), ids=REDIS_STORES.keys())

PASSWORD = "py-tls-redis-password"
VALUE = "stored-token-set-value-5c21"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url", [
    f"redis://:{PASSWORD}@10.0.0.5:6379/0",
    f"redis://app-user:{PASSWORD}@redis.internal/0",
    f"redis://:{PASSWORD}@[2001:db8::1]:6379",
    f"redis://:{PASSWORD}@127.0.0.1.example.com/0",
])
@each_store
def test_plain_redis_to_another_host_is_refused_unless_allowed(url: str, make: typing.Callable[..., typing.Any]) -> None:
    with pytest.raises(af.ConfigurationError) as caught:
        make(url)
    assert caught.value.action == "fix_configuration"
    shown = f"{caught.value} {caught.value!r}"
    assert "allow_plaintext_remote=True" in shown
    assert PASSWORD not in shown
    store = make(url, allow_plaintext_remote=True)
    assert "tls=False" in repr(store) and PASSWORD not in repr(store)


@pytest.mark.parametrize("url", [
    f"redis://:{PASSWORD}@127.0.0.1:6379/0",
    "redis://127.0.0.2",
    "redis://LOCALHOST:6379",
    "redis://[::1]:6379",
    "unix:///run/redis.sock",
    f"rediss://:{PASSWORD}@redis.internal:6380/0",
])
@each_store
def test_this_host_and_tls_need_no_opt_in(url: str, make: typing.Callable[..., typing.Any]) -> None:
    assert PASSWORD not in repr(make(url))


@pytest.mark.parametrize("url, ca_pem, expected", [
    (f"redis://:{PASSWORD}@127.0.0.1/0", "-----BEGIN CERTIFICATE-----", "rediss://"),
    (f"rediss://:{PASSWORD}@127.0.0.1/0", "not a PEM", "no CERTIFICATE"),
    (f"rediss://:{PASSWORD}@127.0.0.1/0?ssl_cert_reqs=none", None, "ca_pem"),
    (f"rediss://:{PASSWORD}@127.0.0.1/0?ssl_check_hostname=false", None, "ca_pem"),
    (f"http://:{PASSWORD}@127.0.0.1/0", None, "not usable"),
])
@each_store
def test_tls_settings_are_checked_when_opened(url: str, ca_pem: typing.Optional[str], expected: str,
                                              make: typing.Callable[..., typing.Any]) -> None:
    with pytest.raises(af.ConfigurationError) as caught:
        make(url, ca_pem=ca_pem)
    shown = f"{caught.value} {caught.value!r}"
    assert expected in shown and PASSWORD not in shown


def openssl(directory: pathlib.Path, *args: str) -> None:
    tool = shutil.which("openssl")
    assert tool, "openssl is missing: scripts/redis-tools.sh installs it"
    subprocess.run([tool, *args], cwd=directory, check=True, capture_output=True)


def make_ca_and_server_certificate(directory: pathlib.Path, name: str) -> None:
    """``<name>-ca.pem`` and, signed by it, a certificate for 127.0.0.1 only."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(directory, "req", "-x509", *ec, "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.pem",
            "-days", "2", "-subj", f"/CN=authflow test CA {name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl(directory, "req", "-new", *ec, "-keyout", f"{name}-server.key",
            "-out", f"{name}-server.csr", "-subj", "/CN=127.0.0.1")
    (directory / f"{name}-server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl(directory, "x509", "-req", "-in", f"{name}-server.csr", "-CA", f"{name}-ca.pem",
            "-CAkey", f"{name}-ca.key", "-CAcreateserial", "-out", f"{name}-server.pem",
            "-days", "2", "-extfile", f"{name}-server.ext")


class TlsRedis(typing.NamedTuple):
    port: int
    directory: pathlib.Path

    def url(self, scheme: str, host: str = "127.0.0.1") -> str:
        return f"{scheme}://:{PASSWORD}@{host}:{self.port}/0"

    def ca(self, name: str) -> str:
        return (self.directory / f"{name}-ca.pem").read_text()


@pytest.fixture()
def tls_redis(tmp_path: pathlib.Path) -> typing.Iterator[TlsRedis]:
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: scripts/redis-tools.sh installs it"
    make_ca_and_server_certificate(tmp_path, "good")
    make_ca_and_server_certificate(tmp_path, "other")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--requirepass", PASSWORD,
         "--tls-cert-file", "good-server.pem", "--tls-key-file", "good-server.key",
         "--tls-ca-cert-file", "good-ca.pem", "--tls-auth-clients", "no"],
        cwd=tmp_path, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
        yield TlsRedis(port, tmp_path)
    finally:
        process.kill()
        process.wait()


@each_store
def test_rediss_with_its_ca_works_and_plain_redis_to_the_tls_port_fails(
        tls_redis: TlsRedis, make: typing.Callable[..., typing.Any]) -> None:
    store = make(tls_redis.url("rediss"), ca_pem=tls_redis.ca("good"))
    assert "tls=True" in repr(store)
    assert store.compare_and_set("k", 0, 1, VALUE)
    got = store.get("k")
    assert got is not None and (got.generation, got.value) == (1, VALUE)
    assert store.take_lease("l", "a", 60_000) and not store.take_lease("l", "b", 60_000)
    # No plain port: the same server does not answer redis://.
    plain = make(tls_redis.url("redis"), timeout=2.0)
    with pytest.raises(af.TransportError) as caught:
        plain.get("k")
    assert caught.value.kind == "store_unavailable"
    assert PASSWORD not in str(caught.value) and VALUE not in str(caught.value)


@pytest.mark.parametrize("host, ca", [
    ("127.0.0.1", None),  # the system's trust store does not know the test CA
    ("127.0.0.1", "other"),
    ("localhost", "good"),  # the certificate names 127.0.0.1 only
])
@each_store
def test_an_untrusted_certificate_is_a_store_error(tls_redis: TlsRedis, host: str, ca: typing.Optional[str],
                                                    make: typing.Callable[..., typing.Any]) -> None:
    store = make(tls_redis.url("rediss", host),
                          ca_pem=None if ca is None else tls_redis.ca(ca), timeout=2.0)
    with pytest.raises(af.TransportError) as caught:
        store.get("k")
    assert caught.value.kind == "store_unavailable"
    shown = f"{caught.value} {caught.value!r} {store!r}"
    assert PASSWORD not in shown and VALUE not in shown
