"""A minimal third-party dataset: colour names from WordNet's chromatic colours."""

import click

from wildcards_gen import Dataset, Node, hookimpl


def node_for(synset):
    return Node(synset.wnid, synset.display, synset.lemmas[1:], synset.gloss, synset.wnid)


def find_roots(run):
    return [node_for(run.wordnet.synset(run.options["colors_root"]))]


@hookimpl
def register_datasets(register):
    register(
        Dataset(
            name="colors",
            help="Colour names below a WordNet colour synset.",
            find_roots=find_roots,
            options=[click.Option(["--colors-root"], default="chromatic_color.n.01", show_default=True)],
        )
    )


@hookimpl
def iter_children(dataset, node, run):
    if dataset != "colors":
        return None
    wn = run.wordnet
    return [node_for(wn.synset(c)) for c in wn.synset(node.id).hyponyms]
