"""acstor.edge.node_prep_info on recorded node files, with run_command sequences from test_node_prep_info.yaml (in
the format of tests/unit/helpers/module_harness.py)."""

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


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_node_prep_info(case, monkeypatch):
    files = dict((path, content(value)) for path, value in case["files"].items())

    def fake_listdir(path):
        prefix = path.rstrip("/") + "/"
        names = sorted(set(p[len(prefix) :] for p in files if p.startswith(prefix) and "/" not in p[len(prefix) :]))
        if not names:
            raise OSError(2, "No such file or directory", path)
        return names

    monkeypatch.setattr(node_prep_info, "read_text", files.get)
    monkeypatch.setattr(node_prep_info.os, "listdir", fake_listdir)
    monkeypatch.setattr(node_prep_info.os, "uname", lambda: ("Linux", "node", case["release"], "#1", "x86_64"))
    run_case(node_prep_info, case, resolve=content, bins=case["bins"])


def test_reads_nothing_outside_proc_sys_for_sysctl_names(monkeypatch, capsys):
    opened = []
    monkeypatch.setattr(node_prep_info, "read_text", lambda path: opened.append(path) or None)
    with patch_module_args({"sysctls": {"../../etc/shadow": 1, "fs.file-max": 1}}):
        with pytest.raises(SystemExit):
            node_prep_info.main()
    assert "(rule sysctl-name)" in json.loads(capsys.readouterr().out)["msg"]
    assert opened == []  # refused before anything is read
