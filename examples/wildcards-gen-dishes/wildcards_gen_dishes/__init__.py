"""An example wildcards-gen dataset plugin: dishes of the world by cuisine."""
