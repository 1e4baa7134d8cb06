"""Every setting the functions read, in one model: the environment template.yaml gives each function.

No defaults: template.yaml is the one place a value comes from (its parameters have the defaults),
so nothing here can disagree with it. A setting is read when it is used, not at import: a
function's environment holds only what it uses (a setting it does not have is a deployment error,
raised by name), and the tests deploy a fresh stack per test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed: a deployment problem, never a caller's fault."""


class Setting(Generic[T]):
    """One environment variable, parsed on every read."""

    def __init__(self, variable: str, parse: Callable[[str], T]) -> None:
        self.variable = variable
        self._parse = parse

    @overload
    def __get__(self, owner: None, kind: type[Any]) -> Setting[T]: ...

    @overload
    def __get__(self, owner: object, kind: type[Any]) -> T: ...

    def __get__(self, owner: object | None, kind: type[Any]) -> T | Setting[T]:
        if owner is None:
            return self
        raw = os.environ.get(self.variable, "")
        if raw == "":
            raise ConfigurationError(f"environment variable {self.variable} is not set")
        try:
            return self._parse(raw)
        except ValueError as error:
            raise ConfigurationError(f"environment variable {self.variable}: {error}") from None


def _text(raw: str) -> str:
    return raw


def _url(raw: str) -> str:
    return raw.rstrip("/")


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"must not be negative, got {raw!r}")
    return value


class Settings:
    """The service's settings by environment variable (template.yaml names each per function)."""

    orders_table = Setting("ORDERS_TABLE", _text)
    returns_table = Setting("RETURNS_TABLE", _text)
    idempotency_table = Setting("IDEMPOTENCY_TABLE", _text)
    state_machine_arn = Setting("STATE_MACHINE_ARN", _text)
    event_bus_name = Setting("EVENT_BUS_NAME", _text)
    callback_secret_id = Setting("CALLBACK_SECRET_ARN", _text)
    callback_base_url = Setting("CALLBACK_BASE_URL", _url)  # where receivers post receipts
    callback_url_ttl_seconds = Setting("CALLBACK_URL_TTL_SECONDS", _count)
    customer_choice_window_days = Setting("CUSTOMER_CHOICE_WINDOW_DAYS", _count)
    merchant_fault_window_days = Setting("MERCHANT_FAULT_WINDOW_DAYS", _count)
    review_timeout_seconds = Setting("REVIEW_TIMEOUT_SECONDS", _count)
    receipt_timeout_seconds = Setting("RECEIPT_TIMEOUT_SECONDS", _count)
    seller_receipt_timeout_seconds = Setting("SELLER_RECEIPT_TIMEOUT_SECONDS", _count)  # POP, section 8
    damage_review_timeout_seconds = Setting("DAMAGE_REVIEW_TIMEOUT_SECONDS", _count)
    customer_answer_timeout_seconds = Setting("CUSTOMER_ANSWER_TIMEOUT_SECONDS", _count)
    payment_api_url = Setting("PAYMENT_API_URL", _url)
    payment_secret_id = Setting("PAYMENT_API_SECRET_ARN", _text)
    payment_timeout_seconds = Setting("PAYMENT_TIMEOUT_SECONDS", _count)
    analytics_workgroup = Setting("ANALYTICS_WORKGROUP", _text)  # Athena: results location, scan limit
    analytics_database = Setting("ANALYTICS_DATABASE", _text)  # Glue: the analytics records' tables
    analytics_bucket = Setting("ANALYTICS_BUCKET", _text)  # the records, the compacted state
    # Cancellations before delivery (contract section 7)
    cancellations_table = Setting("CANCELLATIONS_TABLE", _text)
    cancellation_state_machine_arn = Setting("CANCELLATION_STATE_MACHINE_ARN", _text)
    fulfilment_stop_timeout_seconds = Setting("FULFILMENT_STOP_TIMEOUT_SECONDS", _count)
    interception_timeout_seconds = Setting("INTERCEPTION_TIMEOUT_SECONDS", _count)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Setting name -> environment variable (for checks against template.yaml)."""
        return {name: value.variable for name, value in vars(cls).items() if isinstance(value, Setting)}


settings = Settings()
