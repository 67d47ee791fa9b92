"""A config file to run on must say who you are: [me] is checked, placeholders included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kaffe.config import example_text, load, loads
from kaffe.config.me import PLACEHOLDER_ADDRESS, PLACEHOLDER_DOMAIN, PLACEHOLDER_NAME
from kaffe.errors import EX_CONFIG, ConfigError

IMAP = ('[[mail]]\ntype = "imap"\nname = "work"\nhost = "127.0.0.1"\nusername = "{user}"\n'
        'password_env = "PW"\n')


def problems(tmp_path: Path, text: str) -> dict[tuple[str, str], str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return {(p.section, p.key): p.message for p in info.value.problems}


def test_the_placeholders_are_the_examples() -> None:
    me = loads(example_text()).me
    assert (me.name, me.addresses, me.domains) == (
        PLACEHOLDER_NAME, (PLACEHOLDER_ADDRESS,), (PLACEHOLDER_DOMAIN,))


def test_a_missing_me_section_is_a_located_error(tmp_path: Path) -> None:
    found = problems(tmp_path, '[detect]\nthreshold = 3\n')
    assert list(found) == [("me", "")]
    assert "missing" in found["me", ""] and "kaffe init" in found["me", ""]


@pytest.mark.parametrize("name", ['""', '"   "', None])
def test_an_empty_or_absent_name_is_a_located_error(tmp_path: Path, name: str | None) -> None:
    line = f"name = {name}\n" if name is not None else ""
    found = problems(tmp_path, f'[me]\n{line}addresses = ["ana@corp.dk"]\n')
    assert list(found) == [("me", "name")]
    assert found["me", "name"].startswith("missing: your name")


def test_every_placeholder_left_in_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, example_text())
    assert set(found) == {("me", "name"), ("me", "addresses"), ("me", "domains")}
    assert '"Your Name"' in found["me", "name"]
    assert '"you@example.com"' in found["me", "addresses"]


def test_example_com_is_fine_when_you_are_at_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[me]\nname = "Alex"\naddresses = ["alex@example.com"]\n'
                    'domains = ["example.com"]\n', encoding="utf-8")
    assert load(path).me.domains == ("example.com",)


def test_no_address_anywhere_is_an_error_but_an_account_may_tell_it(tmp_path: Path) -> None:
    found = problems(tmp_path, '[me]\nname = "Ana"\n' + IMAP.format(user="ana"))
    assert list(found) == [("me", "addresses")]
    assert found["me", "addresses"].startswith("missing: kaffe needs your address")
    # The IMAP user name is an address, and Gmail tells its own: both are enough.
    for text in ('[me]\nname = "Ana"\n' + IMAP.format(user="ana@corp.dk"), '[me]\nname = "Ana"\n'):
        (tmp_path / "config.toml").write_text(text, encoding="utf-8")
        assert load(tmp_path / "config.toml").me.name == "Ana"


def test_kaffe_init_then_plan_exits_78_naming_each_placeholder(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    env = {"PATH": "/usr/bin:/bin", "KAFFE_DATA_DIR": str(tmp_path / "data"),
           "PYTHONPATH": ":".join(sys.path)}
    kaffe = [sys.executable, "-m", "kaffe.cli", "--config", str(cfg)]
    subprocess.run([*kaffe, "init"], check=True, capture_output=True, env=env)
    run = subprocess.run([*kaffe, "plan"], capture_output=True, text=True, env=env)
    assert run.returncode == EX_CONFIG
    assert f"{cfg}: [me] name: still the example's placeholder" in run.stderr
    assert f"{cfg}: [me] addresses: still" in run.stderr
    assert f"{cfg}: [me] domains: still" in run.stderr
    assert "Traceback" not in run.stderr
