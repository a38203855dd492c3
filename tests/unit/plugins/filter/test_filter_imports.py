"""Loading the collection's filter files stays cheap.

To resolve one filter name such as acstor.edge.node_role_input_errors, ansible-core 2.19's Jinja2Loader imports every
Python file in plugins/filter/ (it scans them all, as a later file may override a name), and it does so in each forked
task worker that templates the filter. A filter file that imports its plugin_utils at the top therefore makes every
task using any acstor.edge filter import all of them (about 65 ms of controller CPU per task and host, measured on the
fleet bench). The filters import what they use when they are called.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.acstor.edge.plugins.filter import role_inputs

FILTER_DIR = Path(role_inputs.__file__).resolve().parent
PACKAGE = "ansible_collections.acstor.edge.plugins"
FILTER_FILES = sorted(p.stem for p in FILTER_DIR.glob("*.py") if p.stem != "__init__")


def _modules_loaded_by(statements):
    code = "\n".join(
        [
            "import json, sys",
            "before = set(sys.modules)",
            *statements,
            "print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith(%r))))" % PACKAGE,
        ]
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_importing_every_filter_file_imports_no_plugin_or_module_utils():
    loaded = _modules_loaded_by(["import %s.filter.%s" % (PACKAGE, name) for name in FILTER_FILES])
    heavy = [m for m in loaded if m.startswith((PACKAGE + ".plugin_utils.", PACKAGE + ".module_utils."))]
    assert FILTER_FILES, "no filter files found"
    assert heavy == [], "filter files import at load time (every task worker pays for them): %s" % heavy


@pytest.mark.parametrize(
    "statement, expected",
    [
        ("role_inputs.node_role_input_errors({}, 'node_prep')", PACKAGE + ".plugin_utils.node_role_inputs"),
        ("deprecated_variables.deprecated_variables({})", PACKAGE + ".plugin_utils.inventory_model"),
    ],
)
def test_a_filter_imports_what_it_uses_when_called(statement, expected):
    module = statement.split(".", 1)[0]
    loaded = _modules_loaded_by(["from %s.filter import %s" % (PACKAGE, module), "assert %s == []" % statement])
    assert expected in loaded
