"""Plugin discovery through real entry points, errors named by plugin, the plugins command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wildcards_gen import Dataset, Node, hookimpl
from wildcards_gen.testing import pip_install_to

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def thirdparty_site(tmp_path_factory) -> Path:
    """Install the test plugins with pip into a folder of their own (not into the venv)."""
    site = tmp_path_factory.mktemp("site")
    for package in ("thirdparty", "thirdparty_broken", "thirdparty_clash"):
        pip_install_to(site, HERE / package)
    return site


def run_cli(*args, site: Path | None = None, env_extra: dict | None = None, cwd=None):
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    env.update(env_extra or {})
    return subprocess.run(
        [str(BIN / "wildcards-gen"), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_bundled_plugins_listed_with_versions_hooks_and_datasets():
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert plugins["imagenet"]["distribution"] == "wildcards-gen-imagenet"
    assert plugins["imagenet"]["datasets"] == ["imagenet"]
    assert "iter_children" in plugins["imagenet"]["hooks"]
    assert plugins["tencent"]["datasets"] == ["tencent"]
    assert plugins["tencent"]["version"]


def test_third_party_plugin_installed_with_pip_is_found_and_runs(thirdparty_site, tmp_path):
    listing = run_cli("plugins", site=thirdparty_site)
    assert listing.returncode == 0, listing.stderr
    assert "colors (wildcards-gen-colors 1.2.3)" in listing.stdout
    assert "datasets: colors" in listing.stdout
    # the broken one is reported by name and does not take the others down
    assert "broken (BROKEN)" in listing.stdout
    assert "this plugin is broken on purpose" in listing.stdout
    assert "datasets: imagenet" in listing.stdout

    out = tmp_path / "colors.yaml"
    result = run_cli("dataset", "colors", "-o", out, site=thirdparty_site)
    assert result.returncode == 0, result.stderr
    assert "Warning: plugin 'broken' failed to load" in result.stderr
    text = out.read_text()
    assert text.startswith("chromatic color: # instruction: a color that has hue")
    assert "- crimson" in text


def test_load_plugins_env_switch_selects_entry_points(thirdparty_site):
    result = run_cli("plugins", "--json", site=thirdparty_site, env_extra={"WILDCARDS_GEN_LOAD_PLUGINS": "colors"})
    names = {p["name"] for p in json.loads(result.stdout)["plugins"]}
    assert "colors" in names
    assert "imagenet" not in names and "tencent" not in names and "broken" not in names
    # internal plugins are always there
    assert any(n.startswith("wildcards_gen.default_plugins.") for n in names)

    none = run_cli("dataset", env_extra={"WILDCARDS_GEN_LOAD_PLUGINS": ""})
    assert none.returncode == 0
    assert "No datasets installed" in none.stdout


def test_dataset_without_name_lists_and_unknown_name_fails_with_hint():
    listing = run_cli("dataset")
    assert listing.returncode == 0
    assert "imagenet" in listing.stdout and "tencent" in listing.stdout
    unknown = run_cli("dataset", "nope", "-o", "x.yaml")
    assert unknown.returncode == 2
    assert "unknown dataset 'nope'" in unknown.stderr
    assert "pip install" in unknown.stderr
    assert "Traceback" not in unknown.stderr


class TakenName:
    @hookimpl
    def register_datasets(self, register):
        register(Dataset("tencent", "a second tencent", find_roots=lambda run: []))


class WrongType:
    @hookimpl
    def register_datasets(self, register):
        register(Dataset("wrongtype", "returns a string", find_roots=lambda run: [Node("x", "x")]))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset == "wrongtype":
            return "not a list"


class Raising:
    @hookimpl
    def register_datasets(self, register):
        register(Dataset("raising", "raises below the root", find_roots=lambda run: [Node("root", "root")]))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != "raising":
            return None
        if node.id == "root":
            return [Node(f"c{i}", f"child {i}") for i in range(6)]
        if node.id == "c3":
            raise RuntimeError("database went away")
        return []


def test_a_dataset_name_two_plugins_declare_is_ambiguous_and_nothing_else_breaks(cli, register_plugin, tmp_path):
    register_plugin(TakenName(), name="impostor")
    listing = cli("dataset")
    assert listing.exit_code == 0
    assert "imagenet" in listing.stdout and "tencent  not usable" in listing.stdout
    used = cli("dataset", "tencent", "-o", tmp_path / "t.yaml")
    assert used.exit_code == 2
    assert "'tencent' is declared by plugins 'tencent' and 'impostor'" in used.stderr
    assert "WILDCARDS_GEN_LOAD_PLUGINS=" in used.stderr and "Traceback" not in used.stderr
    assert cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", tmp_path / "d.yaml").exit_code == 0
    plugins = cli("plugins")
    assert plugins.exit_code == 0
    assert "CONFLICT dataset 'tencent': declared by plugins 'tencent' and 'impostor'" in plugins.stdout


def test_an_installed_clashing_plugin_leaves_plugins_and_other_datasets_working(thirdparty_site, tmp_path):
    listing = run_cli("plugins", "--json", site=thirdparty_site)
    assert listing.returncode == 0, listing.stderr
    data = json.loads(listing.stdout)
    assert {
        "kind": "dataset",
        "name": "imagenet",
        "plugins": ["clash", "imagenet"],
        "problem": "declared by several plugins",
    } in data["conflicts"]
    clash = run_cli("dataset", "imagenet", "-o", tmp_path / "x.yaml", site=thirdparty_site)
    assert clash.returncode == 2 and "'imagenet' is declared by plugins 'clash' and 'imagenet'" in clash.stderr
    assert not (tmp_path / "x.yaml").exists()
    own = run_cli("dataset", "clashfree", "-o", tmp_path / "c.yaml", site=thirdparty_site)
    assert own.returncode == 0, own.stderr
    # the suggested switch really resolves it
    chosen = run_cli(
        "dataset",
        "imagenet",
        "--root",
        "dog.n.01",
        "--depth",
        "2",
        "-o",
        tmp_path / "d.yaml",
        site=thirdparty_site,
        env_extra={"WILDCARDS_GEN_LOAD_PLUGINS": "imagenet,tencent"},
    )
    assert chosen.returncode == 0, chosen.stderr
    assert "dog: # instruction:" in (tmp_path / "d.yaml").read_text()


def test_wrong_return_type_names_plugin(cli, register_plugin, tmp_path):
    register_plugin(WrongType(), name="wrongtype-plugin")
    out = tmp_path / "o.yaml"
    result = cli("dataset", "wrongtype", "-o", out)
    assert result.exit_code == 1
    assert "plugin 'wrongtype-plugin'" in result.stderr and "expected a list" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("workers", ["1", "4"])
def test_raising_plugin_names_node_and_keeps_previous_output(cli, register_plugin, tmp_path, workers):
    register_plugin(Raising(), name="raising-plugin")
    out = tmp_path / "o.yaml"
    out.write_text("previous: [kept]\n")
    result = cli("dataset", "raising", "-o", out, "--workers", workers)
    assert result.exit_code == 1
    assert "plugin 'raising-plugin'" in result.stderr
    assert "on node c3 (child 3)" in result.stderr and "database went away" in result.stderr
    assert out.read_text() == "previous: [kept]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["o.yaml"]  # no temporary file left


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("wildcards-gen, version ")
    help_text = " ".join(run_cli("dataset", "imagenet", "--help").stdout.split())
    assert "Default: ./<dataset>.yaml" in help_text
