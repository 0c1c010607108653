"""Semantic arrangement and cleaning of long lists: ``--semantic-arrange``, ``--semantic-clean``.

``arrange_tree`` runs after shaping, on plain :class:`Category` objects:

1. every list long enough is prepared (terms sorted and deduplicated, each
   term resolved to the WordNet sense that lies below the list's category);
2. all their texts are embedded in one :func:`embeddings.embed_texts` call
   (cache first, one ``embed_batch`` call for the rest);
3. lists are cleaned and arranged concurrently on the engine's pool
   (``engine.map``; each job only reads its own data and returns a result);
4. results are applied on the calling thread, in tree order: a long list is
   replaced by child categories, one per group, each with its WordNet gloss.

Every term ends in exactly one group; groups larger than
``--semantic-arrange-max-group`` are arranged again, to a bounded depth.
numpy and scikit-learn are imported inside functions only.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import click

from wildcards_gen import process_pool
from wildcards_gen.errors import PluginError, UsageError
from wildcards_gen.model import ArrangeContext, Category, Group
from wildcards_gen.vectors import cosine_normalise

MAX_DEPTH = 3  # arrangement levels below a list (the first split and two more)
DEFAULT_MIN_ITEMS = 10
CLEAN_MIN_ITEMS = 5
CLEAN_MAX_SHARE = 0.1  # never remove more than this share of a list
DEFAULT_CLEAN_THRESHOLD = 0.6
DEFAULT_ARRANGER = "builtin"
# option names of commands that arrange (beside the dataset commands' own) that an arranger must not take
RESERVED_OPTION_NAMES = frozenset({"category", "min_items", "files", "inputs", "verbose_after", "quiet_after"})


def _choice(kind: str):
    """A click callback checking a name against what the installed plugins declared."""

    def check(ctx, param, value):
        if value is None:
            return value
        from wildcards_gen.plugins import get_registry

        try:
            get_registry().lookup(kind, value)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
        return value

    return check


def _installed(kind: str) -> str:
    try:
        from wildcards_gen.plugins import get_registry

        return ", ".join(get_registry().declarations(kind).names())
    except Exception:  # a broken plugin is reported elsewhere; help must still render
        return "see 'wildcards-gen plugins'"


def click_options(arrangers: bool = True) -> list:
    """The options every command that arranges gets; values land in ``run.options``.

    With ``arrangers``, the options the installed arrangers declared come last.
    """
    params = [
        click.Option(
            ["--semantic-arrange/--no-semantic-arrange"],
            default=None,
            help="Split long lists into named sub-groups (embeddings and WordNet; see --arranger). "
            "Off by default: no preset turns it on.",
        ),
        click.Option(
            ["--semantic-clean/--no-semantic-clean"],
            default=False,
            show_default=True,
            help="Remove outliers from lists (never a term WordNet places below the list's category); "
            "every removal is in the --stats report.",
        ),
        click.Option(
            ["--semantic-clean-threshold"],
            type=click.FloatRange(0, 2),
            default=DEFAULT_CLEAN_THRESHOLD,
            show_default=True,
            help="Cosine distance from the rest of its list above which a term may be an outlier.",
        ),
        click.Option(
            ["--arranger"],
            default=None,
            callback=_choice("arranger"),
            help=f"Arranger for --semantic-arrange (installed: {_installed('arranger')}). Default: {DEFAULT_ARRANGER}.",
        ),
        click.Option(
            ["--semantic-arrange-min-items"],
            type=click.IntRange(min=2),
            default=DEFAULT_MIN_ITEMS,
            show_default=True,
            help="Arrange only lists with at least this many items.",
        ),
        click.Option(
            ["--semantic-arrange-min-cluster"],
            type=click.IntRange(min=2),
            default=3,
            show_default=True,
            help="Smallest sub-group to form; smaller clusters join the group they are closest to.",
        ),
        click.Option(
            ["--semantic-arrange-max-group"],
            type=click.IntRange(min=4),
            default=40,
            show_default=True,
            help="A sub-group larger than this is arranged again, one level deeper.",
        ),
        click.Option(
            ["--semantic-arrange-max-depth"],
            type=click.IntRange(min=1),
            default=MAX_DEPTH,
            show_default=True,
            help="At most this many levels of sub-groups below a list.",
        ),
        click.Option(
            ["--embedder"],
            default=None,
            callback=_choice("embedder"),
            help=f"Embedder for arrangement and cleaning (installed: {_installed('embedder')}). Default: "
            "sentence-transformers (all-MiniLM-L6-v2) when installed, else wordnet (no weights).",
        ),
        click.Option(
            ["--embed-model"],
            default=None,
            help="Model name or local folder for the sentence-transformers embedder. Default: all-MiniLM-L6-v2.",
        ),
        click.Option(
            ["--embed-batch-size"],
            type=click.IntRange(min=1),
            default=64,
            show_default=True,
            help="Texts per inference batch.",
        ),
        click.Option(
            ["--embed-threads"],
            type=click.IntRange(min=1),
            default=None,
            help="PyTorch threads for inference. Default: the CPU count (inference runs alone).",
        ),
    ]
    if arrangers:
        params.extend(arranger_options([p.name for p in params]))
    return params


def arranger_options(taken) -> list:
    """The installed arrangers' own options (those of an arranger whose names clash are left out)."""
    try:
        from wildcards_gen.plugins import get_registry

        registry = get_registry()
        problems = arranger_problems(registry, taken)
        return [o for name, a in registry.arrangers.items() if name not in problems for o in a.options]
    except Exception:  # a broken plugin is reported by 'wildcards-gen plugins'; commands must still build
        return []


