"""Settings read from the environment that template.yaml sets (Globals: one environment for all).

Read on every call rather than at import: tests deploy a fresh stack per test and change them.
"""

from __future__ import annotations

import os


class ConfigurationError(RuntimeError):
    """A required setting is missing: a deployment problem, never a caller's fault."""


def _get(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        if default is not None:
            return default
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be an integer, got {raw!r}") from None


def orders_table() -> str:
    return _get("ORDERS_TABLE")


def returns_table() -> str:
    return _get("RETURNS_TABLE")


def event_bus_name() -> str:
    return _get("EVENT_BUS_NAME")


def state_machine_arn() -> str:
    return _get("STATE_MACHINE_ARN")


def callback_secret_id() -> str:
    return _get("CALLBACK_SECRET_ARN")


def callback_base_url() -> str:
    """Where the warehouse posts receipts: the HTTP API's URL (no trailing slash)."""
    return _get("CALLBACK_BASE_URL", "http://localhost:3000").rstrip("/")


def callback_url_ttl_seconds() -> int:
    return _int("CALLBACK_URL_TTL_SECONDS", 15 * 86400)


def customer_choice_window_days() -> int:
    return _int("CUSTOMER_CHOICE_WINDOW_DAYS", 7)


def merchant_fault_window_days() -> int:
    return _int("MERCHANT_FAULT_WINDOW_DAYS", 15)


def review_timeout_seconds() -> int:
    return _int("REVIEW_TIMEOUT_SECONDS", 172800)


def receipt_timeout_seconds() -> int:
    return _int("RECEIPT_TIMEOUT_SECONDS", 1209600)


def payment_provider() -> str:
    """``fake`` (tests, local stack) or ``http`` (the real payment API)."""
    value = _get("PAYMENT_PROVIDER", "fake")
    if value not in ("fake", "http"):
        raise ConfigurationError(f"PAYMENT_PROVIDER must be 'fake' or 'http', got {value!r}")
    return value


def fake_payment_failures() -> str:
    """``N`` or ``N:permanent``: how many calls the fake provider fails first (local stack)."""
    value = _get("FAKE_PAYMENT_FAILURES", "0")
    count, _, kind = value.partition(":")
    if not count.isdigit() or kind not in ("", "permanent", "transient"):
        raise ConfigurationError(f"FAKE_PAYMENT_FAILURES must be N or N:permanent, got {value!r}")
    return value


def payment_api_url() -> str:
    return _get("PAYMENT_API_URL")


def payment_secret_id() -> str:
    return _get("PAYMENT_API_SECRET_ARN")


def payment_timeout_seconds() -> int:
    return _int("PAYMENT_TIMEOUT_SECONDS", 8)


def analytics_workgroup() -> str:
    """The Athena workgroup of the analytics query (its results location and scan limit)."""
    return _get("ANALYTICS_WORKGROUP")


def analytics_database() -> str:
    """The Glue database of the analytics records (order_updates, return_events, cancellation_events)."""
    return _get("ANALYTICS_DATABASE")
