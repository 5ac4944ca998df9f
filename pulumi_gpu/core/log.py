"""Progress lines from the provider process.

The Pulumi engine forwards a plugin's stderr to the CLI, so waits and retries report
there. Nothing written here may contain a credential.
"""

from __future__ import annotations

import sys


def report(message: str) -> None:
    """Print one progress line, prefixed so it stands out among the engine's output."""
    print(f"pulumi-gpu: {message}", file=sys.stderr, flush=True)