def arranger_problems(registry, taken=None) -> dict:
    """``{arranger: why}`` for arrangers whose option names clash with the host's or an earlier arranger's."""
    from wildcards_gen import shaping
    from wildcards_gen.options import common_options

    if taken is None:
        taken = [p.name for p in click_options(arrangers=False)]
    host = common_options() + shaping.click_options()
    used = set(taken) | {p.name for p in host} | RESERVED_OPTION_NAMES
    problems = {}
    for name, arranger in registry.arrangers.items():
        names = [o.name for o in arranger.options]
        clash = [n for n in names if n in used] or [n for n in names if names.count(n) > 1]
        if clash:
            problems[name] = (
                f"plugin {arranger.plugin!r}: its option {clash[0]!r} clashes with another "
                "option; name arranger options --<arranger>-..."
            )
        else:
            used.update(names)
    return problems


def chosen_arranger(run, registry):
    """The :class:`~wildcards_gen.plugins.Arranger` selected with ``--arranger`` (UsageError if unusable)."""
    name = run.options.get("arranger") or DEFAULT_ARRANGER
    arranger = registry.arranger(name)
    checks = registry.declarations("arranger").checks  # once per set of declarations: lists call this often
    if "problems" not in checks:
        checks["problems"] = arranger_problems(registry)
    why = checks["problems"].get(name)
    if why:
        raise UsageError(f"arranger {name!r} is unusable: {why}")
    return arranger


# -- senses and what gets embedded ----------------------------------------------------


def protected(wn, term: str, category: str | None) -> bool:
    """True when some sense of ``term`` is, per WordNet, a kind of the list's category."""
    from wildcards_gen.senses import candidates
    from wildcards_gen.wordnet_measures import closure

    if not category:
        return False
    return any(category in closure(wn, s.wnid) for s in candidates(wn, term)[0])


def context_for(
    name: str, synset: str | None, terms, taken=(), level: int = 1, vectors_of: str = "text"
) -> ArrangeContext:
    """The :class:`ArrangeContext` of a list: its category (from ``name`` when not given) and each term's sense."""
    from wildcards_gen import senses, wordnet

    wn = wordnet.get()
    if synset is None and name:
        synset = senses.resolve_category(wn, name, terms)
    chosen = senses.choose_senses(wn, list(terms), synset)
    return ArrangeContext(
        synset, tuple(c.wnid for c in chosen), tuple(taken), level, tuple(c.ambiguous for c in chosen), vectors_of
    )


@dataclass
class Job:
    """One list to clean or arrange, and what is known about it once prepared."""

    path: str
    name: str
    synset: str | None  # the list's category, when known
    terms: list
    taken: tuple = ()
    senses: list = field(default_factory=list)  # a senses.SenseChoice per term
    texts: list = field(default_factory=list)  # what is embedded for each term
    rows: list = field(default_factory=list)  # each term's row in the embedding matrix
    clean_rows: list = field(default_factory=list)  # the rows outliers are measured on (the bare terms)


