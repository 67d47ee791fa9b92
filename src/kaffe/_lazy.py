"""Modules whose body runs when the code first uses them, not when it imports them.

Google's client libraries import at module level code that kaffe's paths never run,
and a daemon pays for it in resident memory for as long as it lives (issue 14):
googleapiclient.discovery imports google.oauth2.service_account, and google-auth's
token client imports google.auth.jwt, to sign and verify JWTs; both bring
google.auth.crypt and with it cryptography and OpenSSL (about 11 MB). kaffe uses a
user's OAuth credentials, whose refresh is a plain POST: nothing is signed or verified.
httplib2 imports its auth module, which builds pyparsing grammars (about 4 MB) to read
the WWW-Authenticate header of a 401 response.

:func:`defer` names such modules. Importing one then puts a placeholder in
``sys.modules``; the first access to one of its attributes runs the body, as
:class:`importlib.util.LazyLoader` does (the technique the CPython documentation
describes, and Mercurial uses). Unlike LazyLoader on Python 3.11, the body runs once
under a lock, so a second thread waits for it instead of reading a module that is
half run; and a repeated ``import`` of the module does not run it (it reads only
``__spec__``), nor does a scan of ``sys.modules`` for files. Code that uses a deferred
module therefore works unchanged, only later: a service account, an ID token or a 401
response load what they need when they happen.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
import types
from collections.abc import Iterable, Sequence
from importlib.machinery import ModuleSpec
from typing import Any

# What a placeholder answers without running the body: what the import system set
# before the body would have run. It reads __spec__ each time a module already in
# sys.modules is imported again, and inspect.getmodule() reads every module's __file__.
_UNTOUCHED = frozenset({"__spec__", "__name__", "__file__", "__cached__", "__loader__",
                        "__package__"})

# What kaffe.connectors.google defers; for each, who imports it -> what for.
GOOGLE = (
    # googleapiclient.discovery -> to recognise service-account credentials (kaffe hands
    # it an authorised http, no credentials); brings google.auth.crypt, so cryptography
    "google.oauth2.service_account",
    # google.oauth2._client -> ID-token grants; brings google.auth.crypt as well
    "google.auth.jwt",
    # httplib2 -> the WWW-Authenticate header of a 401 response (pyparsing grammars)
    "httplib2.auth",
    # google.auth's backoff and regional access boundary helpers -> their async variants
    "asyncio",
)

_names: set[str] = set()


def defer(names: Iterable[str]) -> None:
    """From now on, run the body of each module in ``names`` at its first use.

    Modules already imported stay as they are. Safe to call more than once."""
    _names.update(names)
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def is_deferred(module: types.ModuleType) -> bool:
    """Whether ``module`` is a placeholder whose body has not run (yet)."""
    return isinstance(module, _Deferred)


def executed(name: str) -> bool:
    """Whether the module ``name`` was imported and its body ran."""
    module = sys.modules.get(name)
    return module is not None and not is_deferred(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds a deferred module with the finders after it, and defers its loader."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> ModuleSpec | None:
        if fullname not in _names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


class _Loader(importlib.abc.Loader):
    """Wraps a module's loader: creates the module as it would, runs nothing."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None
        spec.loader = module.__loader__ = self.loader
        spec.loader_state = {"lock": threading.RLock(), "running": False,
                             "before": dict(module.__dict__)}
        module.__class__ = _Deferred


class _Deferred(types.ModuleType):
    """A module whose body runs on the first access to one of its attributes."""

    def __getattribute__(self, attr: str) -> Any:
        if attr not in _UNTOUCHED:
            _run(self)
        return types.ModuleType.__getattribute__(self, attr)

    def __delattr__(self, attr: str) -> None:
        _run(self)
        types.ModuleType.__delattr__(self, attr)


def _run(module: types.ModuleType) -> None:
    """Run the body of a deferred module, once; other threads wait for it."""
    spec = types.ModuleType.__getattribute__(module, "__spec__")
    state = spec.loader_state
    with state["lock"]:
        # Loaded by another thread meanwhile, or read by its own body (or by a module
        # that body imports) while it runs: then the attributes so far are the answer.
        if type(module) is not _Deferred or state["running"]:
            return
        state["running"] = True
        namespace = types.ModuleType.__getattribute__(module, "__dict__")
        # What was set on the placeholder since (a submodule imported meanwhile)
        # must survive the body, as it would have after an eager import.
        before = state["before"]
        since = {key: value for key, value in namespace.items()
                 if key not in before or before[key] is not value}
        try:
            spec.loader.exec_module(module)
        finally:
            state["running"] = False
        namespace.update(since)
        module.__class__ = types.ModuleType  # type: ignore[assignment]
