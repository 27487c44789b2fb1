"""The public API as help() and a type checker see it: every public name of
``authflowkit``, ``authflowkit.sansio`` and ``authflowkit.aio`` and each of their public methods has a
docstring and annotations, and typed_api.py (checked by mypy --strict in
scripts/test-uniffi.sh) uses every one of those names."""

from __future__ import annotations

import inspect
import pathlib
import re
import types
import typing

import authflowkit
from authflowkit import aio, sansio

PUBLIC = ([(authflowkit, name) for name in authflowkit.__all__] + [(sansio, name) for name in sansio.__all__]
          + [(aio, name) for name in aio.__all__])


def _qualified(module: types.ModuleType, name: str) -> str:
    return f"{module.__name__}.{name}"


def _public_functions(obj: object) -> typing.Iterator[typing.Tuple[str, typing.Callable[..., object]]]:
    """The object itself when it is a function, else the public methods its
    class body defines (inherited ones are checked where they are defined)."""
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        yield "", obj
        return
    if not inspect.isclass(obj):
        return
    for name, member in vars(obj).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property) and member.fget is not None:
            yield f".{name}", member.fget
        elif inspect.isfunction(member):
            yield f".{name}", member


def test_every_public_name_and_method_has_a_docstring() -> None:
    missing = []
    for module, name in PUBLIC:
        obj = getattr(module, name)
        if not (obj.__doc__ or "").strip():
            missing.append(_qualified(module, name))
        for suffix, function in _public_functions(obj):
            if suffix and suffix != ".__init__" and not (function.__doc__ or "").strip():
                missing.append(_qualified(module, name) + suffix)
    assert not missing, f"no docstring for help() to show: {missing}"


def test_every_public_function_and_method_is_annotated() -> None:
    missing = []
    for module, name in PUBLIC:
        for suffix, function in _public_functions(getattr(module, name)):
            where = _qualified(module, name) + suffix
            try:
                signature = inspect.signature(function)
            except ValueError:  # a builtin without a text signature
                missing.append(f"{where}: no signature")
                continue
            for parameter in list(signature.parameters.values())[1 if suffix else 0:]:
                # The native classes without a constructor take (*args,
                # **kwargs) only to refuse them.
                variadic = parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
                if parameter.annotation is parameter.empty and not (suffix == ".__init__" and variadic):
                    missing.append(f"{where}({parameter.name})")
            if suffix != ".__init__" and signature.return_annotation is signature.empty:
                missing.append(f"{where} -> ?")
    assert not missing, f"not annotated: {missing}"


def test_the_typing_check_uses_every_public_name() -> None:
    source = (pathlib.Path(__file__).parent / "typed_api.py").read_text(encoding="utf-8")
    used = set(re.findall(r"\b(authflowkit|sansio|aio)\.(\w+)", source))
    unused = [_qualified(module, name) for module, name in PUBLIC
              if name != "sansio" and (module.__name__.rpartition(".")[2], name) not in used]
    assert not unused, f"typed_api.py does not use: {unused}"