@dataclass
class Embedded:
    """Every vector the lists may need, from one embedding call, and how to find each one's row."""

    matrix: Any  # float32, a row per text
    row_of: dict  # text -> row
    vectors_of: str  # "text" or "synset"
    template: str  # how a text embedder is shown a term
    known: dict | None  # term -> the synsets the dataset gave it
    clean: bool  # the bare terms were embedded too (outliers are measured on them)
    unit: Any = None  # the matrix with unit rows (text embedders: for the glosses' evidence)


def embed_candidates(
    jobs: list[Job], run_or_options, registry=None, known: dict | None = None, clean: bool = False
) -> Embedded:
    """Embed, in one call, everything any list's sense choice and arrangement may need.

    With an embedder of synsets (``input="synset"``, the ``wordnet`` embedder) that is
    every candidate sense of every term (as a synset name), so a term can be shown as
    whichever sense its list chooses. With a text embedder it is each term through the
    embedder's template (``a photo of a <term>`` for sentence-transformers), the gloss
    of each candidate sense of a term with several (they help choose the sense), and
    with ``clean`` the bare terms (outliers are measured on them).
    """
    import numpy as np

    from wildcards_gen import embeddings, senses, wordnet

    options = getattr(run_or_options, "options", run_or_options)
    wn: Any = wordnet.get()
    name = embeddings.resolve_embedder(options, registry)
    kind, template = embeddings.embedder_input(name, registry)
    undecided = []  # (job, the senses its name may have): a text embedder decides between them below
    for job in jobs:
        if job.synset is None and job.name:
            options = senses.category_options(wn, job.name, job.terms) if kind == "text" else []
            if len(options) > 1:
                undecided.append((job, options))
            else:
                job.synset = senses.resolve_category(wn, job.name, job.terms)
    wanted: set = set()
    # every term's candidate senses are needed (for their names or their glosses): fetched in a few queries
    senses.prefetch_candidates(wn, [t for job in jobs for t in job.terms])
    for job in jobs:
        for term in job.terms:
            if kind == "synset":
                found = (known or {}).get(term) or [s.wnid for s in senses.candidates(wn, term)[0]]
                if found:
                    wanted.update(wn.synset(w).name for w in found)
                else:
                    wanted.add(term)
            else:
                wanted.add(template.format(term))
                if clean:
                    wanted.add(term)
        if kind == "text":
            wanted.update(senses.gloss_texts(wn, job.terms, known))
    for _job, options in undecided:
        wanted.update(senses.gloss_text(s) for s in options)
    texts = sorted(wanted, key=_sort_key)
    matrix = embeddings.embed_texts(texts, run_or_options, registry)
    embedded = Embedded(matrix, {t: i for i, t in enumerate(texts)}, kind, template, known, clean)
    if kind == "text":
        embedded.unit = cosine_normalise(np.asarray(matrix, dtype=np.float64))
    for job, options in undecided:  # the sense whose definition reads most like the list's terms
        centroid = embedded.unit[[embedded.row_of[template.format(t)] for t in job.terms]].mean(axis=0)
        fit = [round(float(embedded.unit[embedded.row_of[senses.gloss_text(s)]] @ centroid), 6) for s in options]
        job.synset = options[max(range(len(options)), key=lambda i: (fit[i], -i))].wnid
    return embedded


def choose(job: Job, embedded: Embedded) -> None:
    """The list's senses, chosen in context, and the rows of its terms' vectors (``job.rows``, ``job.clean_rows``)."""
    from wildcards_gen import senses, wordnet

    wn: Any = wordnet.get()
    row_of = embedded.row_of
    if embedded.vectors_of == "synset":
        job.senses = senses.choose_senses(wn, job.terms, job.synset, known=embedded.known)
        job.texts = [wn.synset(c.wnid).name if c.wnid else t for t, c in zip(job.terms, job.senses)]
        job.rows = job.clean_rows = [row_of[t] for t in job.texts]
        return
    job.texts = [embedded.template.format(t) for t in job.terms]
    job.rows = [row_of[t] for t in job.texts]
    X = embedded.unit[job.rows]
    evidence = senses.gloss_evidence(
        wn, job.terms, X, lambda gloss: embedded.unit[[row_of[g] for g in gloss]], known=embedded.known
    )
    job.senses = senses.choose_senses(wn, job.terms, job.synset, evidence, known=embedded.known)
    job.clean_rows = [row_of[t] for t in job.terms] if embedded.clean else job.rows


