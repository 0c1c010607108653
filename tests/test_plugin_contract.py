"""The plugin contract holds for every plugin: pluggy's calling rules, checked results, local conflicts.

Each test plays a plugin author who reads only ``hookspecs.py`` and CONTRIBUTING.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest

from wildcards_gen import Dataset, Group, Node, hookimpl

BIN = Path(sys.executable).parent


# -- hook calls: fewer arguments, hook wrappers -------------------------------------------------


class Chain:
    """A small dataset whose ``iter_children`` declares fewer arguments than the spec."""

    def __init__(self, name: str):
        self.name = name

    @hookimpl
    def register_datasets(self, register):
        register(Dataset(self.name, "three fruits", find_roots=lambda run: [Node("r", "fruit")]))

    @hookimpl
    def iter_children(self, dataset, node):  # no ``run``: pluggy allows it, so must the host
        if dataset != self.name:
            return None
        return [Node("a", "apple"), Node("b", "banana"), Node("c", "cherry")] if node.id == "r" else []


class CountingWrapper:
    """A new-style wrapper around every hook: it must see each call the host makes."""

    def __init__(self):
        self.calls: dict[str, int] = {}

    def _count(self, name):
        self.calls[name] = self.calls.get(name, 0) + 1

    @hookimpl(wrapper=True)
    def iter_children(self, dataset, node, run):
        self._count("iter_children")
        return (yield)

    @hookimpl(wrapper=True)
    def embed_batch(self, texts, embedder, model, options):
        self._count("embed_batch")
        return (yield)

    @hookimpl(wrapper=True)
    def arrange(self, arranger, name, terms, vectors, context, run):
        self._count("arrange")
        return (yield)


class TinyEmbedder:
    """An embedder and an arranger whose implementations declare only what they use."""

    @hookimpl
    def register_embedders(self, register):
        register("tiny", "first letter one-hot")

    @hookimpl
    def embed_batch(self, texts, embedder):
        if embedder != "tiny":
            return None
        return [[1.0 if t[0].lower() == c else 0.0 for c in "abcdefghijklmnopqrstuvwxyz"] + [0.1] for t in texts]

    @hookimpl
    def register_arrangers(self, register):
        register("halves", "two halves", options=[click.Option(["--halves-first-name"], default="first half")])

    @hookimpl
    def arrange(self, arranger, terms, run):
        if arranger != "halves":
            return None
        middle = len(terms) // 2
        return [
            Group(run.options["halves_first_name"], list(terms[:middle])),
            Group("second half", list(terms[middle:])),
        ]


DOGS = ("dataset", "imagenet", "--root", "dog.n.01", "--smart", "--semantic-arrange")


def test_implementations_with_fewer_arguments_and_wrappers_for_every_hook(cli, register_plugin, tmp_path):
    register_plugin(Chain("fruitchain"), "fruitchain")
    register_plugin(TinyEmbedder(), "tiny")
    wrapper = register_plugin(CountingWrapper(), "counting")

    out = tmp_path / "f.yaml"
    result = cli("dataset", "fruitchain", "-o", out)
    assert result.exit_code == 0, result.output
    assert "- banana" in out.read_text()
    assert wrapper.calls["iter_children"] == 4  # the root and its three leaves

    arranged = tmp_path / "d.yaml"
    fresh = f"model-{tmp_path.name}-{os.getpid()}"  # a model name the embedding cache has not seen
    result = cli(
        *DOGS,
        "--embedder",
        "tiny",
        "--embed-model",
        fresh,
        "--arranger",
        "halves",
        "--halves-first-name",
        "early dogs",
        "-o",
        arranged,
        "--stats",
        tmp_path / "d.json",
    )
    assert result.exit_code == 0, result.output
    assert wrapper.calls["embed_batch"] == 1 and wrapper.calls["arrange"] >= 1
    text = arranged.read_text()
    assert "early dogs:" in text and "second half:" in text


# -- conflicts stay local ------------------------------------------------------------------------


class SecondWordNetEmbedder:
    @hookimpl
    def register_embedders(self, register):
        register("wordnet", "an impostor")


def test_an_embedder_name_two_plugins_declare_is_ambiguous_only_where_used(cli, register_plugin, tmp_path):
    register_plugin(SecondWordNetEmbedder(), "impostor-embedder")
    plain = cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", tmp_path / "p.yaml")
    assert plain.exit_code == 0, plain.output
    used = cli(*DOGS, "--embedder", "wordnet", "-o", tmp_path / "a.yaml")
    assert used.exit_code == 2
    assert "'wordnet' is declared by plugins" in used.output and "'impostor-embedder'" in used.output
    listing = cli("plugins", "--json")
    assert listing.exit_code == 0
    conflicts = json.loads(listing.stdout)["conflicts"]
    assert any(c["kind"] == "embedder" and c["name"] == "wordnet" for c in conflicts)


# -- every result checked, errors naming plugin and node --------------------------------------------


class Misbehaving:
    """``case`` picks what ``iter_children`` gets wrong."""

    def __init__(self, case: str):
        self.case = case

    @hookimpl
    def register_datasets(self, register):
        roots = (lambda run: []) if self.case == "no roots" else (lambda run: [Node("r", "root")])
        register(Dataset("misbehaving", "gets something wrong", find_roots=roots))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != "misbehaving":
            return None
        if node.id != "r":
            return []
        if self.case == "dict in list":
            return [Node("a", "a"), Node("b", "b"), {"id": "c", "name": "c"}]
        if self.case == "empty name":
            return [Node("a", "a"), Node("b", "")]
        if self.case == "no name":
            return [Node("a", None)]
        return [Node("a", "a")]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("dict in list", "on node r (root) returned a list whose element 2 is dict"),
        ("empty name", "on node r (root): element 1 (id b) has name ''; a node name must be a non-empty string"),
        ("no name", "on node r (root): element 0 (id a) has name None; a node name must be a non-empty string"),
        (
            "no roots",
            "dataset 'misbehaving' has no root for these options (plugin 'bad': find_roots returned an empty list)",
        ),
    ],
)
def test_bad_plugin_results_are_one_line_errors_naming_plugin_and_node(cli, register_plugin, tmp_path, case, expected):
    register_plugin(Misbehaving(case), "bad")
    out = tmp_path / "o.yaml"
    result = cli("dataset", "misbehaving", "-o", out)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    assert "plugin 'bad'" in result.stderr and "internal error" not in result.stderr
    assert not out.exists()


class Cyclic:
    """root -> a -> b -> c -> a: ``a`` is its own grandchild's child. Siblings make the walk fan out."""

    @hookimpl
    def register_datasets(self, register):
        register(Dataset("cyclic", "a loop", find_roots=lambda run: [Node("root", "root")]))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != "cyclic":
            return None
        fan = [Node(f"leaf{i}", f"leaf {i}") for i in range(6)]
        return {
            "root": [Node("a", "alpha"), *fan],
            "a": [Node("b", "beta"), *fan],
            "b": [Node("c", "gamma"), *fan],
            "c": [Node("a", "alpha"), *fan],
        }.get(node.id, [])


