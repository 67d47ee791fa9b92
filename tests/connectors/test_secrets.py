"""Passwords come from a file, an environment variable or the keyring; errors name the source."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from kaffe.config.schema import MailEntryConfig
from kaffe.connectors.secrets import describe_source, read_password
from kaffe.errors import AuthError


def entry(**password: object) -> MailEntryConfig:
    return MailEntryConfig(type="imap", name="work", **password)  # type: ignore[arg-type]


def test_file_loses_exactly_one_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(" s3cret \n")
    assert read_password(entry(password_file=path)) == " s3cret "
    path.write_text("s3cret\r\n")
    assert read_password(entry(password_file=path)) == "s3cret"


@pytest.mark.parametrize("text", ["s3cret\n\n", "s3c\nret\n", "s3cret\r\n\r\n", "a\rb"])
def test_a_line_break_inside_the_password_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pw"
    path.write_text(text, newline="")
    with pytest.raises(AuthError) as info:
        read_password(entry(password_file=path))
    assert str(info.value) == f"work: the password from the file {path} has a line break " \
        "inside, so kaffe will not send it"
    assert "s3c" not in str(info.value) + info.value.hint


def test_a_line_break_from_the_environment_is_refused_too() -> None:
    with pytest.raises(AuthError, match="line break"):
        read_password(entry(password_env="PW"), env={"PW": "s3cret\nA1 LOGOUT"})


def test_missing_file_names_the_file_and_never_a_value(tmp_path: Path) -> None:
    with pytest.raises(AuthError) as info:
        read_password(entry(password_file=tmp_path / "gone"))
    assert "work: the password file" in str(info.value) and "gone" in str(info.value)
    assert "chmod 600" in info.value.hint


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text("\n")
    with pytest.raises(AuthError, match="is empty"):
        read_password(entry(password_file=path))


def test_environment_variable() -> None:
    assert read_password(entry(password_env="PW"), env={"PW": "s3cret"}) == "s3cret"
    with pytest.raises(AuthError) as info:
        read_password(entry(password_env="PW"), env={})
    assert "the environment variable PW is not set" in str(info.value)
    assert "EnvironmentFile" in info.value.hint


def fake_keyring(monkeypatch: pytest.MonkeyPatch, store: dict[tuple[str, str], str]) -> None:
    module = types.ModuleType("keyring")
    module.get_password = lambda service, user: store.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)


def test_keyring_splits_service_and_user_at_the_first_colon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_keyring(monkeypatch, {("kaffe", "me@example.com:imap"): "s3cret"})
    assert read_password(entry(password_keyring="kaffe:me@example.com:imap")) == "s3cret"
    with pytest.raises(AuthError, match="has no password for kaffe:other") as info:
        read_password(entry(password_keyring="kaffe:other"))
    assert info.value.hint == "store it: keyring set kaffe other"


def test_keyring_not_installed_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes `import keyring` fail
    with pytest.raises(AuthError, match="needs the keyring package") as info:
        read_password(entry(password_keyring="kaffe:me"))
    assert "kaffe[keyring]" in info.value.hint


def test_a_failing_keyring_backend_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("keyring")

    def locked(service: str, user: str) -> str:
        raise RuntimeError("the collection is locked")

    module.get_password = locked  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    with pytest.raises(AuthError, match="keyring failed for kaffe:me: RuntimeError"):
        read_password(entry(password_keyring="kaffe:me"))


def test_no_source_and_descriptions(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="no password source"):
        read_password(entry())
    assert describe_source(entry(password_env="PW")) == "the environment variable PW"
    assert describe_source(entry(password_file=tmp_path)) == f"the file {tmp_path}"
