"""Every file mailplan writes is replaced in one step: a run killed while writing leaves the old file
(never an empty or half one), and its temporary file is cleaned up by the next write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from crash.killpoints import run_forked
from mailplan.dns import dkim
from mailplan.files import is_temp, remove_stale_temps, temp_name, write_all_atomically, write_atomically
from mailplan.providers.credentials import UNCONFIRMED, CredentialSink
from people.conftest import EXAMPLE, Company

KILLED_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import mailplan.files as files
    real_fsync = os.fsync
    def fsync_then_die(fd):
        real_fsync(fd)
        os.kill(os.getpid(), signal.SIGKILL)  # the temporary file is complete, the rename never happens
    files.os.fsync = fsync_then_die
    files.write_atomically(Path(sys.argv[1]), "new text\\n")
    """
)


def _killed_while_writing(path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(path)], capture_output=True, text=True)
    assert run.returncode == -signal.SIGKILL, run.stderr


def test_a_write_killed_before_the_rename_leaves_the_old_file_and_the_next_write_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "huamao-trade.com.zone"
    target.write_text("old text\n")
    _killed_while_writing(target)
    assert target.read_text() == "old text\n"
    left = [p for p in tmp_path.iterdir() if p != target]
    assert len(left) == 1 and is_temp(left[0]), left  # what the killed process left, named as ours

    write_atomically(target, "newer text\n")
    assert target.read_text() == "newer text\n"
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_temporary_file_of_a_live_process_is_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        theirs = temp_name(tmp_path / "credentials.txt").name.replace(f"-{os.getpid()}-", f"-{sleeper.pid}-")
        (tmp_path / theirs).write_text("half")
        assert remove_stale_temps(tmp_path) == []
        assert (tmp_path / theirs).exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_stale_temps(tmp_path) == [tmp_path / theirs]


def test_a_new_file_is_world_readable_and_an_existing_one_keeps_its_mode(tmp_path: Path) -> None:
    new = tmp_path / "example.com.zone"
    write_atomically(new, "x")
    assert new.stat().st_mode & 0o777 == 0o644
    secret = tmp_path / "key.pem"
    write_atomically(secret, "k", 0o600)
    write_atomically(secret, "k2")
    assert secret.stat().st_mode & 0o777 == 0o600 and secret.read_text() == "k2"


def test_an_exclusive_write_keeps_what_another_run_wrote_first(tmp_path: Path) -> None:
    path = tmp_path / "example.com.mail.pem"
    assert write_atomically(path, "theirs", exclusive=True)
    assert not write_atomically(path, "mine", exclusive=True)
    assert path.read_text() == "theirs" and sorted(tmp_path.iterdir()) == [path]


def test_an_empty_dkim_key_left_by_an_older_crash_is_made_again(tmp_path: Path) -> None:
    keys = tmp_path / "dkim"
    keys.mkdir()
    dkim.key_path(keys, "example.com", "mail").write_bytes(b"")
    assert dkim.existing_key(keys, "example.com", "mail") is None  # never published: nothing to keep
    public = dkim.ensure_key(keys, "example.com", "mail", bits=1024)
    assert public == dkim.existing_key(keys, "example.com", "mail")


def test_a_password_is_on_file_before_the_provider_takes_it(tmp_path: Path) -> None:
    sink = CredentialSink(tmp_path / "credentials.txt")
    issued = sink.pending("zhangsan@example.com", "Secret1Secret1Secret1")
    # a run killed here still has the password: marked unconfirmed
    assert sink.path.read_text() == f"zhangsan@example.com\tSecret1Secret1Secret1\t# {UNCONFIRMED}\n"
    assert sink.path.stat().st_mode & 0o777 == 0o600
    assert sink.unconfirmed() == ["zhangsan@example.com"]
    # the next run made it again with another password: that line holds, the older one goes
    sink.put("zhangsan@example.com", "Other2Other2Other2Oth")
    assert sink.path.read_text() == "zhangsan@example.com\tOther2Other2Other2Oth\n"
    sink.withdraw(issued)  # nothing of it is left to withdraw
    assert sink.unconfirmed() == []


