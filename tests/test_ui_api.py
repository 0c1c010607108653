"""The web UI's server over HTTP, as the page uses it: the real ``wildcards-gen ui`` process.

Downloads are compared byte for byte with the console script's output for the
same options; sessions are kept apart; bad requests get one line of JSON.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from ui_support import BIN, Client, UIServer, cli_output

from wildcards_gen.testing import pip_install_to

HERE = Path(__file__).parent
STYLES = "".join(
    f"{term}\n"
    for term in (
        [
            "baroque",
            "cubism",
            "Paris",
            "London",
            "Berlin",
            "Tokyo",
            "impressionism",
            "surrealism",
            "cyberpunk",
            "steampunk",
            "vaporwave",
        ]
        + ["art nouveau", "minimalism", "Rome"]
    )
)


@pytest.fixture(scope="module")
def server():
    started = UIServer()
    yield started
    started.stop()


@pytest.fixture
def client(server) -> Client:
    return Client(server.url)


def download(client: Client, job: dict, what: str) -> bytes:
    status, headers, body = client.request("GET", f"/api/jobs/{job['id']}/download/{what}")
    assert status == 200, body[:300]
    assert headers["Content-Disposition"].startswith("attachment; filename=")
    return body


def test_the_server_says_where_it_listens_and_that_it_is_local_only(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert "127.0.0.1 only" in server.banner[1]


def test_the_page_and_its_assets_are_served_with_a_session_cookie(server):
    client = Client(server.url, load_page=False)
    status, headers, body = client.request("GET", "/")
    assert status == 200 and b"<title>wildcards-gen</title>" in body
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get_raw(asset)
    status, headers, _ = client.request("GET", "/")
    assert "Set-Cookie" not in headers  # the session stays


def test_info_lists_the_installed_datasets_with_options_presets_and_embedders(client):
    status, info = client.get("/api/info")
    assert status == 200
    datasets = {d["name"]: d for d in info["datasets"]}
    assert {"imagenet", "tencent"} <= set(datasets)
    tencent = datasets["tencent"]
    assert next(p for p in tencent["presets"] if p["name"] == "balanced")["min_hyponyms"] == 30  # its override
    roots = [o for o in tencent["options"] if o["root"]]
    assert roots and roots[0]["multiple"] is True
    assert {e["name"] for e in info["embedders"]} >= {"wordnet"}
    assert "impact-ondemand" in info["targets"] and "kebab" in info["key_styles"]
    assert info["upload_limit"] == 32 * 1024 * 1024


def test_wordnet_search_finds_names_ids_and_typos(client):
    _, found = client.get("/api/wordnet?q=n02084071")
    assert found["matches"][0]["name"] == "dog.n.01" and found["matches"][0]["how"] == "exact"
    _, found = client.get("/api/wordnet?q=dog")
    assert found["matches"][0]["wnid"] == "n02084071"
    _, found = client.get("/api/wordnet?q=dgo")
    assert "dog.n.01" in [m["name"] for m in found["matches"]]
    assert {m["how"] for m in found["matches"]} == {"did you mean"}
    _, found = client.get("/api/wordnet?q=" + "%25_" * 10)
    assert found["matches"] == []


def test_imagenet_dogs_downloads_are_the_clis_bytes(client, tmp_path):
    form = {
        "dataset": "imagenet",
        "smart": True,
        "preset": "detailed",
        "depth": "3",
        "target": "impact",
        "key_style": "kebab",
        "options": {"root": "n02084071"},
    }
    job = client.run("/api/generate", form)
    assert job["state"] == "done", job["error"]
    args = ["dataset", "imagenet", "--smart", "--preset", "detailed", "--depth", "3"]
    args += ["--target", "impact", "--key-style", "kebab", "--root", "n02084071"]
    assert job["cli"] == "wildcards-gen " + " ".join(args) + " -o imagenet.yaml"
    assert download(client, job, "yaml") == cli_output(args, tmp_path / "dogs.yaml")
    assert download(client, job, "jsonl") == cli_output(args, tmp_path / "dogs.jsonl")
    exported = tmp_path / "txt" / "imagenet"
    subprocess.run(
        [str(BIN / "wildcards-gen"), "-q", "export", str(tmp_path / "dogs.yaml"), "--txt-dir", str(exported)]
        + ["--target", "impact"],
        check=True,
    )
    assert job["notes"]["export_cli"] == "wildcards-gen export imagenet.yaml --txt-dir imagenet --target impact"
    archive = zipfile.ZipFile(io.BytesIO(download(client, job, "zip")))
    files = {n: archive.read(n) for n in archive.namelist()}
    on_disk = {p.relative_to(exported.parent).as_posix(): p.read_bytes() for p in sorted(exported.rglob("*.txt"))}
    assert files == on_disk and len(files) > 5
    report = json.loads(download(client, job, "report"))
    assert report["counts"]["output.categories"] == job["result"]["counts"]["categories"]
    tree = job["result"]["tree"]
    assert tree[0]["name"] == "dog" and tree[0]["instruction"].startswith("a member of the genus Canis")
    assert tree[0]["count"] == job["result"]["counts"]["items"]


def test_arrange_gives_the_clis_bytes(client, tmp_path):
    text = STYLES
    job = client.run("/api/arrange", text.encode(), "?name=styles.txt&embedder=wordnet")
    assert job["state"] == "done", job["error"]
    assert job["cli"] == "wildcards-gen arrange styles.txt --embedder wordnet -o styles-arranged.yaml"
    (tmp_path / "styles.txt").write_text(text)
    expected = cli_output(["arrange", "styles.txt", "--embedder", "wordnet"], tmp_path / "out.yaml", cwd=tmp_path)
    assert download(client, job, "yaml") == expected
    assert job["result"]["counts"]["groups"] >= 2
    assert job["result"]["tree"][0]["name"] == "styles"


def test_check_reports_each_readers_findings_with_lines_as_the_cli_does(client, tmp_path):
    text = "animals: # instruction: creatures\n  dogs: [yes, beagle, beagle]\n  cats: [tabby]\n"
    job = client.run("/api/check", text.encode(), "?name=pets.yaml")
    assert job["state"] == "done", job["error"]
    (tmp_path / "pets.yaml").write_text(text)
    cli = subprocess.run(
        [str(BIN / "wildcards-gen"), "check", "pets.yaml", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    expected = json.loads(cli.stdout)["files"][0]["problems"]
    result = job["result"]
    assert result["findings"] == expected
    coerced = [f for f in result["by_reader"]["dynamicprompts"] if f["code"] == "coerced-item"]
    assert coerced[0]["line"] == 2 and coerced[0]["path"] == "animals/dogs"
    assert set(result["by_reader"]) == {"dynamicprompts", "impact", "generator"}
    as_text = subprocess.run(
        [str(BIN / "wildcards-gen"), "check", "pets.yaml"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result["text"] + "\n" == as_text.stdout
    assert (result["errors"], result["warnings"]) == (
        json.loads(cli.stdout)["errors"],
        json.loads(cli.stdout)["warnings"],
    )


def test_check_a_zip_of_txt_wildcards_as_check_dir(client, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("wildcards/animals/cats.txt", "tabby\ntabby\n")
        archive.writestr("wildcards/my colors.txt", "red\n{a|b}\n")
    job = client.run("/api/check", buffer.getvalue(), "?name=pack.zip&target=impact-ondemand")
    assert job["state"] == "done", job["error"]
    assert job["cli"] == "wildcards-gen check pack --target impact-ondemand"
    codes = {(f["file"], f["line"], f["code"]) for f in job["result"]["findings"]}
    assert ("pack/wildcards/animals/cats.txt", 2, "duplicate-item") in codes
    assert ("pack/wildcards/my colors.txt", 1, "txt-name") in codes


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"dataset": "nope"}, "unknown dataset 'nope'"),
        ({"dataset": "imagenet", "depth": "0"}, "Invalid value for '--depth': 0 is not in the range x>=1."),
        ({"dataset": "imagenet", "depth": "many"}, "'many' is not a valid integer"),
        ({"dataset": "imagenet", "smart": "yes"}, "--smart is on or off"),
        ({"dataset": "imagenet", "options": {"root": ["dog", {"x": 1}]}}, "takes text or a number"),
        ({"dataset": "imagenet", "embedder": "nope"}, "nope"),
        ([1, 2], "the form must be a JSON object"),
    ],
)
def test_a_bad_form_is_one_line_at_once(client, form, said):
    status, answer = client.post("/api/generate", form)
    assert status == 400
    assert said in answer["error"] and "\n" not in answer["error"] and "Traceback" not in answer["error"]


def test_an_unknown_root_fails_the_job_with_close_matches(client):
    job = client.run("/api/generate", {"dataset": "imagenet", "options": {"root": "dgo"}})
    assert job["state"] == "failed"
    assert job["error"] == "'dgo' is not a WordNet noun; did you mean: dog, dago, do, dg, dingo?"


def test_bad_uploads_are_one_line(client, tmp_path):
    big = b"a: [b]\n" * (50 * 1024 * 1024 // 7)
    status, answer = client.post("/api/check?name=big.yaml", big)
    assert status == 413 and "more than the 32 MB this UI accepts" in answer["error"]
    status, answer = client.post("/api/check?name=ls", (Path(sys.executable).resolve()).read_bytes()[:5000])
    assert (
        status == 400 and answer["error"] == "ls is a binary file, not a wildcard file (.yaml, .txt) or a .zip of them"
    )
    status, answer = client.post("/api/arrange?name=list.zip", b"PK\x03\x04rest")
    assert status == 400 and "is a zip" in answer["error"]
    status, answer = client.post("/api/check?name=empty.yaml", b"  \n")
    assert status == 400 and answer["error"] == "empty.yaml is empty"
    job = client.run("/api/arrange", b"a: [b\n", "?name=broken.yaml")
    assert job["state"] == "failed"
    assert job["error"].startswith("broken.yaml:2:1: the wildcard file is not valid YAML")
    job = client.run("/api/check", b"a: [b\n", "?name=broken.yaml")
    assert [f["code"] for f in job["result"]["findings"]] == ["yaml-error"]
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("../escape.txt", "x\n")
    status, answer = client.post("/api/check?name=evil.zip", zipped.getvalue())
    assert status == 400 and "leaves the folder" in answer["error"]


def test_requests_that_start_work_need_the_pages_header_and_session(server, client):
    status, _, body = client.request("POST", "/api/generate", b"{}")
    assert status == 403 and b"X-Wildcards-Gen" in body
    stranger = Client(client.url, load_page=False)
    status, answer = stranger.post("/api/generate", {"dataset": "imagenet"})
    assert status == 403 and "no session" in answer["error"]
    status, answer = client.post("/api/generate", {"dataset": "imagenet"}, {"Origin": "http://evil.example"})
    assert status == 403
    status, _, body = client.request("GET", "/api/info", headers={"Host": "evil.example"})
    assert status == 421
    status, _, body = client.request("GET", "/api/nothing")
    assert status == 404 and json.loads(body)["error"].startswith("no such request")
    status, answer = client.post("/api/generate", b"{not json")
    assert status == 400 and answer["error"] == "the form is not JSON"


def test_sessions_do_not_see_each_others_jobs(server):
    alice, bob = Client(server.url), Client(server.url)
    results = {}

    def generate(who: str, client: Client, root: str) -> None:
        results[who] = client.run("/api/generate", {"dataset": "imagenet", "smart": True, "options": {"root": root}})

    threads = [
        threading.Thread(target=generate, args=("alice", alice, "n02084071")),
        threading.Thread(target=generate, args=("bob", bob, "cat.n.01")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["alice"]["result"]["tree"][0]["name"] == "dog"
    assert results["bob"]["result"]["tree"][0]["name"] == "cat"
    for owner, other in (("alice", bob), ("bob", alice)):
        job = results[owner]["id"]
        assert other.get(f"/api/jobs/{job}")[0] == 404
        assert other.request("GET", f"/api/jobs/{job}/download/yaml")[0] == 404
        assert other.post(f"/api/jobs/{job}/cancel", b"")[0] == 404
    assert alice.get(f"/api/jobs/{results['alice']['id']}")[1]["state"] == "done"


def wait_walking(client: Client, job: dict) -> dict:
    """The job once its process walks the dataset."""
    deadline = time.monotonic() + 60
    while not job["progress"]["phase"].startswith("Walking"):
        assert time.monotonic() < deadline and job["state"] in ("queued", "running"), job
        job = client.get(f"/api/jobs/{job['id']}?after={job['version']}")[1]
    return job


def test_a_newer_request_supersedes_and_cancel_ends_the_process(client):
    slow = {"dataset": "imagenet", "options": {"root": "entity.n.01"}}  # the whole noun tree: seconds
    status, first = client.post("/api/generate", slow)
    assert status == 202
    status, second = client.post("/api/generate", slow)
    first = client.wait(first)
    assert first["state"] == "cancelled" and first["error"] == "superseded by a newer request"
    wait_walking(client, second)
    status, cancelled = client.post(f"/api/jobs/{second['id']}/cancel", b"")
    assert status == 200 and cancelled["state"] == "cancelled"
    status, answer = client.get(f"/api/jobs/{second['id']}/download/yaml")
    assert status == 409 and "no result" in answer["error"]


def test_a_third_party_dataset_appears_and_runs(tmp_path):
    site = pip_install_to(tmp_path / "site", HERE / "thirdparty")
    started = UIServer(env={"PYTHONPATH": str(site)})
    try:
        client = Client(started.url)
        info = client.get("/api/info")[1]
        assert "colors" in [d["name"] for d in info["datasets"]]
        job = client.run("/api/generate", {"dataset": "colors"})
        assert job["state"] == "done", job["error"]
        env = {**os.environ, "PYTHONPATH": str(site)}
        out = tmp_path / "colors.yaml"
        subprocess.run([str(BIN / "wildcards-gen"), "-q", "dataset", "colors", "-o", str(out)], check=True, env=env)
        assert download(client, job, "yaml") == out.read_bytes()
    finally:
        started.stop()


def test_a_non_local_address_is_warned_about_and_sigterm_stops_everything(tmp_path):
    started = UIServer("--host", "0.0.0.0", env={"TMPDIR": str(tmp_path)})
    try:
        assert any(line.startswith("WARNING: listening on 0.0.0.0") for line in started.banner)
        client = Client(started.url)
        client.post("/api/generate", {"dataset": "imagenet", "options": {"root": "entity.n.01"}})
        client.run("/api/check", b"a: [b]\n", "?name=x.yaml")
        assert list(tmp_path.glob(".wildcards-gen-ui.*.tmp"))
    finally:
        rest = started.stop()
    assert started.process.returncode == 0 and "Stopped." in rest and "Traceback" not in rest
    assert not list(tmp_path.glob(".wildcards-gen-ui.*.tmp"))
    assert processes_with(f"TMPDIR={tmp_path}") == []


def processes_with(variable: str, seconds: float = 15) -> list[int]:
    """Processes (Linux /proc) whose environment holds ``variable``, after up to ``seconds`` for them to end."""
    if not Path("/proc/self/environ").exists():
        return []
    deadline = time.monotonic() + seconds
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if (
                    entry.name.isdigit()
                    and variable.encode() in (entry / "environ").read_bytes().split(b"\0")
                    and (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # not a zombie
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_killed_servers_jobs_end_and_its_uploads_are_removed_by_the_next(tmp_path):
    killed = UIServer(env={"TMPDIR": str(tmp_path)})
    client = Client(killed.url)
    wait_walking(client, client.post("/api/generate", {"dataset": "imagenet", "options": {"root": "entity.n.01"}})[1])
    killed.process.kill()
    killed.process.wait()
    assert processes_with(f"TMPDIR={tmp_path}") == []  # the fork server, its jobs and their workers
    assert list(tmp_path.glob(".wildcards-gen-ui.*.tmp"))
    following = UIServer(env={"TMPDIR": str(tmp_path)})
    try:
        assert len(list(tmp_path.glob(".wildcards-gen-ui.*.tmp"))) == 1  # its own
    finally:
        following.stop()


def test_a_taken_port_is_one_line(server):
    port = server.url.rsplit(":", 1)[1].strip("/")
    result = subprocess.run(
        [str(BIN / "wildcards-gen"), "ui", "--port", port, "--no-browser"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}:")
    assert "--port 0" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_refused_post_leaves_the_connection_usable_or_closes_it(server):
    """A body the server did not read must not be taken for the next request on a kept-alive connection."""
    import http.client

    host, port = server.url.split("//")[1].strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    body = b"GET /api/info HTTP/1.1\r\nHost: evil\r\n\r\n" * 3
    connection.request("POST", "/api/generate", body=body)  # no header, no session: refused unread
    response = connection.getresponse()
    assert response.status == 403
    response.read()
    connection.request("GET", "/api/info", headers={"Host": f"{host}:{port}"})  # reconnects if closed
    again = connection.getresponse()
    assert again.status == 200 and json.loads(again.read())["datasets"]
    connection.close()
