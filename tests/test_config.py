"""Configuration refuses nonsense: every problem listed at once, bounds on every number,
files named, and a warning for each setting that switches a safety off."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ipwire import config
from ipwire.config import BOUNDS, ConfigError, load_settings, numeric_keys

SECTIONS = ("sources", "clean", "http", "dedup")


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "ipwire.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    return err.value.problems


def test_the_packaged_defaults_load_without_problems_or_warnings(monkeypatch):
    monkeypatch.delenv(config.ALLOW_HOSTS_ENV, raising=False)
    settings = load_settings(config.DEFAULTS_FILE)
    assert settings.warnings == []
    for section in SECTIONS:
        values = vars(getattr(settings, section)) if section != "http" else {}
        for key, (lo, hi) in BOUNDS[section].items():
            if values:
                assert lo <= values[key] <= hi, (section, key)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_numeric_setting_has_bounds(section: str):
    assert sorted(numeric_keys(section)) == sorted(BOUNDS[section])


@pytest.mark.parametrize(("section", "key"), [(s, k) for s in SECTIONS for k in sorted(BOUNDS[s])])
def test_every_numeric_setting_refuses_values_outside_its_bounds(tmp_path, section, key):
    lo, hi = BOUNDS[section][key]
    too_big = hi * 10 + 1
    path = write(tmp_path, f"[{section}]\n{key} = {too_big}\n")
    (line,) = problems_of(path)
    assert str(path) in line and f"[{section}].{key} = {too_big!r}" in line
    assert f"allowed {config._number(lo)} to {config._number(hi)}" in line
    below = write(tmp_path, f"[{section}]\n{key} = {lo - 1}\n")
    assert len(problems_of(below)) == 1


@pytest.mark.parametrize("value", ["0", "-3", "1e12", "nan", "inf"])
def test_batch_size_that_would_ingest_nothing_is_refused(tmp_path, value):
    (line,) = problems_of(write(tmp_path, f"[sources]\nbatch_size = {value}\n"))
    assert "[sources].batch_size" in line and "1 to 100,000" in line


def test_all_problems_are_listed_at_once_each_naming_file_key_value_and_allowed(tmp_path):
    path = write(
        tmp_path,
        "[sources]\nbatch_size = 0\nmax_file_bytes = -3\n"
        "[clean]\nworkers = 1e12\nmin_words = 'many'\n"
        "[http]\nretries = -1\nmax_retry_after_s = 1e12\ncontact_url = 5\n"
        "backoff_base_s = 50\nbackoff_cap_s = 10\n"
        "[bogus]\nx = 1\n",
    )
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert isinstance(err.value, ValueError)
    assert "(9 problems)" in message
    for needle in (
        "[sources].batch_size = 0 is out of bounds: allowed 1 to 100,000",
        "[sources].max_file_bytes = -3 is out of bounds: allowed 1 to 2,000,000,000",
        "[clean].workers = 1000000000000.0 must be a whole number from 0 to 256",
        "[clean].min_words = 'many' must be a whole number",
        "[http].retries = -1 is out of bounds: allowed 0 to 20",
        "[http].max_retry_after_s = 1000000000000.0 is out of bounds: allowed 0 to 86,400",
        "[http].contact_url = 5 must be a string",
        "[http].backoff_base_s = 50 must not exceed [http].backoff_cap_s = 10",
        "unknown section [bogus]",
    ):
        assert needle in message, needle
    assert all(line.startswith(str(path)) for line in err.value.problems)


def test_a_config_file_that_is_not_utf8_is_named_with_the_place(tmp_path):
    path = write(tmp_path, b'[http]\ncontact_url = "caf\xe9"\n')
    (line,) = problems_of(path)
    assert str(path) in line and "not valid UTF-8 at line 2" in line and "0xe9" in line


def test_a_config_file_that_is_not_toml_is_named(tmp_path):
    (line,) = problems_of(write(tmp_path, "[http\n"))
    assert str(tmp_path) in line and "not valid TOML" in line


def test_a_missing_config_file_is_named(tmp_path):
    (line,) = problems_of(tmp_path / "nope.toml")
    assert "nope.toml does not exist" in line


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://[::1/x", "IPv6 host without its closing ']'"),
        ("http://example.com:abc/feed", "port 'abc': a port must be a number from 1 to 65535"),
        ("http://example.com:99999/feed", "port '99999'"),
        ("http://example.com:0/feed", "port '0'"),
        ("http://[not-v6]/feed", "does not parse"),
        ("javascript:alert(1)", "must be an http(s) URL"),
    ],
)
def test_a_bad_feed_url_names_the_feed_and_the_problem(tmp_path, url, why):
    path = write(tmp_path, f'[[feeds]]\nname = "Dawn"\nurl = "{url}"\n')
    (line,) = problems_of(path)
    assert str(path) in line and "feeds[1]" in line and "'Dawn'" in line and why in line


def test_feed_problems_are_listed_with_the_settings_problems(tmp_path):
    path = write(
        tmp_path,
        "[sources]\nbatch_size = -3\n\n"
        '[[feeds]]\nname = "A"\nurl = "http://[::1/x"\n\n'
        '[[feeds]]\nname = "B"\nurl = "http://b.example:abc/"\n',
    )
    lines = problems_of(path)
    assert len(lines) == 3
    assert any("'A'" in ln for ln in lines) and any("'B'" in ln for ln in lines)


def test_allow_hosts_entries_that_look_like_networks_must_be_networks(tmp_path):
    (line,) = problems_of(write(tmp_path, '[http]\nallow_hosts = ["10.0.0.0/33"]\n'))
    assert "[http].allow_hosts" in line and "10.0.0.0/33" in line


def test_allow_hosts_of_the_wrong_type_is_refused_not_crashing(tmp_path):
    (line,) = problems_of(write(tmp_path, "[http]\nallow_hosts = 5\n"))
    assert "[http].allow_hosts = 5 must be a list of strings" in line


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ('allow_hosts = ["0.0.0.0/0"]', "guard is off for every IPv4 address"),
        ('allow_hosts = ["::/0"]', "guard is off for every IPv6 address"),
        ('allow_hosts = ["10.0.0.0/8"]', "whole private range 10.0.0.0/8"),
        ('allow_hosts = ["192.168.0.0/15"]', "whole private range 192.168.0.0/16"),
        ("respect_robots = false", "robots.txt is not honoured"),
        ("verify_tls = false", "TLS certificates are not checked"),
    ],
)
def test_a_setting_that_switches_a_safety_off_loads_with_a_warning(
    tmp_path, monkeypatch, caplog, setting, needle
):
    monkeypatch.delenv(config.ALLOW_HOSTS_ENV, raising=False)
    monkeypatch.setattr(config, "_WARNED", set())
    path = write(tmp_path, f"[http]\n{setting}\n")
    with caplog.at_level(logging.WARNING, logger="ipwire.config"):
        settings = load_settings(path)
        load_settings(path)
    (warning,) = settings.warnings
    assert needle in warning and str(path) in warning
    logged = [r.getMessage() for r in caplog.records if r.name == "ipwire.config"]
    assert len(logged) == 1 and needle in logged[0]  # once, however often it is loaded
    assert settings.as_dict()["warnings"] == settings.warnings


def test_a_narrow_allow_list_gives_no_warning(tmp_path, monkeypatch):
    monkeypatch.delenv(config.ALLOW_HOSTS_ENV, raising=False)
    path = write(tmp_path, '[http]\nallow_hosts = ["127.0.0.1", "10.1.2.0/24", "intranet"]\n')
    assert load_settings(path).warnings == []


def test_the_allow_hosts_environment_variable_is_warned_about_too(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ALLOW_HOSTS_ENV, "127.0.0.1, 0.0.0.0/0")
    (warning,) = load_settings(write(tmp_path, "")).warnings
    assert warning.startswith(config.ALLOW_HOSTS_ENV) and "0.0.0.0/0" in warning


def test_config_show_lists_the_safety_warnings(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from ipwire.cli import cli

    monkeypatch.delenv(config.ALLOW_HOSTS_ENV, raising=False)
    path = write(tmp_path, "[http]\nverify_tls = false\n")
    result = CliRunner().invoke(cli, ["config", "show", "--config", str(path)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output[result.output.index("{") :])
    assert any("verify_tls" in w for w in shown["warnings"])
