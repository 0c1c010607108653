from wildcards_gen.testing import *  # noqa: F403  (the host's fixtures: cli, wn, register_plugin, ...)
