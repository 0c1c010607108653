from wildcards_gen.testing import *  # noqa: F403  (fixtures)
