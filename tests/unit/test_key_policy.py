"""The pseudonymisation key must be strong, and a run may change it only when asked to."""

from __future__ import annotations

import secrets

import pytest

from jakreg.key_policy import (
    MAKE_ONE,
    KeyChangedError,
    WeakKeyError,
    check_key_unchanged,
    key_weakness,
)
from tasks.extract.pseudonym import pseudonym_key
from tests.conftest import TEST_KEY


@pytest.mark.parametrize(
    ("key", "weakness"),
    [
        (" ", "is 1 characters long; it needs at least 32"),
        ("k", "is 1 characters long"),
        ("correct-horse-battery-staple", "is 28 characters long"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "uses 3 different characters"),
        ("0123456789" * 4, "repeats a shorter pattern"),
        ("a" * 30 + "0123456789", "is mostly one character"),
    ],
)
def test_a_weak_key_is_refused(key: str, weakness: str) -> None:
    assert weakness in key_weakness(key)


@pytest.mark.parametrize(
    "key", [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_hex(16), TEST_KEY]
)
def test_a_random_key_is_accepted(key: str) -> None:
    assert key_weakness(key) is None


def test_a_weak_key_in_the_environment_stops_with_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JAKREG_PSEUDONYM_KEY", "k")
    with pytest.raises(WeakKeyError) as refused:
        pseudonym_key()
    assert "JAKREG_PSEUDONYM_KEY is 1 characters long" in str(refused.value)
    assert MAKE_ONE in str(refused.value)
    assert refused.value.exit_code == 2


def test_a_changed_key_stops_unless_the_run_rotates_it() -> None:
    check_key_unchanged(None, "new", rotate=False)
    check_key_unchanged("same", "same", rotate=False)
    check_key_unchanged("old", "new", rotate=True)
    with pytest.raises(KeyChangedError, match=r"fingerprint old recorded, new now.*--rotate-key"):
        check_key_unchanged("old", "new", rotate=False)
