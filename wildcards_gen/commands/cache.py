"""``wildcards-gen cache info`` and ``wildcards-gen cache clear [--model M]``: the embedding cache."""

from __future__ import annotations

import json

import click


def _human(size: float) -> str:
    unit = "B"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"


def register(cli: click.Group) -> None:
    @cli.group()
    def cache():
        """Inspect or clear the persistent embedding cache."""

    @cache.command()
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def info(as_json):
        """Path, size, and entries per embedder and model."""
        from wildcards_gen import embedding_cache

        data = embedding_cache.EmbeddingCache(embedding_cache.default_path()).info()
        if as_json:
            click.echo(json.dumps(data, indent=2))
            return
        click.echo(f"path: {data['path']}")
        click.echo(f"size: {_human(data['bytes'])}")
        click.echo(f"entries: {data['entries']}")
        for row in data["models"]:
            click.echo(f"  {row['embedder']} / {row['model']}: {row['entries']} vectors of {row['dim']} floats")

    @cache.command()
    @click.option("--model", default=None, help="Only this model's vectors (as 'cache info' names it).")
    @click.option("--embedder", default=None, help="Only this embedder's vectors.")
    def clear(model, embedder):
        """Delete cached vectors: all of them, or one model's / one embedder's."""
        from wildcards_gen import embedding_cache

        store = embedding_cache.EmbeddingCache(embedding_cache.default_path())
        removed = store.clear(model=model, embedder=embedder)
        store.close()
        what = " and ".join(x for x in (model and f"model {model!r}", embedder and f"embedder {embedder!r}") if x)
        click.echo(f"Removed {removed} cached vectors" + (f" of {what}" if what else "") + f" from {store.path}")
