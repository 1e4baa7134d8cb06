"""The local stack runs each function with only the variables template.yaml gives it."""

from __future__ import annotations

import pytest

from local import function_environment
from local.function_environment import FunctionEnvironment
from returns_service.settings import ConfigurationError, settings


def test_a_setting_the_function_is_not_given_is_missing_as_in_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNS_TABLE", "returns")
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    function_environment.install()
    with function_environment.running(FunctionEnvironment("OrderSyncFunction", frozenset({"ORDERS_TABLE"}))):
        assert settings.orders_table == "orders"
        with pytest.raises(ConfigurationError, match=r"RETURNS_TABLE.*OrderSyncFunction"):
            _ = settings.returns_table
    assert settings.returns_table == "returns"  # outside any function: the process's environment


def test_installing_twice_wraps_the_setting_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every deploy installs the check: the wrapper must never wrap itself (it would recurse)."""
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    function_environment.install()
    function_environment.install()
    assert function_environment._original_get is not function_environment._checked_get
    with function_environment.running(FunctionEnvironment("F", frozenset({"ORDERS_TABLE"}))):
        assert settings.orders_table
