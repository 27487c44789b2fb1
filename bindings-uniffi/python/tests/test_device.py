"""The device login (RFC 8628) from Python: ``OAuthClient.device_login``
and its asyncio twin drive the core's DevicePoll over a transport, waiting
as it says, and end with tokens or with the error it stops on."""

from __future__ import annotations

import asyncio
import json
import pathlib
import typing
import urllib.parse

import pytest

import authflowkit as af

START = 1_700_000_000
DEVICE_CODE = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
DEVICE_AUTHORIZATION = {"device_code": DEVICE_CODE, "user_code": "WDJB-MJHT",
                        "verification_uri": "https://as.example/device",
                        "verification_uri_complete": "https://as.example/device?user_code=WDJB-MJHT",
                        "expires_in": 600, "interval": 5}
TOKENS = {"access_token": "at-device-1", "token_type": "Bearer", "expires_in": 3600}


class Clock(af.sansio.Environment):
    """Time that passes only when the flow sleeps."""

    def __init__(self) -> None:
        self.t = START

    def now(self) -> int:
        return self.t

    def random_bytes(self, len: int) -> bytes:  # noqa: A002 (the trait's name)
        return bytes(len)


Answer = typing.Union[typing.Tuple[int, typing.Any], str]


class Scripted(af.sansio.HttpTransport):
    """Answers from a script: (status, JSON body), or "fail" for no answer."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: typing.List[typing.Tuple[int, af.sansio.HttpRequest]] = []
        self.clock: typing.Optional[Clock] = None

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        assert self.clock is not None
        self.sent.append((self.clock.t, request))
        answer = self.answers.pop(0)
        if answer == "fail":
            af.sansio.raise_transport_error(f"reset: {DEVICE_CODE}")
        status, body = answer
        return af.sansio.HttpResponse(status=status, headers=[], body=json.dumps(body).encode())

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        return self.send(request)


def device_client(*answers: Answer) -> typing.Tuple[af.OAuthClient, Scripted, Clock]:
    transport, clock = Scripted(*answers), Clock()
    transport.clock = clock
    client = af.connect(token_url="https://as.example/token", client_id="tv-app", auth_method="none",
                        device_authorization_url="https://as.example/device_authorization",
                        scopes=["read"], transport=transport, environment=clock)
    return client, transport, clock


def pending(code: str) -> Answer:
    return (400, {"error": code})


def test_device_login_polls_as_the_core_says_and_returns_the_tokens() -> None:
    client, transport, clock = device_client(
        (200, DEVICE_AUTHORIZATION), pending("authorization_pending"), pending("slow_down"), "fail",
        (200, TOKENS))
    shown: typing.List[af.DeviceCode] = []
    slept: typing.List[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.t += int(seconds)

    tokens = client.device_login(shown.append, sleep=sleep)
    assert tokens.access_token() == "at-device-1"
    assert [(c.user_code, c.verification_uri, c.expires_at) for c in shown] == [
        ("WDJB-MJHT", "https://as.example/device", START + 600)]
    assert "WDJB" not in repr(shown[0])
    # The interval (5), again (5), after slow_down 10, after the failure
    # the interval doubled (20).
    assert slept == [5.0, 5.0, 10.0, 20.0]
    first_at, first = transport.sent[0]
    assert (first.url, first.body) == ("https://as.example/device_authorization",
                                       b"scope=read&client_id=tv-app")
    polls = transport.sent[1:]
    assert [at - START for at, _ in polls] == [5, 10, 20, 40]
    for _, request in polls:
        form = dict(urllib.parse.parse_qsl(request.body.decode()))
        assert form == {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                        "device_code": DEVICE_CODE, "client_id": "tv-app"}


def test_a_declined_login_raises_user_denied_without_the_device_code() -> None:
    client, _, clock = device_client((200, DEVICE_AUTHORIZATION), pending("access_denied"))
    with pytest.raises(af.OAuthError) as caught:
        client.device_login(lambda code: None, sleep=lambda s: setattr(clock, "t", clock.t + int(s)))
    assert (caught.value.kind, caught.value.action) == ("access_denied", "user_denied")
    assert DEVICE_CODE not in f"{caught.value} {caught.value!r}"


def test_an_expired_code_stops_without_another_request() -> None:
    client, transport, clock = device_client(
        (200, {**DEVICE_AUTHORIZATION, "expires_in": 12}), pending("authorization_pending"), "fail")
    with pytest.raises(af.OAuthError) as caught:
        client.device_login(lambda code: None, sleep=lambda s: setattr(clock, "t", clock.t + int(s)))
    assert (caught.value.kind, caught.value.action) == ("expired_token", "authorize_again")
    # Polled at 5 and 10; the back-off after the failure ran past 12.
    assert [at - START for at, _ in transport.sent[1:]] == [5, 10]
    assert DEVICE_CODE not in str(caught.value)


def test_no_device_authorization_endpoint_is_a_configuration_error() -> None:
    transport = Scripted()
    client = af.connect(token_url="https://as.example/token", client_id="tv-app", transport=transport)
    with pytest.raises(af.ConfigurationError):
        client.device_login(lambda code: None)
    assert transport.sent == []


def test_the_async_device_login_awaits_the_same_flow() -> None:
    client, transport, clock = device_client(
        (200, DEVICE_AUTHORIZATION), pending("slow_down"), (200, TOKENS))
    slept: typing.List[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.t += int(seconds)

    tokens = asyncio.run(af.AsyncOAuthClient(client).device_login(lambda code: None, sleep=sleep))
    assert tokens.access_token() == "at-device-1"
    assert slept == [5.0, 10.0]
    assert len(transport.sent) == 3


def openid_vector() -> typing.Dict[str, typing.Any]:
    """A valid ID token of the golden vectors (RS256, test keys), its JWK
    set and the access token its at_hash is of."""
    root = pathlib.Path(__file__).resolve().parents[3]
    cases = json.loads((root / "tests" / "vectors" / "openid" / "id_token.json").read_text())["cases"]
    case = next(c for c in cases if c["input"]["id_token"].startswith("eyJhbGciOiJSUzI1NiI")
                and "result" in c["expect"])
    return typing.cast(typing.Dict[str, typing.Any], case)


@pytest.mark.parametrize("tampered", [False, True])
def test_an_openid_device_login_checks_the_id_token(tampered: bool) -> None:
    case = openid_vector()
    id_token = case["input"]["id_token"]
    if tampered:
        head, payload, signature = id_token.split(".")
        id_token = ".".join([head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    check = case["input"]["check"]
    profile = (af.sansio.Profile.generic("https://op.example/token", None)
               .with_issuer(check["issuer"], False)
               .with_endpoint(af.sansio.EndpointRole.DEVICE_AUTHORIZATION, "https://op.example/device")
               .with_endpoint(af.sansio.EndpointRole.JWKS, "https://op.example/jwks")
               .with_openid(True)
               .with_id_token_algorithms([af.sansio.JwsAlgorithm.RS256]))
    tokens = {"access_token": case["input"]["access_token"], "token_type": "Bearer",
              "expires_in": 600, "id_token": id_token}
    transport, clock = Scripted((200, DEVICE_AUTHORIZATION), (200, tokens),
                                (200, case["input"]["jwks"])), Clock()
    transport.clock = clock
    clock.t = case["expect"]["result"]["iat"]
    client = af.connect(profile, check["client_id"], auth_method="none", scopes=["openid"],
                        transport=transport, environment=clock)
    sleep = lambda s: setattr(clock, "t", clock.t + int(s))  # noqa: E731
    if tampered:
        with pytest.raises(af.AuthflowError) as caught:
            client.device_login(lambda code: None, sleep=sleep)
        assert caught.value.kind == "id_token_invalid"
        assert id_token not in str(caught.value)
    else:
        got = client.device_login(lambda code: None, sleep=sleep)
        claims = got.id_token_claims()
        assert claims is not None and claims.sub == case["expect"]["result"]["sub"]
    assert transport.sent[-1][1].url == "https://op.example/jwks"
