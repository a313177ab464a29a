import pytest

from sfli.profiles import PROFILES, check_profile, config

CONFIGS = {p: {"width": 8, "lr": 0.1, "name": "a"} for p in PROFILES}


def test_profiles_and_default():
    assert PROFILES == ("smoke", "ci", "paper")
    assert check_profile("ci") == "ci"


def test_unknown_profile_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown profile 'quick'; valid profiles: smoke, ci, paper"):
        config(CONFIGS, "quick")


def test_overrides_are_checked():
    assert config(CONFIGS, "smoke", width=16, lr=1)["lr"] == 1
    with pytest.raises(ValueError, match="unknown setting 'depth'; valid settings: lr, name, width"):
        config(CONFIGS, "smoke", depth=3)
    with pytest.raises(ValueError, match="setting 'width' must be int, got str"):
        config(CONFIGS, "smoke", width="16")


def test_config_returns_a_copy():
    cfg = config(CONFIGS, "ci")
    cfg["width"] = 99
    assert CONFIGS["ci"]["width"] == 8
