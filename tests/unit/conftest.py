"""Unit tests share helpers (recorded-fixture loaders, fakes) from tests/unit/helpers, importable by plain name, and
the Kubernetes test double's pure parts (kube_double.patches) from tests/servers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "servers"))
