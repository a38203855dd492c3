"""The stripe lifecycle (molecule/shared/stripe_lifecycle.py) for this scenario's backend."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

from stripe_lifecycle import *  # noqa: E402,F401,F403  pylint: disable=wildcard-import,unused-wildcard-import
