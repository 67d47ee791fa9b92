"""kaffe._lazy: a deferred module's body runs at its first use, once, and then the
module is the one an eager import would have made. Each test imports modules it
writes to tmp_path under names of its own, so nothing else sees them."""

from __future__ import annotations

import importlib
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaffe import _lazy

BODY = """
import sys
sys.modules["{runs}"].append("{name}")
{extra}
VALUE = 42

def double(x):
    return 2 * x
"""


class Modules:
    """Writes modules (or packages) under names of one test's own and defers them;
    every run of a body is recorded in ``runs``."""

    def __init__(self, root: Path, prefix: str) -> None:
        self.root, self.prefix, self.runs, self.made = root, prefix, [], []
        self.runs_name = f"{prefix}_runs"
        sys.modules[self.runs_name] = self.runs  # type: ignore[assignment]

    def __call__(self, suffix: str, extra: str = "", package: bool = False,
                 defer: bool = True) -> str:
        name = f"{self.prefix}_{suffix}"
        path = self.root / name / "__init__.py" if package else self.root / f"{name}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(BODY.format(runs=self.runs_name, name=name, extra=extra))
        importlib.invalidate_caches()
        if defer:
            _lazy.defer([name])
        self.made.append(name)
        return name


@pytest.fixture
def make(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Modules]:
    modules = Modules(tmp_path, "lazytest_" + request.node.name)
    sys.path.insert(0, str(tmp_path))
    yield modules
    sys.path.remove(str(tmp_path))
    for key in [k for k in sys.modules if k.startswith(modules.prefix)]:
        del sys.modules[key]
    _lazy._names.difference_update(modules.made)


def test_import_runs_nothing_and_the_first_use_runs_the_body_once(make: Modules) -> None:
    name = make("plain")
    module = importlib.import_module(name)
    assert make.runs == [] and _lazy.is_deferred(module) and not _lazy.executed(name)
    assert module.VALUE == 42 and module.double(4) == 8
    assert make.runs == [name] and _lazy.executed(name) and type(module) is types.ModuleType
    assert importlib.import_module(name) is module and make.runs == [name]


def test_importing_again_and_reading_metadata_run_nothing(make: Modules) -> None:
    name = make("again")
    first = importlib.import_module(name)
    exec(f"import {name}")  # the import statement, as a second module would run it
    assert importlib.import_module(name) is first
    assert first.__name__ == name and first.__file__ and first.__spec__.name == name
    assert make.runs == []


def test_only_the_named_modules_are_deferred(make: Modules) -> None:
    make("named")
    other = make("other", defer=False)
    importlib.import_module(other)
    assert make.runs == [other] and _lazy.executed(other)


def test_a_submodule_import_runs_the_package_first(make: Modules, tmp_path: Path) -> None:
    name = make("pkg", package=True)
    (tmp_path / name / "child.py").write_text("CHILD = 1\n")
    package = importlib.import_module(name)
    assert make.runs == []
    child = importlib.import_module(f"{name}.child")
    assert make.runs == [name] and child.CHILD == 1 and package.child is child
    assert package.VALUE == 42


def test_threads_wait_for_the_one_run_of_the_body(make: Modules) -> None:
    name = make("slow", extra="import time; time.sleep(0.3)")
    module = importlib.import_module(name)
    seen: list[int] = []

    def use() -> None:
        seen.append(module.double(module.VALUE))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert seen == [84] * 8 and make.runs == [name]


def test_a_body_that_reads_its_own_module_does_not_run_twice(make: Modules) -> None:
    name = make("self", extra="import sys as _s; _ = _s.modules[__name__].__dict__")
    module = importlib.import_module(name)
    assert module.VALUE == 42 and make.runs == [name]


def test_a_failing_body_fails_every_use_as_an_eager_import_would(make: Modules) -> None:
    name = make("broken", extra="raise ImportError('no such library')")
    module = importlib.import_module(name)
    for _ in range(2):
        with pytest.raises(ImportError, match="no such library"):
            _ = module.VALUE
    assert make.runs == [name, name]


def test_defer_twice_adds_one_finder(make: Modules) -> None:
    make("twice")
    _lazy.defer(["lazytest_nothing"])
    _lazy._names.discard("lazytest_nothing")
    assert sum(isinstance(f, _lazy._Finder) for f in sys.meta_path) == 1
