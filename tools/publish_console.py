"""``make console-publish``: the CS console's files (console/) into the deployed stack's bucket.

The stack's outputs name the bucket and the distribution (template.yaml, ConsoleBucketName and
ConsoleDistributionId). Every file is uploaded with its content type and ``Cache-Control:
no-cache`` (the file names carry no hash, so CloudFront revalidates instead of serving an old
module next to a new page), files no longer in console/ are deleted, and the distribution's cache
is invalidated. config.json is not a file: CloudFront's function answers it from the template.

    python -m tools.publish_console [--stack returns-service] [--region us-east-1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from local.console import CONSOLE_DIR, CONTENT_TYPES

CACHE_CONTROL = "no-cache"
DEFAULT_STACK = "returns-service"


def console_files(root: Path = CONSOLE_DIR) -> dict[str, Path]:
    """The files to publish by their key: every file of `root` of a type the console serves."""
    return {
        file.relative_to(root).as_posix(): file
        for file in sorted(root.rglob("*"))
        if file.is_file() and file.suffix in CONTENT_TYPES
    }


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def publish(
    s3: Any,
    bucket: str,
    root: Path = CONSOLE_DIR,
    *,
    cloudfront: Any = None,
    distribution_id: str | None = None,
) -> dict[str, list[str]]:
    """Uploads `root` to `bucket`, deletes keys no longer there, invalidates the distribution.
    Returns {"uploaded": [...], "deleted": [...]}."""
    files = console_files(root)
    for key, file in files.items():
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=file.read_bytes(),
            ContentType=CONTENT_TYPES[file.suffix],
            CacheControl=CACHE_CONTROL,
        )
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stale += [item["Key"] for item in page.get("Contents", []) if item["Key"] not in files]
    for start in range(0, len(stale), 1000):
        batch = [{"Key": key} for key in stale[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    if cloudfront is not None and distribution_id:
        cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": f"console-publish-{time.time_ns()}",
            },
        )
    return {"uploaded": sorted(files), "deleted": sorted(stale)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stack", default=DEFAULT_STACK, help="the deployed stack's name")
    parser.add_argument("--region", default=None, help="its region (default: the AWS configuration's)")
    options = parser.parse_args(argv)
    session = boto3.session.Session(region_name=options.region)
    outputs = stack_outputs(session.client("cloudformation"), options.stack)
    missing = [name for name in ("ConsoleBucketName", "ConsoleDistributionId") if name not in outputs]
    if missing:
        print(
            f"stack {options.stack} has no output {', '.join(missing)}: deploy template.yaml first",
            file=sys.stderr,
        )
        return 2
    done = publish(
        session.client("s3"),
        outputs["ConsoleBucketName"],
        cloudfront=session.client("cloudfront"),
        distribution_id=outputs["ConsoleDistributionId"],
    )
    print(f"uploaded {len(done['uploaded'])} files, deleted {len(done['deleted'])}; cache invalidated")
    print(f"the console: {outputs.get('ConsoleUrl', '(no ConsoleUrl output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
