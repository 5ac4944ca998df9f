"""Progress lines from the provider process.

The Pulumi engine forwards a plugin's stderr to the CLI, so waits and retries report
there. Nothing written here may contain a credential.
"""

from __future__ import annotations

import sys


def report(message: str) -> None:
    """Print one progress line, prefixed so it stands out among the engine's output.

    One ``write`` per line: lines reported by concurrent waits never interleave. When the
    engine is gone (killed mid-update) there is no one to tell: the line is dropped, so
    the clean-up that follows still happens.
    """
    try:
        sys.stderr.write(f"pulumi-gpu: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