def embed_lists(jobs: list[Job], run_or_options, registry=None, known: dict | None = None, clean: bool = False):
    """:func:`embed_candidates`, then every list's senses and rows here; ``(matrix, vectors_of)``."""
    embedded = embed_candidates(jobs, run_or_options, registry, known, clean)
    for job in jobs:
        choose(job, embedded)
    return embedded.matrix, embedded.vectors_of


def report_senses(job: Job, stats) -> None:
    """Each term's chosen sense in the run report (``sense`` events), and the counts."""
    from wildcards_gen import wordnet

    wn: Any = wordnet.get()
    for term, choice in zip(job.terms, job.senses):
        if choice.wnid is None:
            stats.incr("senses.unknown")
            stats.event("sense", list=job.path, term=term, synset=None, ambiguous=False)
            continue
        stats.incr("senses.ambiguous" if choice.ambiguous else "senses.clear")
        stats.event(
            "sense",
            list=job.path,
            term=term,
            synset=wn.synset(choice.wnid).name,
            ambiguous=choice.ambiguous,
            found_as=choice.how,
            candidates=len(choice.candidates),
        )


# -- one list ----------------------------------------------------------------------


def arrange_list(name, terms, vectors, context: ArrangeContext, run, registry):
    """Call the ``arrange`` hook for one list with the chosen arranger and check the answer."""
    from wildcards_gen.plugins import call_first

    arranger = chosen_arranger(run, registry)
    chosen, owner = arranger.name, arranger.plugin
    plugin, result = call_first(
        registry.pm.hook.arrange,
        f"arrange failed on list {name!r}",
        arranger=chosen,
        name=name,
        terms=list(terms),
        vectors=vectors,
        context=context,
        run=run,
    )
    if result is None:
        return None
    if plugin is not None and plugin != owner:
        raise PluginError(
            plugin,
            f"answered arrange for arranger {chosen!r}, which plugin {owner!r} declared; "
            "an arrange implementation must return None for arrangers that are not its own",
        )
    check_groups(plugin or owner, name, terms, result)
    return list(result)


def check_groups(plugin: str, name: str, terms, groups) -> None:
    """Every term in exactly one group, groups named and distinct."""
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, Group) for g in groups):
        raise PluginError(
            plugin, f"arrange returned {type(groups).__name__} for {name!r}; expected a list of wildcards_gen.Group"
        )
    names = [g.name for g in groups]
    if any(not isinstance(n, str) or not n.strip() for n in names):
        raise PluginError(plugin, f"arrange returned a group without a name for {name!r}")
    if len({n.casefold() for n in names}) != len(names):
        raise PluginError(plugin, f"arrange returned two groups with the same name for {name!r}")
    got = Counter(t for g in groups for t in g.terms)
    want = Counter(terms)
    if got != want:
        lost = sorted((want - got).keys())[:3]
        extra = sorted((got - want).keys())[:3]
        raise PluginError(
            plugin,
            f"arrange must place every term of {name!r} in exactly one group (missing {lost}, unexpected or repeated {extra})",
        )


def _sort_key(text: str):
    return (text.casefold(), text)


@dataclass
class Result:
    items: list  # what stays in the list (all of it when not arranged)
    removed: list  # (term, distance)
    groups: list | None  # [(Group, sub-result or None)]
    senses: list = field(default_factory=list)  # the sense chosen for each term of the list


def clean(job: Job, vectors, threshold: float):
    """Conservative outliers: far from the rest of the list, unusually far, not a kind of the category."""
    import numpy as np

    from wildcards_gen import wordnet

    n = len(job.terms)
    if n < CLEAN_MIN_ITEMS:
        return list(range(n)), []
    X = cosine_normalise(np.asarray(vectors, dtype=np.float64))
    total = X.sum(axis=0)
    rest = cosine_normalise(total[None, :] - X)  # leave-one-out centroids
    dist = 1.0 - np.einsum("ij,ij->i", X, rest)
    median = float(np.median(dist))
    mad = float(np.median(np.abs(dist - median))) or 1e-6
    wn = wordnet.get()
    candidates = [
        i
        for i in range(n)
        if dist[i] > threshold and dist[i] > median + 4 * mad and not protected(wn, job.terms[i], job.synset)
    ]
    candidates.sort(key=lambda i: (-round(float(dist[i]), 6), _sort_key(job.terms[i])))
    removed = sorted(candidates[: int(CLEAN_MAX_SHARE * n)])
    keep = [i for i in range(n) if i not in set(removed)]
    return keep, [(job.terms[i], round(float(dist[i]), 4)) for i in removed]


