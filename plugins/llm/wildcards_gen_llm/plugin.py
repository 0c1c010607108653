"""The hooks: the ``llm`` command group and the ``llm`` arranger.

Nothing heavy is imported here: ``llm`` and the model load on the first request.
"""

from __future__ import annotations

import click

from wildcards_gen import hookimpl

NAME = "llm"


@hookimpl
def register_commands(cli):
    from wildcards_gen_llm.commands import llm_group

    cli.add_command(llm_group())


@hookimpl
def register_arrangers(register):
    register(
        NAME,
        "your llm model sorts each list (llm's default model, or --llm-model); every term kept exactly once",
        options=[
            click.Option(
                ["--llm-model"],
                default=None,
                help="llm arranger: the model (an id or alias 'llm models' lists). Default: llm's default model.",
            ),
            click.Option(
                ["--llm-batch-size"],
                type=click.IntRange(min=1),
                default=60,
                show_default=True,
                help="llm arranger: terms per request.",
            ),
            click.Option(
                ["--llm-retries"],
                type=click.IntRange(0, 10),
                default=2,
                show_default=True,
                help="llm arranger: ask again this many times when an answer is not valid; then stop.",
            ),
        ],
    )


@hookimpl
def arrange(arranger, name, terms, context, run):
    if arranger != NAME:
        return None
    from wildcards_gen_llm.categorize import arrange_list

    return arrange_list(name, terms, context, run)
