"""``python -m returns_core.quote < request.json``: a refund quote from a shell.

A thin wrapper around ``returns_core.quote_request``: prints the quote JSON on stdout; for a bad
request prints its one-line message on stderr and exits with 2.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from returns_core.refunds.models import BadRequest
from returns_core.refunds.quote import quote_request


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    try:
        text = stdin.read()
        try:
            request = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadRequest(f"request: invalid JSON ({error})") from None
        result = quote_request(request)
    except BadRequest as error:
        print(f"error: {error}", file=stderr)
        return 2
    json.dump(result, stdout, ensure_ascii=False, indent=2)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin, sys.stdout, sys.stderr))