def process(job: Job, embedded: Embedded, run, registry, do_clean: bool, do_arrange: bool, progress=None) -> Result:
    """Choose one list's senses, clean it and arrange it (on a worker; touches only its own data)."""
    choose(job, embedded)
    matrix = embedded.matrix
    vectors = matrix[job.rows]
    keep = list(range(len(job.terms)))
    removed: list = []
    if do_clean:
        keep, removed = clean(
            job, matrix[job.clean_rows], float(run.options.get("semantic_clean_threshold") or DEFAULT_CLEAN_THRESHOLD)
        )
    terms = [job.terms[i] for i in keep]
    groups = None
    if do_arrange and len(terms) >= min_items(run):
        context = ArrangeContext(
            job.synset,
            tuple(job.senses[i].wnid for i in keep),
            job.taken,
            1,
            tuple(job.senses[i].ambiguous for i in keep),
            embedded.vectors_of,
        )
        groups = arrange_level(job.name, terms, vectors[keep], context, run, registry)
    if progress is not None:
        progress.update(1)
    return Result(terms, removed, groups, job.senses)


def arrange_level(name, terms, vectors, context: ArrangeContext, run, registry):
    """Arrange one list; a group larger than ``--semantic-arrange-max-group`` is arranged again below it."""
    groups = arrange_list(name, terms, vectors, context, run, registry)
    if not groups:
        return None
    index = {t: i for i, t in enumerate(terms)}
    max_group = int(run.options.get("semantic_arrange_max_group") or 40)
    max_depth = int(run.options.get("semantic_arrange_max_depth") or MAX_DEPTH)
    out = []
    for group in groups:
        sub = None
        if context.level < max_depth and len(group.terms) > max_group:
            rows = [index[t] for t in group.terms]
            below = ArrangeContext(
                group.synset or context.synset,
                tuple(context.term_synsets[r] for r in rows),
                (),
                context.level + 1,
                tuple(context.ambiguous[r] for r in rows) if context.ambiguous else (),
                context.vectors_of,
            )
            sub = arrange_level(group.name, list(group.terms), vectors[rows], below, run, registry)
        out.append((group, sub))
    return out


def min_items(run) -> int:
    return int(run.options.get("semantic_arrange_min_items") or DEFAULT_MIN_ITEMS)


# -- the whole tree ------------------------------------------------------------------


def known_senses(raw_roots) -> dict:
    """``{name: [wnid, ...]}``: the synsets the dataset's nodes of each name carry (every node of the tree)."""
    found: dict = {}
    stack = list(raw_roots)
    while stack:
        raw = stack.pop()
        if raw.node.synset:
            found.setdefault(raw.node.name, set()).add(raw.node.synset)
        stack.extend(raw.children)
    return {name: sorted(wnids) for name, wnids in found.items()}


