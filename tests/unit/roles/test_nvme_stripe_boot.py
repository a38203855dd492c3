"""The nvme_stripe role's boot script: rebuild only when every recorded member is present and blank."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "roles" / "nvme_stripe" / "files" / "acstor_edge_stripe_boot.py"


@pytest.fixture
def boot(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("acstor_edge_stripe_boot", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RECORD_DIR", str(tmp_path / "stripes"))
    monkeypatch.setattr(module, "MDADM_CONF_PATHS", (str(tmp_path / "mdadm.conf"),))
    (tmp_path / "stripes").mkdir()
    (tmp_path / "mdadm.conf").write_text("ARRAY /dev/md/fast metadata=1.2 UUID=old name=any:fast\n")
    return module


def write_record(boot, tmp_path, members, ephemeral=True):
    record = {
        "name": "fast",
        "backend": "mdadm",
        "mode": "volume",
        "device": str(tmp_path / "md-fast"),
        "ephemeral": ephemeral,
        "md_uuid": "old",
        "members": [{"serial": "S%d" % i, "by_id": str(path)} for i, path in enumerate(members)],
        "rebuild": [["mdadm", "--create", "/dev/md/fast"], ["mkfs.xfs", "-f", "/dev/md/fast"]],
    }
    (tmp_path / "stripes" / "fast.json").write_text(json.dumps(record))


def fake_run(calls, signatures):
    def run(argv):
        calls.append(argv)
        if argv[0] == "wipefs":
            return 0, json.dumps({"signatures": signatures}) if signatures else "", ""
        if argv[:2] == ["mdadm", "--detail"]:
            return 0, "MD_UUID=11111111:22222222:33333333:44444444\n", ""
        return 0, "", ""

    return run


@pytest.mark.parametrize(
    "ephemeral,signatures,present,rebuilt",
    [
        (True, [], 2, True),
        (True, [{"device": "nvme0n1", "type": "ext4"}], 2, False),  # a member holds data
        (True, [], 1, False),  # a member is missing
        (False, [], 2, False),  # not ephemeral
    ],
)
def test_rebuild_rules(boot, tmp_path, monkeypatch, ephemeral, signatures, present, rebuilt):
    members = [tmp_path / "disk0", tmp_path / "disk1"]
    for path in members[:present]:
        path.write_text("")
    write_record(boot, tmp_path, members, ephemeral)
    calls = []
    monkeypatch.setattr(boot, "run", fake_run(calls, signatures))
    assert boot.boot() == 0
    assert (["mdadm", "--create", "/dev/md/fast"] in calls) is rebuilt
    conf = (tmp_path / "mdadm.conf").read_text()
    record = json.loads((tmp_path / "stripes" / "fast.json").read_text())
    if rebuilt:
        assert "UUID=11111111:22222222:33333333:44444444" in conf and "UUID=old" not in conf
        assert record["md_uuid"] == "11111111:22222222:33333333:44444444"
    else:
        assert "UUID=old" in conf and record["md_uuid"] == "old"


def test_metrics_report_missing_member(boot, tmp_path):
    members = [tmp_path / "disk0", tmp_path / "disk1"]
    members[0].write_text("")
    write_record(boot, tmp_path, members)
    boot.metrics(str(tmp_path / "prom"))
    text = (tmp_path / "prom" / "acstor_edge_stripes.prom").read_text()
    assert 'acstor_edge_stripe_members_present{name="fast",backend="mdadm",mode="volume"} 1' in text
    assert 'acstor_edge_stripe_degraded{name="fast",backend="mdadm",mode="volume"} 1' in text
    # the lost member is named by serial, the present one is counted present
    assert 'acstor_edge_stripe_member_present{name="fast",backend="mdadm",mode="volume",serial="S1"} 0' in text
    assert 'acstor_edge_stripe_member_present{name="fast",backend="mdadm",mode="volume",serial="S0"} 1' in text


def test_health_fact_names_the_lost_member(boot, tmp_path, capsys):
    members = [tmp_path / "disk0", tmp_path / "disk1"]
    members[0].write_text("")
    write_record(boot, tmp_path, members)
    assert boot.main(["acstor-edge-stripe-boot", "health"]) == 0
    report = json.loads(capsys.readouterr().out)
    fast = report["stripes"]["fast"]
    assert fast["lost"] == ["S1"] and fast["lost_by_id"] == [str(members[1])]
    assert fast["degraded"] and fast["members"] == 2 and fast["members_present"] == 1
    assert not report["healthy"] and report["problems"] == ["stripe fast: lost member(s) S1 (%s)" % members[1]]


def test_health_fact_of_a_whole_stripe(boot, tmp_path, capsys):
    members = [tmp_path / "disk0", tmp_path / "disk1"]
    for path in members:
        path.write_text("")
    write_record(boot, tmp_path, members)
    (tmp_path / "md-fast").write_text("")
    boot.md_degraded = lambda device: False
    assert boot.main(["acstor-edge-stripe-boot", "health"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["healthy"] and report["problems"] == [] and report["stripes"]["fast"]["lost"] == []
