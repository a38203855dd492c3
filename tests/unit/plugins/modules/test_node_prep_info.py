"""acstor.edge.node_prep_info on recorded node files, with run_command sequences from test_node_prep_info.yaml."""
import json
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acstor.edge.plugins.modules import node_prep_info

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "node_prep"
CASES = yaml.safe_load(Path(__file__).with_suffix(".yaml").read_text())


def content(value):
    if isinstance(value, dict) and "text" in value:
        return value["text"]
    if isinstance(value, dict) and "fixture" in value:
        return (FIXTURES / value["fixture"]).read_text()
    if isinstance(value, str) and (FIXTURES / value).is_file():
        return (FIXTURES / value).read_text()
    return value


def subset(expected, actual):
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return expected == actual


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_node_prep_info(case, monkeypatch, capsys):
    files = dict((path, content(value)) for path, value in case["files"].items())
    calls = list(case["calls"])
    seen = []

    def fake_run_command(self, argv, **_kwargs):
        assert calls, "unexpected command %s" % argv
        expected_argv, rc, out, err = calls.pop(0)
        assert argv == expected_argv
        seen.append(argv)
        return rc, content(out), content(err)

    def fake_listdir(path):
        prefix = path.rstrip("/") + "/"
        names = sorted(set(p[len(prefix):] for p in files if p.startswith(prefix) and "/" not in p[len(prefix):]))
        if not names:
            raise OSError(2, "No such file or directory", path)
        return names

    monkeypatch.setattr(node_prep_info, "read_text", files.get)
    monkeypatch.setattr(node_prep_info.os, "listdir", fake_listdir)
    monkeypatch.setattr(node_prep_info.os, "uname", lambda: ("Linux", "node", case["release"], "#1", "x86_64"))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake_run_command)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **k: "/usr/bin/" + name if name in case["bins"] else None)
    with patch_module_args(case["input"]):
        with pytest.raises(SystemExit):
            node_prep_info.main()
    result = json.loads(capsys.readouterr().out)
    assert calls == [], "commands not run: %s" % calls
    expect = dict(case["expect"])
    expect.setdefault("failed", False)
    result.setdefault("failed", False)
    for key, value in expect.items():
        assert subset(value, result.get(key)), "%s: expected %r, got %r" % (key, value, result.get(key))


def test_reads_nothing_outside_proc_sys_for_sysctl_names(monkeypatch, capsys):
    opened = []
    monkeypatch.setattr(node_prep_info, "read_text", lambda path: opened.append(path) or None)
    with patch_module_args({"sysctls": {"../../etc/shadow": 1, "fs.file-max": 1}}):
        with pytest.raises(SystemExit):
            node_prep_info.main()
    assert "(rule sysctl-name)" in json.loads(capsys.readouterr().out)["msg"]
    assert opened == []  # refused before anything is read
