"""The ``imagenet`` dataset: WordNet 3.0 nouns below a root, optionally limited to ImageNet classes.

Registered through the ``wildcards_gen`` entry point. Node ids and synsets
are WNIDs (``n02084071``); names are the synset's first lemma.
"""

from __future__ import annotations

import threading
from pathlib import Path

import click

from wildcards_gen import Dataset, UsageError, hookimpl
from wildcards_gen_imagenet import classlists
from wildcards_gen_imagenet.hierarchy import ABSTRACT, Hierarchy, compile_regexes

NAME = "imagenet"
DEFAULT_ROOT = "entity.n.01"
HEADER = (
    "Source: WordNet 3.0, (c) 2006 Princeton University, WordNet 3.0 licence "
    "(https://wordnet.princeton.edu/license-and-commercial-use).",
    "ImageNet class lists (--filter): WNID lists published with timm (huggingface/pytorch-image-models, Apache-2.0).",
)

_state_lock = threading.Lock()


def _not_blank(ctx, param, value):
    """An empty synset (``--root ""``) is a mistake, not a request for the default root."""
    for text in value if isinstance(value, tuple) else (value,):
        if text is not None and not str(text).strip():
            raise click.BadParameter("is empty; give a WNID (n02084071), a synset name (dog.n.01) or a noun")
    return value


def options() -> list:
    return [
        click.Option(
            ["--root"],
            default=DEFAULT_ROOT,
            show_default=True,
            callback=_not_blank,
            metavar="SYNSET",
            help="Top of the tree: a WNID (n02084071), a synset name (dog.n.01) or a noun "
            "(dog: its first sense; the others are listed on stderr).",
        ),
        click.Option(
            ["--filter", "filter"],
            type=click.Choice(["1k", "12k", "21k", "none"]),
            default="none",
            show_default=True,
            help="Keep only synsets that are, or have below them, classes of this ImageNet "
            "release (the list is downloaded into the cache on first use).",
        ),
        click.Option(
            ["--class-list"],
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Filter by your own class list: one WNID a line, blank lines and # comments allowed.",
        ),
        click.Option(
            ["--strict/--no-strict"],
            default=False,
            show_default=True,
            help="Skip a synset whose name's primary noun sense is another synset (canine the "
            "tooth vs the dog family); its children move up to its parent. Each skip is "
            "listed in the --stats report.",
        ),
        click.Option(
            ["--exclude-regex"],
            multiple=True,
            metavar="PATTERN",
            help="Remove synsets whose name matches (Python regex, case-insensitive, searched "
            "anywhere in the name), with everything below them. Repeatable.",
        ),
        click.Option(
            ["--exclude-subtree"],
            multiple=True,
            callback=_not_blank,
            metavar="SYNSET",
            help="Remove this synset and everything below it (same forms as --root). Repeatable.",
        ),
        click.Option(
            ["--blacklist-abstract"],
            is_flag=True,
            default=False,
            help="Remove WordNet's abstract branches: " + ", ".join(ABSTRACT) + ".",
        ),
    ]


def resolve(run, text: str, option: str):
    """A ``--root``-style value to a synset; for an ambiguous noun, say which sense was taken."""
    synset, others = run.wordnet.resolve(text)
    if others:
        gloss = synset.gloss if len(synset.gloss) <= 60 else synset.gloss[:57].rstrip() + "..."
        run.notice(
            f"{text}: using {synset.name} ({gloss}); other senses: "
            f"{', '.join(s.name for s in others)} — pass one of those to {option}"
        )
    return synset


def build_hierarchy(run) -> tuple:
    """Check every option, load the class list and return ``(root_synset, Hierarchy)``."""
    opts = run.options
    wn = run.wordnet
    regexes = compile_regexes(opts.get("exclude_regex"))
    root = resolve(run, str(opts.get("root") or DEFAULT_ROOT), "--root")

    excluded: dict = {}
    for text in opts.get("exclude_subtree") or ():
        synset = resolve(run, str(text), "--exclude-subtree")
        if wn.is_below(root.wnid, synset.wnid):
            raise UsageError(
                f"--exclude-subtree {text} ({synset.name}) would remove the root {root.name} and so the whole tree"
            )
        excluded.setdefault(synset.wnid, f"--exclude-subtree {text}")
    if opts.get("blacklist_abstract"):
        for name in ABSTRACT:
            excluded.setdefault(wn.synset(name).wnid, "--blacklist-abstract")

    key = opts.get("filter") or "none"
    class_list = opts.get("class_list")
    classes = label = None
    if class_list is not None:
        if key != "none":
            raise UsageError(f"--class-list and --filter {key} both choose the classes; pass only one")
        classes = classlists.load_class_list(class_list, known=lambda w: wn.synset(w) is not None)
        label = f"--class-list {class_list}"
    elif key != "none":
        classes = classlists.load_release(key, run.cache_dir, quiet=run.quiet)
        label = classlists.RELEASES[key].label
    hierarchy = Hierarchy(
        wn,
        run.stats,
        classes=frozenset(classes) if classes else None,
        strict=bool(opts.get("strict")),
        regexes=regexes,
        excluded=excluded,
    )
    if hierarchy.closure is not None and root.wnid not in hierarchy.closure:
        raise UsageError(f"no {label} class is {root.name} or below it; choose another --root or filter")
    if classes is not None:
        run.stats.incr("imagenet.classes", len(classes))
        run.stats.incr("imagenet.classes_below_root", hierarchy.classes_below(root.wnid))
    run.log(
        f"imagenet: root {root.name} ({root.wnid}); filter {label or 'none'}{'; strict' if hierarchy.strict else ''}"
    )
    return root, hierarchy


def hierarchy_of(run) -> Hierarchy:
    """This run's hierarchy (in ``run.state``), built once (normally by ``find_roots`` on the main thread)."""
    state = run.state.get(NAME)
    if state is None:
        with _state_lock:
            state = run.state.get(NAME)
            if state is None:
                state = run.state[NAME] = build_hierarchy(run)
    return state[1]


def find_roots(run):
    hierarchy_of(run)
    root, hierarchy = run.state[NAME]
    return [hierarchy.node(root.wnid)]


DATASET_HELP = "WordNet 3.0 nouns below a root, optionally limited to ImageNet-1k/12k/21k classes."


@hookimpl
def register_datasets(register):
    # parallel_walk off: the memoised WordNet lookups are pure Python, and measured
    # slower on two threads than inline (entity 21k depth 4: 0.52 s against 0.43 s).
    register(
        Dataset(
            name=NAME, help=DATASET_HELP, find_roots=find_roots, options=options(), header=HEADER, parallel_walk=False
        )
    )


@hookimpl
def iter_children(dataset, node, run):
    if dataset != NAME:
        return None
    return list(hierarchy_of(run).children(node.id))
