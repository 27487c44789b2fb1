"""``copy`` and ``pickle`` of the native objects (authflowkit/_copying.py).

A native object holds a handle to one value in the library and frees it
when it goes. A copy that duplicated the bare handle read freed memory once
the original was gone, and a pickled handle meant nothing in another
process: a copy is now the object itself, pickle writes the stored form of
the objects that have one, and refuses the others."""

from __future__ import annotations

import concurrent.futures
import copy
import gc
import json
import pickle

import pytest

import authflowkit as af
from authflowkit import _copying

ACCESS = "at-SECRET-copy"
REFRESH = "rt-SECRET-copy"
REDIRECT = "http://127.0.0.1:8400/callback"


def token_set() -> af.TokenSet:
    return af.TokenSet.from_json(json.dumps({
        "v": 1, "access_token": ACCESS, "token_type": "Bearer", "refresh_token": REFRESH,
        "issued_at": 1_700_000_000, "expires_at": 1_700_003_600, "scopes": ["read"], "extra": {"tenant": "t1"},
    }))


def client() -> af.sansio.Client:
    return af.sansio.Client(af.Profile.generic("https://as.example/token", "https://as.example/authorize"),
                            "copy-client", redirect_uri=REDIRECT)


def test_a_copy_outlives_its_original() -> None:
    for make in (copy.copy, copy.deepcopy, lambda t: copy.deepcopy({"tokens": [t]})["tokens"][0]):
        original = token_set()
        copied = make(original)
        del original
        gc.collect()
        assert copied.access_token() == ACCESS
        assert copied.refresh_token() == REFRESH


def test_a_copy_is_the_object_itself() -> None:
    tokens, native_client = token_set(), client()
    pending = native_client.authorization_request(1_700_000_000, bytes(range(48))).pending
    callback = pending.validate(f"{REDIRECT}?code=c1&state={pending.state()}", 1_700_000_000)
    for value in (tokens, native_client, pending, callback, af.Profile.makini_link()):
        assert copy.copy(value) is value
        assert copy.deepcopy(value) is value


def test_token_sets_and_pending_authorizations_pickle_as_their_stored_forms() -> None:
    tokens = token_set()
    again = pickle.loads(pickle.dumps(tokens))
    assert again is not tokens
    assert again.to_json() == tokens.to_json()
    pending = client().authorization_request(1_700_000_000, bytes(range(48))).pending
    restored = pickle.loads(pickle.dumps(pending))
    assert restored.to_storage_string() == pending.to_storage_string()
    # Still the same authorization: the redirect its state was made for passes.
    callback = restored.validate(f"{REDIRECT}?code=c1&state={pending.state()}", 1_700_000_000)
    assert callback.code() == "c1"


def test_every_other_native_object_refuses_to_be_pickled() -> None:
    native_client = client()
    pending = native_client.authorization_request(1_700_000_000, bytes(range(48))).pending
    callback = pending.validate(f"{REDIRECT}?code=c1&state={pending.state()}", 1_700_000_000)
    for value in (native_client, callback, af.Profile.makini_link()):
        with pytest.raises(TypeError, match=f"cannot pickle authflowkit's {type(value).__name__}"):
            pickle.dumps(value)


def test_every_native_class_is_covered() -> None:
    classes = _copying.native_object_classes()
    assert af.TokenSet in classes and af.sansio.Client in classes and len(classes) > 20
    for cls in classes:
        for method in ("__copy__", "__deepcopy__", "__reduce__"):
            assert method in vars(cls), f"{cls.__name__} lacks {method}"


class OwnTransport(af.sansio.HttpTransport):
    """An application's transport: its class is the application's."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        raise AssertionError("not sent")

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        raise AssertionError("not sent")


def test_an_applications_own_implementations_copy_and_pickle_as_python_objects() -> None:
    assert af.sansio.HttpTransport not in _copying.native_object_classes()
    transport = OwnTransport()
    assert copy.copy(transport) is not transport
    assert pickle.loads(pickle.dumps(transport)).sent == 0


def refreshed_elsewhere(stored: bytes) -> af.TokenSet:
    """Runs in a process pool's worker: reads a pickled token set, returns it."""
    tokens = pickle.loads(stored)
    assert isinstance(tokens, af.TokenSet)
    return tokens


def test_a_token_set_crosses_a_process_pool() -> None:
    tokens = token_set()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        back = pool.submit(refreshed_elsewhere, pickle.dumps(tokens)).result(timeout=60)
    assert back.to_json() == tokens.to_json()
