from wildcards_gen.testing import *  # noqa: F401,F403  (fixtures)
