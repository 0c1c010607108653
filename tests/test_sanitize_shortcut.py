"""The sanitizer's shortcut (names no rule changes) agrees with the full rules on every WordNet noun."""

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
