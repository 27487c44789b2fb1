"""``copy`` and ``pickle`` of the native objects (``TokenSet``, ``Client``,
``PendingAuthorization``, ...).

Each is a Python object holding a handle to one value in the native
library, which it frees when it goes. UniFFI's classes define neither
``__copy__`` nor ``__reduce__``, so ``copy.copy``, ``copy.deepcopy`` and
``pickle`` copied the bare handle: two objects then freed one value (the
copy read freed memory once the original was gone), and a handle unpickled
in another process pointed at nothing. Here:

- a copy, shallow or deep, is the object itself: the value behind it is
  one, as the library shares it (a one-use callback stays used once, a
  session keeps one renewal in flight);
- pickle writes the object's own stored form where it has one
  (``TokenSet.to_json``, ``PendingAuthorization.to_storage_string``: a
  secret, like the stored form itself) and reads it back with the
  matching constructor, so those cross a process pool or a task queue;
- every other native object refuses to be pickled with a ``TypeError``
  that says so, before anything is written.
"""

from __future__ import annotations

import typing

from ._native import authflow as _native

#: Objects that have a stored form: (writer method, reading constructor).
_STORED_FORMS: typing.Dict[type, typing.Tuple[str, str]] = {
    _native.TokenSet: ("to_json", "from_json"),
    _native.PendingAuthorization: ("to_storage_string", "from_storage_string"),
}


def _itself(self: object, memo: object = None) -> object:
    return self


def _stored_form(self: object) -> typing.Tuple[typing.Any, typing.Tuple[str]]:
    write, read = _STORED_FORMS[type(self)]
    return getattr(type(self), read), (getattr(self, write)(),)


def _refuse(self: object) -> typing.NoReturn:
    raise TypeError(
        f"cannot pickle authflowkit's {type(self).__name__}: it is a handle to a value in the native library, "
        "which another process cannot read; pickle what it was made from, or a TokenSet (to_json) or a "
        "PendingAuthorization (to_storage_string)"
    )


def native_object_classes() -> typing.List[type]:
    """Every class of the native library whose instances hold a handle."""
    return [cls for cls in vars(_native).values()
            if isinstance(cls, type) and hasattr(cls, "_uniffi_clone_handle")]


for _cls in native_object_classes():
    setattr(_cls, "__copy__", _itself)
    setattr(_cls, "__deepcopy__", _itself)
    setattr(_cls, "__reduce__", _stored_form if _cls in _STORED_FORMS else _refuse)
