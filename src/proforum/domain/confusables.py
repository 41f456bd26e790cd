"""The look-alike skeleton of Unicode Technical Standard #39, adapted for Hangul.

Two nicknames that a reader cannot tell apart must not both be registered.
UTS #39 defines a *skeleton*: decompose (NFD), replace every character by the
prototype of its confusable class (``confusables.txt``), decompose again.  Two
strings are confusable when their skeletons are equal, so ``paypal`` written with
a Cyrillic ``а`` or the digit ``1`` for ``l`` has the skeleton of ``paypal``.

One deliberate departure: precomposed Hangul syllables (가..힣) are kept whole.
Decomposed, a syllable's final consonant maps onto the initial consonant of
the same shape (ᆨ and ᄀ share the prototype ᄀ, ᄁ maps to ᄀᄀ), which would make
``각가`` and ``가까`` (visibly different words) one skeleton.  Syllables are
distinct glyphs; only the characters outside them go through the mapping.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from importlib import resources

_FIRST_SYLLABLE = 0xAC00
_LAST_SYLLABLE = 0xD7A3

#: The Unicode version of the bundled ``confusables.txt``; a new one changes keys.
CONFUSABLES_VERSION = "13.0.0"


@functools.cache
def _prototypes() -> Mapping[str, str]:
    text = (
        resources.files("proforum.domain")
        .joinpath("data/confusables.tsv")
        .read_text(encoding="utf-8")
    )
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        source, target = line.split("\t")
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def skeleton(text: str) -> str:
    """Return the UTS #39 skeleton of ``text``, with Hangul syllables left whole."""
    prototypes = _prototypes()
    out: list[str] = []
    for ch in text:
        if _FIRST_SYLLABLE <= ord(ch) <= _LAST_SYLLABLE:
            out.append(ch)
            continue
        for part in unicodedata.normalize("NFD", ch):
            out.append(prototypes.get(part, part))
    # NFC rather than the standard's final NFD: the same equivalence, and the
    # syllables kept whole above stay one code point in the stored key.
    return unicodedata.normalize("NFC", "".join(out))


def _fold(text: str) -> str:
    # NFKC folds width (ｋ), compatibility forms (Kelvin sign, ㈜) and, with
    # the case folding between, case; the second NFKC undoes what casefold
    # may leave decomposed.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def visual_key(text: str) -> str:
    """The skeleton of ``text`` with its letter case kept: ``PayPaI`` and ``PayPal``.

    :func:`confusable_key` folds case before anything else, so it cannot see
    that a capital ``I`` stands in for a small ``l``; this key can.  A name
    is a look-alike of another when either key matches.
    """
    key = unicodedata.normalize("NFKC", text)
    for _ in range(4):
        again = unicodedata.normalize("NFKC", skeleton(key))
        if again == key:
            break
        key = again
    return key


def confusable_key(text: str) -> str:
    """The form two names share exactly when a reader could mistake one for the other.

    Width and case are folded, then the skeleton is taken, then folded again
    (prototypes may be capitals: the digit ``0`` maps to ``O``).  Applying the
    function to its own result changes nothing.
    """
    key = _fold(text)
    # A prototype can itself fold to a character with a prototype; two rounds
    # reach the fixed point for every code point in the bundled table (tested).
    for _ in range(4):
        folded = _fold(skeleton(key))
        if folded == key:
            break
        key = folded
    return key