@pytest.mark.parametrize("workers", ["1", "8"])
def test_a_cycle_is_reported_with_its_path_whatever_the_workers(cli, register_plugin, tmp_path, workers):
    register_plugin(Cyclic(), "cyclic-plugin")
    result = cli("dataset", "cyclic", "--workers", workers, "-o", tmp_path / "c.yaml")
    assert result.exit_code == 1
    assert (
        "plugin 'cyclic-plugin': iter_children made a cycle: a (alpha) -> b (beta) -> c (gamma) -> a (alpha)"
        in result.stderr
    )
    assert "RecursionError" not in result.stderr


class Deep:
    """A chain ``levels`` deep; every thousandth level also has five leaves (wide enough for the pool)."""

    def __init__(self, levels: int):
        self.levels = levels

    @hookimpl
    def register_datasets(self, register):
        register(Dataset("deep", "a very deep chain", find_roots=lambda run: [Node("0", "level 0")]))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != "deep":
            return None
        if node.id.startswith("leaf"):
            return []
        level = int(node.id)
        if level == self.levels - 1:
            return []
        leaves = [Node(f"leaf{level}.{i}", f"thing {level}.{i}") for i in range(5)] if level % 1000 == 0 else []
        return [Node(str(level + 1), f"level {level + 1}"), *leaves]


