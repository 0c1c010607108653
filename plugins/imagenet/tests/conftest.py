import shutil

import pytest

from wildcards_gen.testing import *  # noqa: F403  (fixtures)

LISTS = ("imagenet_synsets.txt", "imagenet12k_synsets.txt", "imagenet21k_goog_synsets.txt")


@pytest.fixture(scope="session")
def seeded_cache(session_cache, shared_data, wn):
    """The session cache with the reference class lists copied in (no download needed)."""
    folder = session_cache / "imagenet"
    folder.mkdir(parents=True, exist_ok=True)
    for name in LISTS:
        if not (folder / name).is_file():
            shutil.copyfile(shared_data / "imagenet" / name, folder / name)
    return session_cache


@pytest.fixture(scope="session")
def class_sets(shared_data):
    """``{"1k": set, "12k": set, "21k": set}`` read straight from the reference files."""
    out = {}
    for key, name in zip(("1k", "12k", "21k"), LISTS):
        out[key] = {l.strip() for l in (shared_data / "imagenet" / name).read_text().splitlines() if l.strip()}
    return out
