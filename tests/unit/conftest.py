"""Unit tests share helpers (recorded-fixture loaders, fakes) from tests/unit/helpers, importable by plain name."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
