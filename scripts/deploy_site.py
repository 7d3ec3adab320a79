#!/usr/bin/env python3
"""Upload the built site (frontend/dist) to the site bucket and invalidate CloudFront.

Usage:
    python scripts/deploy_site.py --outputs tf-outputs.json [--dist frontend/dist]
    python scripts/deploy_site.py --bucket NAME --distribution-id ID

``--outputs`` takes the file written by ``terraform output -json > tf-outputs.json``
(outputs ``site_bucket_name`` and ``cloudfront_distribution_id``); ``--bucket`` and
``--distribution-id`` override it. AWS_ENDPOINT_URL (or ``--endpoint-url``) points
the clients at an emulator.

What it does, in this order, so that a visitor never gets an index.html that names
an asset which is not there yet:
1. uploads the content-hashed files under assets/ with
   ``Cache-Control: public, max-age=31536000, immutable``;
2. uploads every other file (index.html last) with ``Cache-Control: no-cache``;
3. deletes objects in the bucket that are not part of this build (``--keep-stale``
   skips this);
4. creates a CloudFront invalidation (``/*`` by default) and, with ``--wait``,
   waits for it.

Each object gets an explicit Content-Type. Exit status 0 on success, 1 on any
failure, with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIST = REPO_ROOT / "frontend" / "dist"
DEFAULT_REGION = "us-east-2"

BUCKET_OUTPUT = "site_bucket_name"
DISTRIBUTION_OUTPUT = "cloudfront_distribution_id"

CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_NO_CACHE = "no-cache"

# Vite names bundled files <name>-<hash>.<ext> under assets/ (hash: 8+ url-safe chars).
HASHED_ASSET = re.compile(r"^assets/(?:.+/)?[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".wasm": "application/wasm",
}


class DeployError(Exception):
    """A failure with a message meant for the person running the deploy."""


@dataclass(frozen=True)
class SiteFile:
    key: str
    path: Path
    content_type: str
    cache_control: str


def log(message: str) -> None:
    print(message, flush=True)


def content_type_for(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


def cache_control_for(key: str) -> str:
    return CACHE_IMMUTABLE if HASHED_ASSET.match(key) else CACHE_NO_CACHE


def upload_order(key: str) -> tuple[int, str]:
    """Hashed assets first, then other files, index.html files last."""
    if HASHED_ASSET.match(key):
        return (0, key)
    if key == "index.html" or key.endswith("/index.html"):
        return (2, key)
    return (1, key)


def collect_files(dist: Path, prefix: str = "") -> list[SiteFile]:
    if not dist.is_dir():
        raise DeployError(f"{dist} does not exist: build the site first (cd frontend && npm ci && npm run build)")
    if not (dist / "index.html").is_file():
        raise DeployError(f"{dist / 'index.html'} is missing: is {dist} really the site's build output?")
    files = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        rel = path.relative_to(dist).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue  # never publish dotfiles
        files.append(SiteFile(prefix + rel, path, content_type_for(rel), cache_control_for(rel)))
    return sorted(files, key=lambda f: upload_order(f.key[len(prefix) :]))


def read_outputs(path: Path) -> dict[str, Any]:
    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployError(f"cannot read terraform outputs {path}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DeployError(f"{path} is not JSON (write it with `terraform output -json > {path}`): {exc}") from exc
    if not isinstance(data, dict):
        raise DeployError(f"{path}: expected a JSON object of terraform outputs")
    # `terraform output -json` wraps each value: {"name": {"value": ..., "type": ..., "sensitive": ...}}
    return {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in data.items()}


def resolve_targets(args: argparse.Namespace) -> tuple[str, str | None]:
    outputs = read_outputs(Path(args.outputs)) if args.outputs else {}
    bucket = args.bucket or outputs.get(BUCKET_OUTPUT)
    distribution = args.distribution_id or outputs.get(DISTRIBUTION_OUTPUT)
    if not bucket or not isinstance(bucket, str):
        where = f" (no `{BUCKET_OUTPUT}` in {args.outputs})" if args.outputs else ""
        raise DeployError(f"no bucket: pass --bucket NAME or --outputs FILE{where}")
    if args.skip_invalidation:
        return bucket, None
    if not distribution or not isinstance(distribution, str):
        where = f" (no `{DISTRIBUTION_OUTPUT}` in {args.outputs})" if args.outputs else ""
        raise DeployError(
            f"no CloudFront distribution: pass --distribution-id ID, --outputs FILE or --skip-invalidation{where}"
        )
    return bucket, distribution


def make_clients(args: argparse.Namespace) -> tuple[Any, Any]:
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    # Without --endpoint-url, boto3 itself reads AWS_ENDPOINT_URL and the per-service
    # AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_CLOUDFRONT (an emulator run may split services).
    endpoint = args.endpoint_url or None
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    session = boto3.session.Session(region_name=region)
    s3 = session.client("s3", endpoint_url=endpoint, config=config)
    cloudfront = session.client("cloudfront", endpoint_url=endpoint, config=config)
    if endpoint or os.environ.get("AWS_ENDPOINT_URL"):
        log(f"using endpoints {s3.meta.endpoint_url} (S3), {cloudfront.meta.endpoint_url} (CloudFront) in {region}")
    return s3, cloudfront


def list_keys(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            yield obj["Key"]


def chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def human(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"


def upload(s3: Any, bucket: str, files: list[SiteFile], dry_run: bool) -> None:
    total = 0
    for i, f in enumerate(files, 1):
        size = f.path.stat().st_size
        total += size
        log(f"[{i}/{len(files)}] upload {f.key} ({human(size)}, {f.content_type}, {f.cache_control})")
        if dry_run:
            continue
        with f.path.open("rb") as body:
            s3.put_object(Bucket=bucket, Key=f.key, Body=body, ContentType=f.content_type, CacheControl=f.cache_control)
    log(f"uploaded {len(files)} files, {human(total)}")


def delete_stale(s3: Any, bucket: str, prefix: str, wanted: set[str]) -> None:
    stale = sorted(k for k in list_keys(s3, bucket, prefix) if k not in wanted)
    for batch in chunks(stale, 1000):
        for key in batch:
            log(f"delete stale {key}")
        result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        errors = result.get("Errors") or []
        if errors:
            first = errors[0]
            raise DeployError(
                f"could not delete {len(errors)} stale objects, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )
    log(f"deleted {len(stale)} stale objects")


def invalidate(cloudfront: Any, distribution: str, paths: list[str], wait: bool) -> None:
    result = cloudfront.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"deploy-site-{int(time.time())}-{uuid.uuid4().hex[:8]}",
        },
    )
    invalidation_id = result["Invalidation"]["Id"]
    log(f"invalidation {invalidation_id}: {result['Invalidation'].get('Status', 'created')}")
    if wait:
        log("waiting for the invalidation to complete")
        cloudfront.get_waiter("invalidation_completed").wait(
            DistributionId=distribution, Id=invalidation_id, WaiterConfig={"Delay": 10, "MaxAttempts": 60}
        )
        log("invalidation completed")


def check_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "?")
        raise DeployError(
            f"bucket {bucket} is not reachable ({code}): check its name, the region and credentials"
        ) from exc


def deploy(args: argparse.Namespace) -> int:
    dist = Path(args.dist).resolve()
    prefix = args.prefix.strip("/") + "/" if args.prefix.strip("/") else ""
    files = collect_files(dist, prefix)
    bucket, distribution = resolve_targets(args)
    dry = " (dry run)" if args.dry_run else ""
    log(f"deploying {len(files)} files from {dist} to s3://{bucket}/{prefix}{dry}")

    s3, cloudfront = (None, None) if args.dry_run else make_clients(args)
    if s3 is not None:
        check_bucket(s3, bucket)
    upload(s3, bucket, files, args.dry_run)

    if args.keep_stale:
        log("keeping objects that are not part of this build (--keep-stale)")
    elif not args.dry_run:
        delete_stale(s3, bucket, prefix, {f.key for f in files})

    if distribution is None:
        log("skipping the CloudFront invalidation (--skip-invalidation)")
    else:
        paths = args.invalidate or ["/*"]
        log(f"invalidating {', '.join(paths)} on CloudFront distribution {distribution}{dry}")
        if not args.dry_run:
            invalidate(cloudfront, distribution, paths, args.wait)
    log("site deployed" + dry)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dist", default=str(DEFAULT_DIST), help="build output to upload (default: frontend/dist)")
    parser.add_argument(
        "--outputs", "--terraform-outputs", dest="outputs", help="file from `terraform output -json` ('-' = stdin)"
    )
    parser.add_argument("--bucket", help=f"site bucket (default: output {BUCKET_OUTPUT})")
    parser.add_argument("--distribution-id", help=f"CloudFront distribution id (default: output {DISTRIBUTION_OUTPUT})")
    parser.add_argument("--prefix", default="", help="key prefix inside the bucket (default: bucket root)")
    parser.add_argument("--region", help=f"AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or {DEFAULT_REGION})")
    parser.add_argument("--endpoint-url", help="AWS endpoint override (default: AWS_ENDPOINT_URL)")
    parser.add_argument(
        "--invalidate", action="append", metavar="PATH", help="path to invalidate (repeatable; default /*)"
    )
    parser.add_argument("--skip-invalidation", action="store_true", help="do not create a CloudFront invalidation")
    parser.add_argument("--wait", action="store_true", help="wait until the invalidation has completed")
    parser.add_argument("--keep-stale", action="store_true", help="do not delete objects that are not in this build")
    parser.add_argument("--dry-run", action="store_true", help="print what would be done, touch nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return deploy(args)
    except DeployError as exc:
        print(f"deploy_site: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # botocore errors: report them in one line, not a traceback
        if isinstance(exc, NoCredentialsError):
            print("deploy_site: error: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID)", file=sys.stderr)
            return 1
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            op = getattr(exc, "operation_name", "request")
            reason = f"{err.get('Code', '?')}: {err.get('Message', exc)}"
            print(f"deploy_site: error: {op} failed: {reason}", file=sys.stderr)
            return 1
        if isinstance(exc, BotoCoreError):
            print(f"deploy_site: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
