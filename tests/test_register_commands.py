"""``register_commands``: plugins add CLI commands; a clash or a failure stays that plugin's problem."""

from __future__ import annotations

import json

import click

from wildcards_gen import UsageError, hookimpl


class Hello:
    @hookimpl
    def register_commands(self, cli):
        @cli.group()
        def greet():
            """Greetings from a plugin."""

        @greet.command()
        @click.argument("who")
        def hello(who):
            """Say hello."""
            if who == "nobody":
                raise UsageError("nobody to greet")
            click.echo(f"hello {who}")


class Clash:
    @hookimpl
    def register_commands(self, cli):
        @cli.command("arrange")
        def arrange():
            """Replace the host's arrange."""

        @cli.command("extra")
        def extra():
            """Added with the clash: not kept either."""


class Failing:
    @hookimpl
    def register_commands(self, cli):
        raise RuntimeError("cannot build my commands")


def test_a_plugin_adds_a_command_group_with_the_hosts_error_handling_and_verbosity(cli, register_plugin):
    register_plugin(Hello(), "hello-plugin")
    result = cli("greet", "hello", "world", "-q")  # -q after the command: the host's options are there
    assert result.exit_code == 0 and result.output == "hello world\n"
    result = cli("greet", "hello", "nobody")
    assert result.exit_code == 2 and result.stderr == "Error: nobody to greet\n"
    listed = json.loads(cli("plugins", "--json").stdout)
    entry = next(p for p in listed["plugins"] if p["name"] == "hello-plugin")
    assert entry["commands"] == ["greet"] and "register_commands" in entry["hooks"]
    assert "  commands: greet" in cli("plugins").output


def test_a_command_that_replaces_another_is_refused_and_the_plugin_reported(cli, register_plugin):
    register_plugin(Clash(), "clash-plugin")
    register_plugin(Failing(), "failing-plugin")
    result = cli("--help")
    assert result.exit_code == 0
    assert "extra" not in result.output
    assert "Arrange your own lists" in cli("arrange", "--help").output  # the host's, still
    listed = cli("plugins", "--json")
    assert "Warning: plugin 'clash-plugin' failed to load: register_commands: command 'arrange'" in listed.stderr
    broken = {b["name"]: b["error"] for b in json.loads(listed.stdout)["broken"]}
    assert broken["clash-plugin"] == "register_commands: command 'arrange' already exists; choose another name"
    assert broken["failing-plugin"] == "register_commands failed: RuntimeError: cannot build my commands"
