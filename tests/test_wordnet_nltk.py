"""The snapshot against NLTK, the reference: every noun synset and every noun lemma's senses."""

from __future__ import annotations

import pytest
from wordnet_reference import nltk_reader

from wildcards_gen import wordnet_source


@pytest.fixture(scope="module")
def reference(tmp_path_factory, session_cache):
    """NLTK reading the WordNet the session's snapshot was built from, and all its noun synsets."""
    source = wordnet_source.locate(session_cache, allow_download=False)
    reader = nltk_reader(source, tmp_path_factory.mktemp("nltk"))
    return reader, list(reader.all_synsets("n"))


def offsets(synsets) -> tuple:
    return tuple(f"n{o:08d}" for o in sorted(s.offset() for s in synsets))


def test_every_noun_synset_equals_nltk(wn, reference):
    _reader, synsets = reference
    assert len(synsets) == 82115
    wn.prefetch([f"n{s.offset():08d}" for s in synsets])
    mismatches = []
    for s in synsets:
        expected = (
            f"n{s.offset():08d}",
            s.name(),
            tuple(l.replace("_", " ") for l in s.lemma_names()),
            s.definition(),
            s.lexname(),
            s.min_depth(),
            offsets(s.hypernyms()),
            offsets(s.hyponyms()),
            offsets(s.instance_hypernyms()),
            offsets(s.instance_hyponyms()),
        )
        got = wn.synset(expected[0])
        if got is None or tuple(got) != expected:
            mismatches.append((expected, got))
        elif wn.synset(s.name()) is not got:
            mismatches.append((s.name(), "name lookup"))
    assert mismatches == [], f"{len(mismatches)} synsets differ from NLTK, first: {mismatches[:3]}"


def test_every_noun_lemma_has_nltks_senses_in_nltks_order(wn, reference):
    """``senses`` equals ``synsets(lemma, 'n')``, morphy included ('glasses' also finds 'glass')."""
    reader, synsets = reference
    lemmas = {name.lower() for s in synsets for name in s.lemma_names()}
    assert len(lemmas) == 117798
    mismatches = []
    widened = 0
    for lemma in sorted(lemmas):
        expected = [f"n{s.offset():08d}" for s in reader.synsets(lemma, "n")]
        got = [s.wnid for s in wn.senses(lemma)]
        if got != expected:
            mismatches.append((lemma, expected, got))
        widened += len(expected) > len(reader._lemma_pos_offset_map[lemma]["n"])
    assert mismatches == [], f"{len(mismatches)} lemmas differ from NLTK, first: {mismatches[:3]}"
    assert widened > 100  # morphy's extra senses are really part of what was compared
