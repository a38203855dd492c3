"""acstor.edge.node_prep_info on recorded node files, with run_command sequences from test_node_prep_info.yaml (in
the format of tests/unit/helpers/module_harness.py)."""

import fnmatch
import json
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acstor.edge.plugins.modules import node_prep_info

from module_harness import case_ids, load_cases, run_case

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "node_prep"
CASES = load_cases(__file__, extra_keys=("release", "files", "bins"))


def content(value):
    if isinstance(value, dict) and "text" in value:
        return value["text"]
    if isinstance(value, dict) and "fixture" in value:
        return (FIXTURES / value["fixture"]).read_text()
    if isinstance(value, str) and (FIXTURES / value).is_file():
        return (FIXTURES / value).read_text()
    return value


class DictNodeFiles:
    """NodeFiles answered from {path: text}; a path not in it does not exist."""

    def __init__(self, files):
        self.files = files
        self.opened = []

    def read(self, path, default=""):
        self.opened.append(path)
        value = self.files.get(path)
        return default if value is None else value

    def exists(self, path):
        return path in self.files

    def glob(self, pattern):
        return sorted(path for path in self.files if fnmatch.fnmatch(path, pattern))

    def listdir(self, path):
        prefix = path.rstrip("/") + "/"
        return sorted(set(p[len(prefix) :] for p in self.files if p.startswith(prefix) and "/" not in p[len(prefix) :]))


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_node_prep_info(case, monkeypatch):
    files = dict((path, content(value)) for path, value in case["files"].items())

    monkeypatch.setattr(node_prep_info, "NodeFiles", lambda: DictNodeFiles(files))
    monkeypatch.setattr(node_prep_info.os, "uname", lambda: ("Linux", "node", case["release"], "#1", "x86_64"))
    run_case(node_prep_info, case, resolve=content, bins=case["bins"])


def test_reads_nothing_outside_proc_sys_for_sysctl_names(monkeypatch, capsys):
    node = DictNodeFiles({})
    monkeypatch.setattr(node_prep_info, "NodeFiles", lambda: node)
    with patch_module_args({"sysctls": {"../../etc/shadow": 1, "fs.file-max": 1}}):
        with pytest.raises(SystemExit):
            node_prep_info.main()
    assert "(rule sysctl-name)" in json.loads(capsys.readouterr().out)["msg"]
    assert node.opened == []  # refused before anything is read