def test_a_password_found_taken_after_an_interrupted_run_is_confirmed(tmp_path: Path) -> None:
    sink = CredentialSink(tmp_path / "credentials.txt")
    sink.put("lisi@example.com", "Lisi1Lisi1Lisi1Lisi1")
    sink.pending("zhangsan@example.com", "Secret1Secret1Secret1")
    assert sink.settle("zhangsan@example.com")
    assert sink.path.read_text().splitlines() == [
        "lisi@example.com\tLisi1Lisi1Lisi1Lisi1", "zhangsan@example.com\tSecret1Secret1Secret1"
    ]
    assert not sink.settle("zhangsan@example.com")


def test_an_offboard_killed_while_saving_the_config_leaves_it_whole(tmp_path: Path) -> None:
    company = Company(tmp_path)
    company.config.write_bytes(EXAMPLE.read_bytes())
    before = company.text()
    log = tmp_path / "probes.log"
    assert run_forked(str(tmp_path), ["offboard", "zhangwei", "-s", "wangfang", "--no-plan"], 0, str(log)) == 0
    renames = [ln.split("\t")[0] for ln in log.read_text().splitlines() if ln.endswith("before rename\tmailplan.yaml")]
    company.config.write_text(before, encoding="utf-8")
    log.unlink()

    code = run_forked(str(tmp_path), ["offboard", "zhangwei", "-s", "wangfang", "--no-plan"], int(renames[0]), str(log))
    assert code == -signal.SIGKILL
    assert company.text() == before  # the old config, whole
    assert [p.name for p in tmp_path.iterdir() if is_temp(p)] != []  # what the killed run left
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--no-plan")
    assert "left_on" in company.text().split("name: 张伟", 1)[1].splitlines()[0]
    assert [p for p in tmp_path.rglob("*") if is_temp(p)] == []  # cleaned by the next command that writes


KILLED_BATCH = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import mailplan.files as files
    renamed = []
    real_replace = os.replace
    def replace_then_die(src, dst):
        real_replace(src, dst)
        renamed.append(dst)
        if len(renamed) == 2:  # two sheets placed, the third never
            os.kill(os.getpid(), signal.SIGKILL)
    files.os.replace = replace_then_die
    folder = Path(sys.argv[1])
    files.write_all_atomically({folder / f"{n}.html": f"new sheet {n}\\n" for n in range(3)}, 0o600)
    """
)


def test_many_files_written_at_once_are_each_old_or_new_and_the_next_write_cleans_up(tmp_path: Path) -> None:
    # welcome sheets: a first apply writes one per new person, synced to disk once for all of them
    for n in range(3):
        (tmp_path / f"{n}.html").write_text(f"old sheet {n}\n")
    run = subprocess.run([sys.executable, "-c", KILLED_BATCH, str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == -signal.SIGKILL, run.stderr
    texts = [(tmp_path / f"{n}.html").read_text() for n in range(3)]
    assert texts == ["new sheet 0\n", "new sheet 1\n", "old sheet 2\n"]
    assert [p.name for p in tmp_path.iterdir() if is_temp(p)]  # the third one's temporary file is left
    write_all_atomically({tmp_path / "2.html": "new sheet 2\n"}, 0o600)
    assert [p.name for p in tmp_path.iterdir() if is_temp(p)] == []
    assert (tmp_path / "2.html").read_text() == "new sheet 2\n"
    assert (tmp_path / "2.html").stat().st_mode & 0o777 == 0o600


def test_a_batch_that_cannot_be_written_whole_changes_none_of_its_files(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("old a\n")
    missing = tmp_path / "no-such-folder" / "b.html"
    try:
        write_all_atomically({tmp_path / "a.html": "new a\n", missing: "new b\n"}, 0o600)
    except OSError as exc:
        assert str(missing) in str(exc)
    else:
        raise AssertionError("a file in a missing folder was written")
    assert (tmp_path / "a.html").read_text() == "old a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]
