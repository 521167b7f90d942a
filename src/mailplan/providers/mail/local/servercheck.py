"""Checks, on the mail host, that what the generated configuration depends on is there.

Postfix runs the helpers as ``helper_user`` with that user's primary group only (its
``spawn`` and ``pipe`` drop supplementary groups), so the probe runs the same way: the
chosen Python must start, import mailplan's helpers, read the database and write the
reply log's folder. Each problem comes with the command that fixes it. Switching to
another user needs root; otherwise the checks say they were not made.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from dataclasses import dataclass

from mailplan.i18n import Msg
from mailplan.providers.mail.local.serverparams import ServerParams

# Run by the helper's Python, as the helper: exit 3 = no mailplan, 4 = no database, 5 = no reply-log folder.
_PROBE = """\
import os, sys
try:
    from mailplan.providers.mail.local import autoreply, policyd, serverdb
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}"); sys.exit(3)
from pathlib import Path
try:
    serverdb.connect(Path(sys.argv[1])).execute("SELECT count(*) FROM mailbox").fetchone()
except Exception as exc:
    print(exc); sys.exit(4)
if not os.access(sys.argv[2], os.W_OK | os.X_OK):
    sys.exit(5)
"""
_TIMEOUT = 60


@dataclass(frozen=True)
class Finding:
    problem: str
    fix: str


def check(p: ServerParams) -> tuple[list[Finding], list[str]]:
    """(problems that stop the helpers or the servers, warnings)."""
    warnings: list[str] = []
    if not p.database.exists():
        return [Finding(Msg("the database {path} does not exist yet", path=p.database),
                        Msg("run `mailplan apply` first"))], []  # fmt: skip
    if p.database.stat().st_mode & stat.S_IROTH:
        warnings.append(Msg(
            "the database {path} (password hashes) is readable by every local user: set "
            "`database_group: <the primary group of {user}>` for the provider and run `mailplan apply`",
            path=p.database, user=p.helper_user,
        ))
    if os.geteuid() != 0:
        warnings.append(Msg(
            "not checked (needs root): that user {user} can run {python}, import mailplan and read {path}; run "
            "`mailplan local server-config` as root on the mail host to check",
            user=p.helper_user, python=p.python, path=p.database,
        ))
        return [], warnings
    problems = _vmail(p) + _tls_files(p)
    try:
        user = pwd.getpwnam(p.helper_user)
    except KeyError:
        fix = f"useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin {p.helper_user}"
        missing = Msg("the helpers' user {user} does not exist", user=p.helper_user)
        return [*problems, Finding(missing, _command(fix))], warnings
    if not p.autoreply_state_dir.is_dir():
        missing = Msg("the reply log's folder {path} does not exist", path=p.autoreply_state_dir)
        problems.append(_state_dir_finding(p, user, missing))
    probe = _run_probe(p, user)
    if probe is not None:
        problems.append(probe)
    return problems, warnings


def _vmail(p: ServerParams) -> list[Finding]:
    fix = f"install -d -o {p.vmail_uid} -g {p.vmail_gid} -m 0750 {p.vmail_dir}"
    if not p.vmail_dir.is_dir():
        return [Finding(Msg("the Maildir folder {path} does not exist", path=p.vmail_dir), _command(fix))]
    if p.vmail_dir.stat().st_uid != p.vmail_uid:
        return [Finding(Msg("the Maildir folder {path} does not belong to uid {uid}", path=p.vmail_dir,
                            uid=p.vmail_uid), _command(fix))]  # fmt: skip
    return []


def _tls_files(p: ServerParams) -> list[Finding]:
    missing = [path for path in (p.tls_cert, p.tls_key) if path is not None and not path.is_file()]
    return [
        Finding(Msg("the TLS file {path} does not exist", path=path),
                Msg("give the certificate's full chain and its key (see certbot)"))
        for path in missing
    ]


def _state_dir_finding(p: ServerParams, user: pwd.struct_passwd, what: Msg) -> Finding:
    return Finding(what, _command(f"install -d -o {user.pw_name} -g {user.pw_gid} -m 0700 {p.autoreply_state_dir}"))


def _run_probe(p: ServerParams, user: pwd.struct_passwd) -> Finding | None:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    if p.pythonpath:
        env["PYTHONPATH"] = p.pythonpath
    who = Msg("user {user} (group {gid} only, as Postfix runs the helpers)", user=user.pw_name, gid=user.pw_gid)
    try:
        done = subprocess.run(
            [p.python, "-c", _PROBE, str(p.database), str(p.autoreply_state_dir)],
            user=user.pw_uid, group=user.pw_gid, extra_groups=[user.pw_gid], env=env, cwd="/",
            capture_output=True, text=True, timeout=_TIMEOUT, check=False,
        )  # fmt: skip
    except OSError as exc:
        return _cannot_run(p, who, exc.strerror or str(exc))
    said = (done.stdout + done.stderr).strip().splitlines()
    last = said[-1] if said else Msg("exit status {code}", code=done.returncode)
    if done.returncode == 3:
        return Finding(
            Msg("{who} runs {python} but cannot import mailplan ({why})", who=who, python=p.python, why=last),
            Msg("install mailplan for that Python, or give --pythonpath DIR (a copy of mailplan's source {user} can "
                "read), or use --python /opt/mailplan/bin/python after: `{venv}`", user=user.pw_name, venv=_VENV),
        )
    if done.returncode == 4:
        group = _group_name(user.pw_gid)
        return Finding(
            Msg("{who} cannot read the database {path} ({why})", who=who, path=p.database, why=last),
            Msg("give the database that user's group: set database_group: {group} for the provider and run mailplan "
                "apply (or: chgrp {group} {path} && chmod 0640 {path}), and let the user traverse its folders",
                group=group, path=p.database),
        )
    if done.returncode == 5:
        unwritable = Msg("the reply log's folder {path} is not writable by {user}", path=p.autoreply_state_dir,
                         user=user.pw_name)  # fmt: skip
        return _state_dir_finding(p, user, unwritable)
    if done.returncode != 0:
        return _cannot_run(p, who, last)
    return None


_VENV = "python3 -m venv /opt/mailplan && /opt/mailplan/bin/pip install <mailplan's source>"


def _cannot_run(p: ServerParams, who: str, why: str) -> Finding:
    return Finding(
        Msg("{who} cannot run {python} ({why}); Postfix could not start the helpers and would answer every "
            "recipient with 451 4.3.5", who=who, python=p.python, why=why),
        Msg("install mailplan where that user can run it (`{venv}`), then run `mailplan local server-config` with "
            "--python /opt/mailplan/bin/python (the default when it is run by /opt/mailplan/bin/mailplan)",
            venv=_VENV),
    )


def _command(command: str) -> str:
    """A fix that is a command to run: the command itself (in Chinese: 运行 `…`)."""
    # Translators: a fix that is one shell command; keep it as it is, in backticks
    return Msg("{command}", command=command)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
