"""Code the newest claimed Python (3.13, under ansible-core 2.21) warns about, checked on every Python.

Python 3.13 deprecates passing maxsplit/count/flags of re.split, re.sub and re.subn by position
(https://docs.python.org/3.13/whatsnew/3.13.html#re); a DeprecationWarning on a managed node is noise
in every task result, so the plugins pass them by keyword.
"""

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
# Positional arguments each function takes before the ones 3.13 wants as keywords.
POSITIONAL = {"split": 2, "sub": 3, "subn": 3}


def _positional_re_calls(path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in POSITIONAL
            and len(node.args) > POSITIONAL[node.func.attr]
        ):
            found.append(f"{path.relative_to(PLUGINS.parent)}:{node.lineno} re.{node.func.attr}")
    return found


@pytest.mark.parametrize("path", sorted(PLUGINS.rglob("*.py")), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_no_positional_maxsplit_count_or_flags(path):
    assert _positional_re_calls(path) == []
