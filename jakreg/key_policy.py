"""Which pseudonymisation keys jakreg accepts, and when a run may change the registry's key.

Local identifiers are short and sequential, so a patient key (HMAC-SHA256 of center and local
id) is only as safe as the secret: a one-letter key was brute-forced in 0.1 s and every patient
of a center re-identified. A key must be long and varied enough that guessing it is hopeless.

Each published registry records its key's fingerprint (an HMAC of a fixed label under the key,
which reveals nothing of it). A run whose key has another fingerprint would silently replace
every patient key, so it stops, unless the operator asks to re-key the registry on purpose.
"""

from __future__ import annotations

from collections import Counter

from jakreg.errors import ConfigError

MIN_LENGTH = 32
MIN_DISTINCT = 10
MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class WeakKeyError(ConfigError):
    """The pseudonymisation key is too short or too uniform to keep patient keys secret."""


class KeyChangedError(ConfigError):
    """The key is not the one that built the published registry, and no rotation was asked for."""


def key_weakness(key: str) -> str | None:
    """Why `key` is too weak to pseudonymise with, or None when it is acceptable: at least
    `MIN_LENGTH` characters, `MIN_DISTINCT` different ones, none making up more than a quarter of
    the key, and not a shorter pattern repeated."""
    if len(key) < MIN_LENGTH:
        return f"is {len(key)} characters long; it needs at least {MIN_LENGTH}"
    if len(set(key)) < MIN_DISTINCT:
        return f"uses {len(set(key))} different characters; it needs at least {MIN_DISTINCT}"
    if Counter(key).most_common(1)[0][1] * 4 > len(key):
        return "is mostly one character"
    if any(key[period:] == key[:-period] for period in range(1, len(key) // 2 + 1)):
        return "repeats a shorter pattern"
    return None


def check_key_strength(variable: str, key: str) -> None:
    """Raises WeakKeyError, saying how to make a good key, when `key` is too weak."""
    weakness = key_weakness(key)
    if weakness:
        raise WeakKeyError(
            f"{variable} {weakness}: a weak key lets anyone holding the registry re-identify "
            f"patients. Make a random key with `{MAKE_ONE}`, keep it in your secret store and "
            "set it every night"
        )


def check_key_unchanged(published: str | None, current: str, rotate: bool) -> None:
    """A run may use another key than the published registry's only when `rotate` is set;
    `published` is None for a registry that recorded no fingerprint (or no registry yet)."""
    if published is None or published == current or rotate:
        return
    raise KeyChangedError(
        f"the pseudonymisation key is not the one that built the published registry (key "
        f"fingerprint {published} recorded, {current} now): every patient key would change. Set "
        "the registry's key; to re-key the registry on purpose, run once with --rotate-key"
    )
