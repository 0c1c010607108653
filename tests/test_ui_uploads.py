"""Uploads to the web UI: zips extracted only inside their folder and within bounds, binaries refused."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from wildcards_gen.errors import UsageError
from wildcards_gen.ui import uploads


def make_zip(members: dict, **infos) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = infos.get(name, 0o644 | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def test_a_good_zip_is_extracted_as_it_is(tmp_path):
    data = make_zip({"animals/cats.txt": "tabby\n", "animals/dogs/": "", "colors.yaml": "c: [red]\n"})
    where = uploads.store(data, "wildcards.zip", tmp_path, allow_zip=True)
    assert where == tmp_path / "wildcards"
    assert (where / "animals" / "cats.txt").read_text() == "tabby\n"
    assert (where / "animals" / "dogs").is_dir()
    assert (where / "colors.yaml").read_text() == "c: [red]\n"


@pytest.mark.parametrize(
    ("member", "said"),
    [
        ("../evil.txt", "leaves the folder"),
        ("a/../../evil.txt", "leaves the folder"),
        ("/etc/evil.txt", "absolute path"),
        ("C:/evil.txt", "absolute path"),
        ("a\\..\\evil.txt", "backslash"),
    ],
)
def test_a_member_outside_the_folder_is_refused_and_nothing_is_extracted(tmp_path, member, said):
    data = make_zip({"fine.txt": "x\n", member: "y\n"})
    with pytest.raises(UsageError, match=said):
        uploads.store(data, "bad.zip", tmp_path, allow_zip=True)
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_symlink_member_is_refused(tmp_path):
    data = make_zip({"link.txt": "/etc/passwd"}, **{"link.txt": stat.S_IFLNK | 0o777})
    with pytest.raises(UsageError, match="link"):
        uploads.store(data, "links.zip", tmp_path, allow_zip=True)
    assert list(tmp_path.iterdir()) == []


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_MEMBERS", 5)
    data = make_zip({f"{n}.txt": "x\n" for n in range(6)})
    with pytest.raises(UsageError, match="6 members, more than the 5"):
        uploads.store(data, "many.zip", tmp_path, allow_zip=True)


def test_the_uncompressed_total_is_bounded_by_the_upload_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("WILDCARDS_GEN_MAX_INPUT_MB", "1")
    bomb = make_zip({"a.txt": "a" * (600 * 1024), "b.txt": "b" * (600 * 1024)})  # 1.2 MB from a few KB
    assert len(bomb) < 20_000
    with pytest.raises(UsageError, match="extracts to more than 1 MB"):
        uploads.store(bomb, "bomb.zip", tmp_path, allow_zip=True)


def test_a_member_that_lies_about_its_size_is_not_extracted_past_it(tmp_path):
    """The central directory says 10 bytes for 5,000: the extraction reads what it declared, no more."""
    data = bytearray(make_zip({"a.txt": "a" * 5000}))
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (10).to_bytes(4, "little")  # its uncompressed size
    with pytest.raises(UsageError, match="cannot be extracted"):
        uploads.store(bytes(data), "liar.zip", tmp_path, allow_zip=True)


def test_an_encrypted_member_is_refused(tmp_path):
    data = bytearray(make_zip({"secret.txt": "x\n"}))
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 8] |= 0x1  # the encryption flag in the central directory
    with pytest.raises(UsageError, match="encrypted"):
        uploads.store(bytes(data), "secret.zip", tmp_path, allow_zip=True)


def test_a_member_twice_is_refused(tmp_path):
    buffer = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "1\n")
        archive.writestr("a.txt", "2\n")
    with pytest.raises(UsageError, match="twice"):
        uploads.store(buffer.getvalue(), "twice.zip", tmp_path, allow_zip=True)


def test_a_damaged_zip_is_one_line(tmp_path):
    data = make_zip({"a.txt": "x\n"})[:30]
    with pytest.raises(UsageError, match="not a readable zip"):
        uploads.store(data, "cut.zip", tmp_path, allow_zip=True)


def test_binary_files_are_refused_and_zips_only_where_allowed(tmp_path):
    with pytest.raises(UsageError, match="binary file"):
        uploads.store(b"\x7fELF\x00\x01\x02", "tool", tmp_path, allow_zip=True)
    with pytest.raises(UsageError, match="is a zip"):
        uploads.store(make_zip({"a.txt": "x\n"}), "list.zip", tmp_path, allow_zip=False)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\dogs.yaml", "dogs.yaml"),
        ("", "default.yaml"),
        (".hidden", "hidden"),
        ("...", "default.yaml"),
        ("a<b>|c.txt", "a_b__c.txt"),
    ],
)
def test_an_uploaded_name_is_reduced_to_a_safe_file_name(given, stored):
    assert uploads.safe_name(given, "default.yaml") == stored


def test_the_upload_limit_is_the_readers_limit_when_set(monkeypatch):
    monkeypatch.delenv("WILDCARDS_GEN_MAX_INPUT_MB", raising=False)
    assert uploads.upload_limit() == uploads.DEFAULT_UPLOAD_MB * 1024 * 1024
    monkeypatch.setenv("WILDCARDS_GEN_MAX_INPUT_MB", "2")
    assert uploads.upload_limit() == 2 * 1024 * 1024
    monkeypatch.setenv("WILDCARDS_GEN_MAX_INPUT_MB", "lots")
    with pytest.raises(UsageError, match="not a number"):
        uploads.upload_limit()
