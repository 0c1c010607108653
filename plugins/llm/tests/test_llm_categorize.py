"""``wildcards-gen llm categorize`` and ``--arranger llm`` with a scripted model: every guarantee of an answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import scripted_model as scripted
import yaml
from scripted_model import SCRIPT, SENT, enum_of

BIN = Path(sys.executable).parent
TERMS = ["beagle", "boxer", "dachshund", "husky", "poodle", "pug", "retriever", "terrier"]


def write_list(tmp_path, terms=TERMS, name="dogs.txt"):
    path = tmp_path / name
    path.write_text("\n".join(terms) + "\n")
    return path


def lists_of(data, found=None, path=()):
    """``{path: items}`` of every leaf list of a loaded wildcard file."""
    found = {} if found is None else found
    for key, value in data.items():
        if isinstance(value, dict):
            lists_of(value, found, (*path, key))
        else:
            found[(*path, key)] = value
    return found


def answer(*groups):
    return json.dumps({"groups": [{"name": n, "description": d, "terms": t} for n, d, t in groups]})


def test_every_term_ends_in_exactly_one_list_whatever_the_model_answers(cli, tmp_path):
    SCRIPT.append(
        answer(
            ("small dogs", "little dogs", ["pug", "dachshund", "pug", "chihuahua"]),  # repeated, invented
            ("working dogs", "dogs with a job", ["husky", "boxer", "retriever"]),
        )
    )
    out = tmp_path / "dogs.yaml"
    stats = tmp_path / "stats.json"
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "scripted", "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.stderr
    lists = lists_of(yaml.safe_load(out.read_text()))
    placed = [t for items in lists.values() for t in items]
    assert sorted(placed) == sorted(TERMS)  # each input term once, nothing invented
    assert sorted(lists[("dogs", "other_dogs")]) == ["beagle", "poodle", "terrier"]  # what the model left out
    assert sorted(lists[("dogs", "small dogs")]) == ["dachshund", "pug"]
    report = json.loads(stats.read_text())
    counts = report["counts"]
    assert (counts["llm.dropped"], counts["llm.invented"], counts["llm.repeated"]) == (3, 1, 1)
    assert report["events"]["llm_invented"] == [{"list": "dogs", "terms": ["chihuahua"]}]
    assert report["events"]["llm_model"] == [{"model": "scripted"}]
    assert "Model scripted: 1 request (0 from the cache)" in result.stderr
    assert "3 terms the model left out (kept in other_ lists), 1 it invented (removed), 1 it repeated" in result.stderr


def test_the_schema_offers_exactly_the_terms_and_sampling_is_deterministic(cli, tmp_path):
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "scripted", "-o", tmp_path / "out.yaml")
    assert result.exit_code == 0, result.stderr
    (sent,) = SENT
    assert enum_of(sent["schema"]) == TERMS
    assert sent["options"] == {"temperature": 0, "seed": 42}
    assert "Answer with one JSON object" not in sent["prompt"]


def test_a_model_without_schema_support_is_shown_the_schema_and_its_prose_is_read(cli, tmp_path):
    SCRIPT.append(lambda prompt: "Sure! Here you go:\n```json\n" + scripted.halves(prompt) + "\n```\nEnjoy.")
    out = tmp_path / "out.yaml"
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "scripted-plain", "-o", out)
    assert result.exit_code == 0, result.stderr
    (sent,) = SENT
    assert sent["schema"] is None
    assert "Answer with one JSON object and nothing else, following this JSON schema:" in sent["prompt"]
    lists = lists_of(yaml.safe_load(out.read_text()))
    assert sorted(t for items in lists.values() for t in items) == sorted(TERMS)


def test_a_malformed_answer_is_asked_again_with_the_problem_quoted(cli, tmp_path):
    SCRIPT.extend(["I think these are dogs.", json.dumps({"groups": "none"})])  # then the default: valid
    stats = tmp_path / "stats.json"
    result = cli(
        "llm", "categorize", write_list(tmp_path), "-m", "scripted", "-o", tmp_path / "o.yaml", "--stats", stats
    )
    assert result.exit_code == 0, result.stderr
    assert len(SENT) == 3
    assert "Your previous answer was rejected: the answer is not JSON" in SENT[1]["prompt"]
    assert "Your previous answer was rejected: $.groups: expected array, got a string" in SENT[2]["prompt"]
    report = json.loads(stats.read_text())
    assert report["counts"]["llm.retries"] == 2
    assert [e["attempt"] for e in report["events"]["llm_invalid_answer"]] == [1, 2]


def test_when_every_try_is_malformed_the_command_fails_in_one_line_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "out.yaml"
    out.write_text("previous: [content]\n")
    invented_only = json.dumps({"groups": [{"name": "x", "description": "", "terms": ["chihuahua"]}]})
    SCRIPT.extend(["not json", "not json", invented_only])
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "scripted", "--retries", "2", "-o", out)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: model scripted gave no valid answer for list 'dogs' in 3 tries (last problem: no term of the list "
        "was placed in a group); nothing written"
    ]
    assert out.read_text() == "previous: [content]\n"
    assert len(SENT) == 3


def test_a_rerun_is_answered_from_the_cache_and_no_cache_asks_again(cli, tmp_path):
    src = write_list(tmp_path)
    first, second, third = (tmp_path / f"{n}.yaml" for n in ("first", "second", "third"))
    assert cli("llm", "categorize", src, "-m", "scripted", "-o", first).exit_code == 0
    assert len(SENT) == 1
    result = cli("llm", "categorize", src, "-m", "scripted", "-o", second)
    assert result.exit_code == 0 and len(SENT) == 1  # nothing sent
    assert "1 request (1 from the cache)" in result.stderr
    assert second.read_bytes() == first.read_bytes()
    assert cli("llm", "categorize", src, "-m", "scripted", "-o", third, "--no-cache").exit_code == 0
    assert len(SENT) == 2


def llm_logs() -> list[dict]:
    """What ``llm logs`` shows (the real llm CLI, on this test's LLM_USER_PATH)."""
    done = subprocess.run([str(BIN / "llm"), "logs", "list", "-n", "0", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_prompts_and_answers_are_logged_in_llms_database_unless_logs_are_off(cli, tmp_path, llm_home):
    src = write_list(tmp_path)
    assert cli("llm", "categorize", src, "-m", "scripted", "-o", tmp_path / "a.yaml").exit_code == 0
    (logged,) = llm_logs()
    assert logged["model"] == "scripted" and logged["options_json"] == {"temperature": 0, "seed": 42}
    assert "- beagle" in logged["prompt"] and "first half" in logged["response"]
    assert logged["schema_json"]["required"] == ["groups"]
    (llm_home / "logs-off").write_text("")
    assert cli("llm", "categorize", src, "-m", "scripted", "--no-cache", "-o", tmp_path / "b.yaml").exit_code == 0
    assert len(SENT) == 2 and len(llm_logs()) == 1
    (llm_home / "logs-off").unlink()
    assert (
        cli("llm", "categorize", src, "-m", "scripted", "--no-cache", "--no-log", "-o", tmp_path / "c.yaml").exit_code
        == 0
    )
    assert len(SENT) == 3 and len(llm_logs()) == 1


def test_long_lists_go_in_batches_and_later_batches_see_the_groups_so_far(cli, tmp_path):
    terms = [f"term {i:02d}" for i in range(25)]
    result = cli(
        "llm", "categorize", write_list(tmp_path, terms, "things.txt"), "-m", "scripted", "--batch-size", "10",
        "-o", tmp_path / "out.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [len(enum_of(s["schema"])) for s in SENT] == [10, 10, 5]
    assert "Groups named so far (reuse a name when a term fits): first half; second half" in SENT[1]["prompt"]
    lists = lists_of(yaml.safe_load((tmp_path / "out.yaml").read_text()))
    assert sorted(t for items in lists.values() for t in items) == terms


def test_names_are_cleaned_for_the_target_and_refused_names_become_a_members(cli, tmp_path):
    from wildcards_gen.testing import assert_wildcards_clean

    SCRIPT.append(
        answer(
            ("Hats {&} __caps__ #1\n(winter)", "x", ["beagle", "boxer"]),
            ("DOGS", "the list's own name", ["husky"]),
            ("other_dogs", "the rest label", ["pug"]),
            ("  ", "no name", ["poodle", "terrier"]),
            ("hounds", "y", ["dachshund", "retriever"]),
        )
    )
    out = tmp_path / "out.yaml"
    stats = tmp_path / "stats.json"
    result = cli(
        "llm", "categorize", write_list(tmp_path), "-m", "scripted", "--target", "impact", "-o", out, "--stats", stats
    )
    assert result.exit_code == 0, result.stderr
    assert_wildcards_clean(out, "impact")
    lists = lists_of(yaml.safe_load(out.read_text()))
    assert lists[("dogs", "husky")] == ["husky"] and lists[("dogs", "poodle")] == ["poodle", "terrier"]
    assert sorted(t for items in lists.values() for t in items) == sorted(TERMS)
    assert not any("{" in k or "#" in k or "__" in k or "\n" in k for path in lists for k in path)
    assert json.loads(stats.read_text())["counts"]["llm.renamed"] == 3


def test_group_instructions_are_the_models_else_wordnets_gloss(cli, tmp_path):
    SCRIPT.append(answer(("toy dog", "", TERMS[:4]), ("zorblax", "made-up name, model's words", TERMS[4:])))
    out = tmp_path / "out.yaml"
    assert cli("llm", "categorize", write_list(tmp_path), "-m", "scripted", "-o", out).exit_code == 0
    text = out.read_text()
    assert "toy dog: # instruction: any of several breeds of very small dogs kept purely as pets" in text
    assert "zorblax: # instruction: made-up name, model's words" in text


def test_verbose_shows_the_prompts(cli, tmp_path):
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "scripted", "-v", "-o", tmp_path / "o.yaml")
    assert result.exit_code == 0
    assert "--- scripted: list 'dogs' ---" in result.stderr
    assert 'Sort these 8 terms from the list "dogs"' in result.stderr
    assert "--- answer ---" in result.stderr


def test_llms_default_model_is_used_without_model_option(cli, tmp_path, llm_home):
    (llm_home / "default_model.txt").write_text("scripted-alias")
    result = cli("llm", "categorize", write_list(tmp_path), "-o", tmp_path / "o.yaml")
    assert result.exit_code == 0, result.stderr
    assert SENT[0]["model"] == "scripted" and "Model scripted:" in result.stderr


def test_an_unknown_model_or_a_missing_key_is_one_line_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "o.yaml"
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "no-such-model", "-o", out)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: unknown llm model 'no-such-model' (from --model); 'llm models' lists the models installed"
    ]
    result = cli("llm", "categorize", write_list(tmp_path), "-m", "scripted-keyed", "-o", out)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: model scripted-keyed: No key found")
    assert "llm keys set scripted-service" in lines[0]
    assert not out.exists()


def test_yaml_input_is_edited_in_place_and_short_lists_stay(cli, tmp_path):
    src = tmp_path / "mine.yaml"
    src.write_text("# my file\npets: # instruction: animals at home\n  dogs:\n" + "".join(f"    - {t}\n" for t in TERMS)
                   + "  fish: [goldfish, guppy]  # short\n")  # fmt: skip
    out = tmp_path / "out.yaml"
    result = cli("llm", "categorize", src, "-m", "scripted", "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# my file\npets: # instruction: animals at home\n  dogs:")
    assert text.endswith("  fish: [goldfish, guppy]  # short\n")
    assert "pets/fish: 2 terms, fewer than --min-items; written unchanged" in result.stderr


def test_the_llm_arranger_in_arrange_and_in_a_dataset_run(cli, tmp_path):
    out = tmp_path / "arranged.yaml"
    result = cli("arrange", write_list(tmp_path), "--arranger", "llm", "--llm-model", "scripted", "--embedder",
                 "wordnet", "--semantic-arrange-min-items", "4", "-o", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "first half:" in out.read_text() and len(SENT) == 1
    stats = tmp_path / "stats.json"
    out = tmp_path / "corgis.yaml"
    result = cli(
        "dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "--semantic-arrange", "--arranger", "llm",
        "--llm-model", "scripted", "--embedder", "wordnet", "--workers", "2", "-o", out, "--stats", stats,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(stats.read_text())
    assert report["counts"]["llm.requests"] == len(SENT) - 1 >= 1
    assert "first half:" in out.read_text()


def test_the_cache_command_lists_and_clears_the_answers(cli, tmp_path, session_cache):
    assert cli("llm", "categorize", write_list(tmp_path), "-m", "scripted", "-o", tmp_path / "o.yaml").exit_code == 0
    shown = cli("llm", "cache")
    assert shown.exit_code == 0
    assert (
        shown.stdout.startswith(f"{session_cache / 'llm-responses.sqlite'}: ")
        and "  scripted: 1 answers" in shown.stdout
    )
    cleared = cli("llm", "cache", "--clear", "--model", "scripted")
    assert cleared.stdout.startswith("Removed 1 cached answer from ")
    assert "scripted" not in cli("llm", "cache").stdout
