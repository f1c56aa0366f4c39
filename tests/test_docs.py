"""The README is the CLI's documentation: every command must appear in it."""

from pathlib import Path

import pytest

from ipwire.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented_in_the_readme(name: str):
    assert f"`ipwire {name}" in README, name


def test_readme_names_the_two_quick_start_commands_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_exit_code_is_in_the_readme_exit_codes_table():
    from ipwire import exit_codes

    assert "## Exit codes" in README
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {v for k, v in vars(exit_codes).items() if k.isupper() and isinstance(v, int)}
    for code in sorted(codes):
        assert f"\n| {code} |" in table, code