def arrange_tree(
    categories: list[Category], run, engine, registry, known: dict | None = None, progress=None
) -> list[Category]:
    """Clean and/or arrange every long enough list of the tree; returns the same roots.

    ``known``: the synsets the dataset gave each name (:func:`known_senses`); a
    term's sense is chosen among them rather than among all of WordNet's.
    ``progress``: a tqdm-like bar, advanced once per list (from worker threads).
    """
    from wildcards_gen import embeddings

    options = run.options
    do_arrange = bool(options.get("semantic_arrange"))
    do_clean = bool(options.get("semantic_clean"))
    if not (do_arrange or do_clean):
        return categories
    # senses are chosen with sparse matrices (scipy) for every arranger
    embeddings.require_numpy("semantic arrangement" if do_arrange else "semantic cleaning", ("scipy",))
    if do_arrange:
        chosen_arranger(run, registry)  # an unknown or unusable arranger fails before any work
    smallest = min(min_items(run) if do_arrange else 10**9, CLEAN_MIN_ITEMS if do_clean else 10**9)

    targets, jobs = [], []
    stack = [(root, root.name) for root in reversed(categories)]
    while stack:
        cat, path = stack.pop()
        terms = sorted(set(cat.items), key=_sort_key)
        if len(terms) >= smallest:
            targets.append(cat)
            jobs.append(Job(path, cat.name, cat.synset, terms, taken=tuple(c.name for c in cat.children)))
        stack.extend((c, f"{path}/{c.name}") for c in reversed(cat.children))
    if not jobs:
        return categories

    processes = uses_processes(engine, jobs)
    run.log(
        f"arranging {len(jobs)} lists on {engine.workers} worker processes"
        if processes
        else f"arranging {len(jobs)} lists in this process"
    )
    with run.stats.timer("arrange.embed"):
        embedded = embed_candidates(jobs, run, registry, known, clean=do_clean)
    for cat, job in zip(targets, jobs):  # a category the list's own terms named (see embed_candidates)
        if cat.synset is None and job.synset:
            cat.synset = cat.id = job.synset
    if progress is not None:
        progress.total = len(jobs)
    with run.stats.timer("arrange.lists"):
        if processes:  # GIL-bound work: one process per worker, results merged here in list order
            _preload()
            outcomes = process_pool.fork_map(
                _process_in_worker,
                [(job, embedded, run, registry, do_clean, do_arrange) for job in jobs],
                engine.workers,
                costs=[len(job.terms) ** 1.5 for job in jobs],
            )
            results = []
            for result, counters, events in outcomes:
                run.stats.merge(counters, events)
                results.append(result)
                if progress is not None:
                    progress.update(1)
        else:
            with _blas_threads(1 if engine.workers > 1 else None):
                # the pool supplies the parallelism: BLAS threads on top would oversubscribe the cores
                results = engine.map(
                    process, [(job, embedded, run, registry, do_clean, do_arrange, progress) for job in jobs]
                )
    for job, result in zip(jobs, results):
        job.senses = result.senses
        report_senses(job, run.stats)
    glosses = options.get("glosses", True)
    template = options.get("orphans_label_template") or "other_{}"
    for cat, job, result in zip(targets, jobs, results):
        for term, distance in result.removed:
            run.stats.event("removed_semantic_clean", list=job.path, item=term, distance=distance)
            run.stats.incr("items.removed_semantic_clean")
        if result.groups is None:
            if result.removed:
                cat.items = list(result.items)
            continue
        run.stats.incr("arrange.lists")
        cat.items = []
        cat.children.extend(_categories(cat, result.groups, glosses, template, run))
    return categories


# Below this many terms forking workers costs more than it saves (measured on 2 cores: 426 terms in 17
# lists as fast either way, 1,036 terms in 41 lists 8% faster on two processes)
PROCESS_MIN_TERMS = 800


def uses_processes(engine, jobs: list[Job]) -> bool:
    """Arrange on worker processes: more than one worker, a system that forks, and enough work."""
    return (
        engine.workers > 1
        and process_pool.available()
        and len(jobs) > 1
        and sum(len(job.terms) for job in jobs) >= PROCESS_MIN_TERMS
    )


def _process_in_worker(job: Job, embedded: Embedded, run, registry, do_clean: bool, do_arrange: bool):
    """:func:`process` in a worker process, with a report of its own that the parent merges."""
    import dataclasses

    from wildcards_gen.stats import Stats

    local = dataclasses.replace(run, stats=Stats())
    result = process(job, embedded, local, registry, do_clean, do_arrange)
    return result, dict(local.stats.counters), local.stats.events


def _preload() -> None:
    """What every worker needs, loaded once here and inherited by each (not once per worker)."""
    import scipy.sparse  # noqa: F401

    from wildcards_gen import wordnet, wordnet_measures

    wordnet_measures.information_content(wordnet.get())


@contextlib.contextmanager
def _blas_threads(limit):
    """Limit numpy's BLAS/OpenMP threads while the pool clusters lists (None: no limit)."""
    if limit is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not installed: BLAS keeps its own setting
        yield
        return
    with threadpool_limits(limits=limit):
        yield


def _categories(parent: Category, groups, glosses: bool, template: str, run) -> list[Category]:
    from wildcards_gen import tree

    out = []
    rest_label = template.format(parent.name)
    for group, sub in groups:
        is_rest = group.synset is None and group.name == rest_label
        if is_rest:
            instruction = tree.other_instruction(parent) or group.instruction
            run.stats.incr("arrange.rest_items", len(group.terms))
        else:
            instruction = group.instruction
            run.stats.incr("arrange.groups")
        cat = Category(
            group.name,
            instruction=instruction if glosses else None,
            id=group.synset,
            synset=group.synset,
            instruction_kind=("derived" if is_rest else "gloss") if glosses and instruction else None,
        )
        if sub:
            cat.children = _categories(cat, sub, glosses, template, run)
            run.stats.incr("arrange.lists")
        else:
            cat.items = list(group.terms)
        out.append(cat)
    return out
