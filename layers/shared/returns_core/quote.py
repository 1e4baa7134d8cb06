"""``python -m returns_core.quote < request.json``: a refund quote from a shell.

Prints the quote JSON on stdout; for a bad request prints one line on stderr and exits with 2.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from pydantic import ValidationError

from returns_core.refunds.models import QuoteError, QuoteRequest
from returns_core.refunds.quote import quote


def describe(error: ValidationError) -> str:
    """A pydantic error as one readable line: where, then what."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "request"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    try:
        request = QuoteRequest.model_validate_json(stdin.read())
        result = quote(request)
    except ValidationError as error:
        print(f"error: {describe(error)}", file=stderr)
        return 2
    except QuoteError as error:
        print(f"error: {error}", file=stderr)
        return 2
    json.dump(result.to_json(), stdout, ensure_ascii=False, indent=2)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin, sys.stdout, sys.stderr))
