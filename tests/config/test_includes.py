"""Every `include:` path that is not one readable YAML file is a clear error at the entry (issue 16)."""

from __future__ import annotations

from pathlib import Path

from .conftest import BASE, BASE_LINES, Cli

L = BASE_LINES + 1  # the include: line


def test_a_glob_outside_yaml_names_the_files_it_matched(cli: Cli) -> None:
    for name in ("a.conf", "b.conf"):
        (cli.folder / "etc").mkdir(exist_ok=True)
        (cli.folder / "etc" / name).write_text("x = 1\n")
    code, err = cli.validate(BASE + "include: ['etc/*.conf']\n")
    assert code == 1
    assert err == [
        f"mailplan.yaml:{L}:11: include pattern 'etc/*.conf' matches what is not a YAML file: etc/a.conf, etc/b.conf"
        " — make the pattern match .yaml/.yml files only, e.g. 'team/*.yaml'",
        "1 problem found; nothing was changed.",
    ]


def test_an_absolute_glob_into_the_system_is_refused_without_a_traceback(cli: Cli) -> None:
    code, err = cli.validate(BASE + "include: /etc/*.conf\n")
    assert code == 1
    assert err[0].startswith(f"mailplan.yaml:{L}:10: include pattern '/etc/*.conf' matches what is not a YAML file: ")


def test_a_directory_asks_for_a_pattern(cli: Cli) -> None:
    (cli.folder / "team").mkdir()
    code, err = cli.validate(BASE + "include: [team]\n")
    assert (code, err[0]) == (1, f"mailplan.yaml:{L}:11: team is a directory, not a YAML file — include the files "
                                 "in it with 'team/*.yaml'")  # fmt: skip


def test_a_missing_file_and_a_pattern_matching_nothing(cli: Cli) -> None:
    code, err = cli.validate(BASE + "include: [staff.yaml, 'team/*.yaml']\n")
    assert code == 1
    assert err[:2] == [
        f"mailplan.yaml:{L}:11: cannot read staff.yaml: No such file or directory — check the path; included files "
        "are relative to the file that includes them",
        f"mailplan.yaml:{L}:23: include pattern 'team/*.yaml' matches no file — check the pattern; included files "
        "are relative to the file that includes them",
    ]


def test_a_binary_file_named_yaml(cli: Cli) -> None:
    (cli.folder / "logo.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, err = cli.validate(BASE + "include: [logo.yaml]\n")
    assert (code, err[0]) == (1, f"mailplan.yaml:{L}:11: logo.yaml is a binary file, not YAML text (a NUL byte at "
                                 "byte 8) — name a YAML file")  # fmt: skip


def test_a_device_is_never_read(cli: Cli) -> None:
    (cli.folder / "zero.yaml").symlink_to("/dev/zero")  # reading it would never end
    code, err = cli.validate(BASE + "include: [zero.yaml]\n")
    assert (code, err[0]) == (1, f"mailplan.yaml:{L}:11: zero.yaml is not a regular file (a device, pipe or socket)"
                                 " — name a YAML file")  # fmt: skip


def test_a_file_of_another_kind(cli: Cli) -> None:
    (cli.folder / "notes.txt").write_text("people: []\n")
    code, err = cli.validate(BASE + "include: [notes.txt]\n")
    assert (code, err[0]) == (1, f"mailplan.yaml:{L}:11: include 'notes.txt' is not a YAML file: its name does not "
                                 "end in .yaml or .yml — include only mailplan YAML files")  # fmt: skip


def test_an_included_file_that_is_not_a_mapping(cli: Cli) -> None:
    (cli.folder / "list.yaml").write_text("- a\n- b\n")
    code, err = cli.validate(BASE + "include: [list.yaml]\n")
    assert (code, err[0]) == (1, "list.yaml:1:1: the file must be a mapping of keys (version:, people:, ...)")


def test_yaml_files_matched_by_a_pattern_are_still_merged(cli: Cli) -> None:
    (cli.folder / "team").mkdir()
    (cli.folder / "team" / "a.yaml").write_text("people: [{name: 李四}]\n", encoding="utf-8")
    (cli.folder / "team" / "b.yml").write_text("people: [{name: 王五}]\n", encoding="utf-8")
    code, err = cli.validate(BASE + "include: ['team/*.y*ml']\npeople: [{name: 张三}]\n")
    assert (code, err) == (0, [])


def test_the_config_itself_must_be_a_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "conf.yaml").mkdir()
    code, _, err = cli("validate", str(tmp_path / "conf.yaml"))
    assert code == 1
    assert err.splitlines()[0] == f"{tmp_path}/conf.yaml:1:1: {tmp_path}/conf.yaml is a directory, not a YAML file — " \
                                  "give the config file"
