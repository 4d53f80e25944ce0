import pytest

from csdp.lib.env import ConfigError, env_bool, env_choice, env_int, env_list


def test_env_bool_rejects_a_word_that_is_not_a_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ConfigError, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_enforces_its_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "3")
    with pytest.raises(ConfigError, match="minimum"):
        env_int("X_NUM", 10, minimum=5)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]


def test_env_choice_names_the_allowed_values(monkeypatch):
    monkeypatch.setenv("X_MODE", "carrier-pigeon")
    with pytest.raises(ConfigError, match="outbox, http"):
        env_choice("X_MODE", "outbox", ("outbox", "http"))
