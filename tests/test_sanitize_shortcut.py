"""The sanitizer's shortcuts (names no rule changes, names no reader coerces) agree with the full rules."""

from __future__ import annotations

import pytest

from wildcards_gen import sanitize


@pytest.fixture(scope="module")
def lemmas(wn):
    rows = wn._db().execute("SELECT lemmas FROM synset").fetchall()
    names = {name for (text,) in rows for name in text.split("\t")}
    return sorted(names) + ["instruction", "Wildcards", "dog-", "a  b", "x'", "o'clock", "3.5", "v..w"]


@pytest.mark.parametrize("target", sanitize.TARGET_CHOICES)
def test_shortcut_matches_the_rules(lemmas, target):
    keys = items = 0
    for name in lemmas:
        if sanitize._SAFE_KEY.fullmatch(name) and name.casefold() not in sanitize.RESERVED_KEYS:
            keys += 1
            assert sanitize.key_rules(name, target) == name
        if sanitize._SAFE_ITEM.fullmatch(name):
            items += 1
            assert sanitize.item_rules(name, target) == name
        assert sanitize.clean_key(name, target) == sanitize.key_rules(name, target)
        assert sanitize.clean_item(name, target) == sanitize.item_rules(name, target)
    assert keys > 100_000 and items > 100_000  # the shortcut covers most names


def test_quoting_shortcut_matches_the_rules(lemmas):
    import random

    rng = random.Random(3)
    words = [
        "yes",
        "Yes",
        "YES",
        "yEs",
        "no",
        "NO",
        "n",
        "N",
        "y",
        "Y",
        "on",
        "On",
        "OFF",
        "oFF",
        "true",
        "True",
        "false",
        "FALSE",
        "null",
        "Null",
        "NULL",
        "nan",
        "inf",
        "e5",
        "x1",
        "é",
        "ñandu",
        "東京",
        "",
    ]
    words += [
        "".join(rng.choice("yYnNeEoOfFaAlLsStTrRuU0123456789.-+_:~ ") for _ in range(rng.randint(1, 6)))
        for _ in range(5000)
    ]
    shortcut = 0
    for name in lemmas + words:
        if name[:1].isalpha() and name.lower() not in sanitize.COERCED_WORDS:
            shortcut += 1
        assert sanitize.needs_quotes(name) == sanitize.coerced(name), name
    assert shortcut > 100_000
