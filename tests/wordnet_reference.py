"""NLTK's WordNetCorpusReader over the very files the snapshot was built from: the reference."""

from __future__ import annotations

import warnings
from pathlib import Path

from wildcards_gen import wordnet_source

# What NLTK's reader opens (all parts of speech; lexnames written from the fixed table if absent).
NLTK_FILES = (
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "index.adj",
    "index.adv",
    "index.noun",
    "index.verb",
    "adj.exc",
    "adv.exc",
    "noun.exc",
    "verb.exc",
)
OPTIONAL = ("index.sense", "cntlist.rev", "lexnames")


def nltk_corpus(source: wordnet_source.Source, target: Path) -> Path:
    """Copy ``source`` into ``target`` as an NLTK corpus folder (NLTK wants lexnames and real files)."""
    target.mkdir(parents=True)
    for name in NLTK_FILES + OPTIONAL:
        if name in OPTIONAL and not source.has(name):
            continue
        with source.open(name) as lines, open(target / name, "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
    if not (target / "lexnames").is_file():
        category = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
        (target / "lexnames").write_text(
            "".join(
                f"{i:02d}\t{name}\t{category[name.split('.')[0]]}\n" for i, name in enumerate(wordnet_source.LEXNAMES)
            )
        )
    return target


def nltk_reader(source: wordnet_source.Source, scratch: Path):
    """A real NLTK ``WordNetCorpusReader`` over the same WordNet as ``source``."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    nltk_corpus(source, scratch / "corpora" / "wordnet")
    if str(scratch) not in nltk.data.path:
        nltk.data.path.insert(0, str(scratch))  # NLTK reads corpora only from its data path
    with warnings.catch_warnings():  # "multilingual functions are not available": no OMW, as intended
        warnings.simplefilter("ignore", UserWarning)
        reader = WordNetCorpusReader(nltk.data.find("corpora/wordnet"), None)
    assert reader.get_version() == "3.0"
    return reader