@pytest.mark.parametrize("workers", ["1", "8"])
def test_ten_thousand_levels_walk_shape_and_write(cli, register_plugin, tmp_path, workers):
    register_plugin(Deep(10_000), "deep-plugin")
    full = tmp_path / "deep.jsonl"
    result = cli("dataset", "deep", "--workers", workers, "-o", full, "--stats", tmp_path / "s.json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in full.read_text().splitlines()]
    assert len(rows) == 5 * 10 + 1
    deepest = max(rows, key=lambda r: len(r["path"]))
    assert len(deepest["path"]) == 9_999 and deepest["item"] == "level 9999"
    counts = json.loads((tmp_path / "s.json").read_text())["counts"]
    assert counts["input.nodes"] == 10_000 + 5 * 10
    smart = tmp_path / "deep.yaml"
    result = cli("dataset", "deep", "--workers", workers, "--smart", "--min-hyponyms", "0", "--depth", "3", "-o", smart)
    assert result.exit_code == 0, result.output
    assert "thing 9000.4" in smart.read_text() and "level 9999" in smart.read_text()


def test_a_thousand_levels_as_yaml(cli, register_plugin, tmp_path):
    register_plugin(Deep(1_200), "deep-plugin")
    out = tmp_path / "deep.yml"  # not .yaml: the test fixture's check composes YAML recursively
    result = cli("dataset", "deep", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert " " * 2 * 1_198 + "- level 1199" in text and "thing 1000.0" in text


# -- presets as a contract ---------------------------------------------------------------------------


class WithPresets:
    def __init__(self, name: str, presets: dict):
        self.name, self.presets = name, presets

    @hookimpl
    def register_datasets(self, register):
        def roots(run):
            return [Node(run.wordnet.synset("dog.n.01").wnid, "dog", synset=run.wordnet.synset("dog.n.01").wnid)]

        register(Dataset(self.name, "dogs with presets", find_roots=roots, presets=self.presets))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != self.name:
            return None
        synset = run.wordnet.synset(node.id)
        return [Node(h, run.wordnet.synset(h).display, synset=h) for h in synset.hyponyms]


def _categories(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.rstrip().endswith(":") or ": #" in line)


def test_presets_accept_the_cli_spelling_and_new_names(cli, register_plugin, tmp_path):
    register_plugin(
        WithPresets(
            "pdogs",
            {"balanced": {"min-hyponyms": 3}, "one-list": {"min_depth": 0, "min_hyponyms": 100_000, "min_leaf": 1000}},
        ),
        "pdogs-plugin",
    )
    help_text = cli("dataset", "pdogs", "--help").stdout
    assert "one-list" in help_text
    listing = json.loads(cli("plugins", "--json").stdout)
    entry = next(p for p in listing["plugins"] if p["name"] == "pdogs-plugin")
    assert entry["presets"] == {"pdogs": ["one-list"]}
    balanced, default = tmp_path / "b.yaml", tmp_path / "d.yaml"
    assert cli("dataset", "pdogs", "--smart", "-o", balanced).exit_code == 0
    assert cli("dataset", "imagenet", "--root", "dog.n.01", "--smart", "-o", default).exit_code == 0
    assert _categories(balanced) > _categories(default)  # min-hyponyms 3 keeps far more categories than 50
    one = tmp_path / "t.yaml"
    assert cli("dataset", "pdogs", "--smart", "--preset", "one-list", "-o", one).exit_code == 0
    assert _categories(one) == 1  # every list merged into the root's


@pytest.mark.parametrize(
    ("presets", "expected"),
    [
        ({"balanced": {"min_hyponym": 3}}, "unknown setting 'min_hyponym' (did you mean 'min_hyponyms'?)"),
        ({"balanced": {"min_leaf": "5"}}, "preset 'balanced': min_leaf must be an integer, got '5'"),
        ({"balanced": "compact"}, "preset 'balanced' must be a dict of settings, not str"),
        ({"mine": {"min_leaf": 2}}, "new preset 'mine' must set min_depth, min_hyponyms"),
    ],
)
def test_a_broken_preset_makes_only_its_dataset_unusable(cli, register_plugin, tmp_path, presets, expected):
    register_plugin(WithPresets("broken-presets", presets), "preset-plugin")
    result = cli("dataset", "broken-presets", "--smart", "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2
    assert "dataset 'broken-presets' is unusable: plugin 'preset-plugin': " in result.stderr
    assert expected in result.stderr and "Traceback" not in result.output
    assert cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", tmp_path / "ok.yaml").exit_code == 0
    assert expected in cli("plugins").stdout


# -- arrangers ---------------------------------------------------------------------------------------


class ClashingArranger:
    @hookimpl
    def register_arrangers(self, register):
        register("clashing", "takes --depth", options=[click.Option(["--depth"], default=None)])


def test_arrangers_are_listed_and_one_with_a_clashing_option_is_unusable(cli, register_plugin, tmp_path):
    register_plugin(ClashingArranger(), "clashing-plugin")
    listing = cli("plugins")
    assert "arrangers: builtin" in listing.stdout
    assert "CONFLICT arranger 'clashing'" in listing.stdout and "'depth' clashes" in listing.stdout
    result = cli(*DOGS, "--arranger", "clashing", "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2 and "clashes with another option" in result.output
    ok = cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", tmp_path / "ok.yaml")
    assert ok.exit_code == 0, ok.output


NO_SKLEARN = """
import sys
sys.modules["sklearn"] = None  # as if scikit-learn were not installed (and scipy, with a second argument)
if len(sys.argv) > 1 and sys.argv[1] == "--no-scipy":
    sys.argv.pop(1)
    sys.modules["scipy"] = None
from wildcards_gen import Group, hookimpl
from wildcards_gen.cli import run
from wildcards_gen.plugins import get_registry

class Letters:
    @hookimpl
    def register_arrangers(self, register):
        register("letters")

    @hookimpl
    def arrange(self, arranger, terms):
        if arranger == "letters":
            return [Group("a to m", [t for t in terms if t[0].lower() <= "m"]),
                    Group("n to z", [t for t in terms if t[0].lower() > "m"])]

get_registry().register(Letters(), name="letters")
sys.exit(run(sys.argv[1:]))
"""


def test_arrangement_needs_no_scikit_learn_and_a_missing_library_names_the_extra(tmp_path):
    args = ["dataset", "imagenet", "--root", "dog.n.01", "--smart", "--semantic-arrange", "--embedder", "wordnet"]
    for arranger in ("letters", "builtin"):
        out = tmp_path / f"{arranger}.yaml"
        done = subprocess.run(
            [sys.executable, "-c", NO_SKLEARN, *args, "--arranger", arranger, "-o", str(out)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    assert "a to m:" in (tmp_path / "letters.yaml").read_text()
    assert "hound:" in (tmp_path / "builtin.yaml").read_text()
    missing = subprocess.run(
        [sys.executable, "-c", NO_SKLEARN, "--no-scipy", *args, "-o", str(tmp_path / "x.yaml")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert "semantic arrangement needs scipy: pip install 'wildcards-gen[arrange]'" in missing.stderr


def test_extras_are_the_smallest_sets_the_errors_name():
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    names = {extra: {d.split(">")[0].split("=")[0].strip() for d in deps} for extra, deps in extras.items()}
    assert names["arrange"] == {"numpy", "scipy"}
    assert names["embeddings"] == {"wildcards-gen[arrange]", "sentence-transformers"}


# -- files honour the umask ----------------------------------------------------------------------------


def _umask_run(args, umask, cwd):
    return subprocess.run(
        [str(BIN / "wildcards-gen"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_every_writer_honours_the_umask_and_a_replaced_file_keeps_its_mode(tmp_path, umask, mode):
    out, stats, kept = tmp_path / "dogs.yaml", tmp_path / "dogs.json", tmp_path / "kept.yaml"
    dogs = ["dataset", "imagenet", "--root", "dog.n.01", "--smart"]
    assert _umask_run([*dogs, "-o", out, "--stats", stats], umask, tmp_path).returncode == 0
    kept.write_text("old: [x]\n")
    kept.chmod(0o640)
    assert _umask_run([*dogs, "-o", kept], umask, tmp_path).returncode == 0
    assert _umask_run(["export", out, "--txt-dir", tmp_path / "txt"], umask, tmp_path).returncode == 0
    cleaned = _umask_run(["lint", out, "--clean", "-o", tmp_path / "clean.yaml"], umask, tmp_path)
    assert cleaned.returncode == 0, cleaned.stderr
    manifest = tmp_path / "m.yaml"
    manifest.write_text("tasks:\n  - dataset: imagenet\n    root: dog.n.01\n    depth: 2\n    output: b.yaml\n")
    batch = _umask_run(["batch", manifest, "--report", tmp_path / "report.json"], umask, tmp_path)
    assert batch.returncode == 0, batch.stderr
    written = [
        out,
        stats,
        tmp_path / "clean.yaml",
        tmp_path / "b.yaml",
        tmp_path / "report.json",
        *sorted((tmp_path / "txt").rglob("*.txt"))[:3],
    ]
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in written} == {p.name: oct(mode) for p in written}
    assert oct(kept.stat().st_mode & 0o777) == oct(0o640)
    assert "old:" not in kept.read_text()


# -- options where users type them, help that tells the truth ---------------------------------------------


def test_verbosity_options_after_the_subcommand(cli, tmp_path):
    dogs = ("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2")
    quiet = cli(*dogs, "-o", tmp_path / "q.yaml", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = cli(*dogs, "-o", tmp_path / "v.yaml", "-v")
    assert f"Wrote {tmp_path / 'v.yaml'}" in loud.stderr
    both = cli("-v", *dogs, "-o", tmp_path / "w.yaml", "-v", "--root", "nosuchthing")
    assert both.exit_code == 2 and "Traceback" in both.stderr  # -v -v: tracebacks
    exported = cli("export", tmp_path / "v.yaml", "--txt-dir", tmp_path / "txt", "-q")
    assert exported.exit_code == 0 and exported.stderr == ""


def test_help_says_no_preset_turns_arrangement_on(cli):
    text = " ".join(cli("dataset", "imagenet", "--help").stdout.split())
    assert "Off by default: no preset turns it on" in text
    assert "presets turn it on" not in text.lower()


# -- structure ---------------------------------------------------------------------------------------------


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The host modules ``path`` imports anywhere (top level or inside functions)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:  # ``from pkg import module`` imports the module, else pkg itself
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
    out = set()
    for name in found:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name:
            out.add(name)
    return out


def test_the_host_has_no_import_cycles_and_imports_no_plugin_module():
    root = Path(__file__).parents[1] / "wildcards_gen"
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}
    host = {n for n in modules if not n.startswith("wildcards_gen.default_plugins")}
    for name in sorted(host):
        assert not {t for t in graph[name] if t.startswith("wildcards_gen.default_plugins")}, name

    def reachable(start):
        seen, stack = set(), list(graph[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(graph[node])
        return seen

    assert [n for n in sorted(modules) if n in reachable(n)] == []


def test_plugins_atexit_handlers_run_when_the_console_script_exits(tmp_path):
    marker = tmp_path / "atexit-ran"
    package = tmp_path / "site" / "atexit_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        textwrap.dedent(f"""
        import atexit
        from wildcards_gen import Dataset, Node, hookimpl

        @hookimpl
        def register_datasets(register):
            atexit.register(lambda: open({str(marker)!r}, "w").write("ok"))
            register(Dataset("atexit-demo", "demo", find_roots=lambda run: [Node("r", "root")]))

        @hookimpl
        def iter_children(dataset, node, run):
            return [] if dataset == "atexit-demo" else None
    """)
    )
    dist = tmp_path / "site" / "atexit_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: atexit-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[wildcards_gen]\natexit-demo = atexit_plugin\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [str(BIN / "wildcards-gen"), "dataset", "atexit-demo", "-o", str(tmp_path / "a.yaml")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "ok"


# -- the fixtures third parties use ------------------------------------------------------------------------


def test_testing_honours_an_existing_cache(tmp_path):
    code = "import os, wildcards_gen.testing; print(os.environ['WILDCARDS_GEN_CACHE'])"
    env = {k: v for k, v in os.environ.items() if k not in ("WILDCARDS_GEN_TEST_CACHE", "WILDCARDS_GEN_CACHE")}
    mine = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**env, "WILDCARDS_GEN_CACHE": str(tmp_path)}
    )
    assert mine.stdout.strip() == str(tmp_path)
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "wildcards-gen-test-cache-" in fresh.stdout and not Path(fresh.stdout.strip()).exists()  # removed at exit


def test_the_cli_fixture_checks_output_however_it_is_spelled():
    from wildcards_gen.testing import output_of

    assert output_of(["dataset", "x", "-o", "a.yaml"]) == "a.yaml"
    assert output_of(["dataset", "x", "--output", "b.yaml"]) == "b.yaml"
    assert output_of(["dataset", "x", "--output=c.yaml"]) == "c.yaml"
    assert output_of(["dataset", "x"]) is None
