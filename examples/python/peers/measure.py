#!/usr/bin/env python3
"""Measures the ``everyday()`` function of examples/python/everyday.py and
of its peer programs: lines of code (not blank, not comments) and concepts,
the distinct names of the library a reader must know: what is imported
from it and every attribute read or method called on a value the library
gave. Keyword arguments passed to the library are listed apart (both
programs pass their settings by keyword).

    python examples/python/peers/measure.py [PROGRAM.py ...]
"""

from __future__ import annotations

import ast
import pathlib
import sys
import typing

HERE = pathlib.Path(__file__).resolve().parent
PROGRAMS = {
    "authflow": (HERE.parent / "everyday.py", {"authflowkit"}),
    "Authlib": (HERE / "everyday_authlib.py", {"authlib"}),
}


class Measure(typing.NamedTuple):
    lines: int
    concepts: typing.List[str]
    keywords: typing.List[str]


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    return next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def _lines(source: str, function: ast.FunctionDef) -> int:
    body = source.splitlines()[function.lineno - 1:function.end_lineno]
    return sum(1 for line in body if line.strip() and not line.strip().startswith("#"))


def _library_names(tree: ast.Module, roots: typing.Set[str]) -> typing.Tuple[typing.Set[str], typing.Set[str]]:
    """Module aliases (``import authflowkit``) and names imported from the library."""
    modules: typing.Set[str] = set()
    imported: typing.Set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in roots:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in roots:
            imported.update(alias.asname or alias.name for alias in node.names)
    return modules, imported


def measure(path: pathlib.Path, roots: typing.Set[str]) -> Measure:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    function = _function(tree, "everyday")
    modules, imported = _library_names(tree, roots)
    concepts: typing.Set[str] = set(imported)
    keywords: typing.Set[str] = set()
    tainted: typing.Set[str] = set()

    def from_library(node: ast.AST) -> bool:
        """Whether an expression's value comes from the library."""
        if isinstance(node, ast.Name):
            return node.id in modules or node.id in imported or node.id in tainted
        if isinstance(node, ast.Attribute):
            return from_library(node.value)
        if isinstance(node, ast.Call):
            return from_library(node.func)
        if isinstance(node, ast.Subscript):
            return from_library(node.value)
        if isinstance(node, ast.Tuple):
            return any(from_library(e) for e in node.elts)
        return False

    # Statements in order, so that a name is tainted before it is used.
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and from_library(node.value):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        tainted.add(name.id)
        elif isinstance(node, ast.ExceptHandler) and node.type is not None and from_library(node.type):
            if node.name:
                tainted.add(node.name)
        elif isinstance(node, ast.Call) and from_library(node.func):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Lambda):
                    tainted.update(a.arg for a in arg.args.args)
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute) and from_library(node.value):
            concepts.add(node.attr)
        elif isinstance(node, ast.Call) and from_library(node.func):
            keywords.update(k.arg for k in node.keywords if k.arg)
        elif isinstance(node, ast.ExceptHandler) and node.type is not None and from_library(node.type):
            concepts.update(n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute))
    return Measure(_lines(source, function), sorted(concepts), sorted(keywords))


def main(argv: typing.List[str]) -> None:
    programs = dict(PROGRAMS)
    for extra in argv:
        programs[pathlib.Path(extra).stem] = (pathlib.Path(extra), {"authflowkit", "authlib"})
    print(f"{'program':<10} {'lines':>5} {'concepts':>8} {'keywords':>8}  concepts; keywords")
    for label, (path, roots) in programs.items():
        m = measure(path, roots)
        print(f"{label:<10} {m.lines:>5} {len(m.concepts):>8} {len(m.keywords):>8}  "
              f"{', '.join(m.concepts)}; {', '.join(m.keywords)}")


if __name__ == "__main__":
    main(sys.argv[1:])
