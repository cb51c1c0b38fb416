"""Patient keys are HMAC-SHA256(secret, center_id + ':' + local_id), computed inside DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from jakreg.errors import MissingSecretError
from tasks.extract.pseudonym import install_patient_key_macro, pseudonym_key
from tasks.registry import database
from tests.conftest import expected_patient_key


@pytest.mark.parametrize("key", ["short", "k" * 64, "a much longer key " * 10])
def test_sql_patient_key_equals_python_hmac(key: str) -> None:
    con = duckdb.connect()
    install_patient_key_macro(con, key.encode())
    value = database.fetch_value(con, "select patient_key('valencia', '000123')")
    assert value == expected_patient_key("valencia", "000123", key)


def test_leading_zeros_and_center_both_change_the_key() -> None:
    con = duckdb.connect()
    install_patient_key_macro(con, b"k")
    keys = database.fetch_all(
        con,
        "select patient_key('valencia', '123'), patient_key('valencia', '0123'), "
        "patient_key('madrid', '123')",
    )[0]
    assert len(set(keys)) == 3


def test_missing_key_stops_with_a_message_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JAKREG_PSEUDONYM_KEY")
    with pytest.raises(MissingSecretError, match="JAKREG_PSEUDONYM_KEY is not set"):
        pseudonym_key()
