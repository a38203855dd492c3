"""roles/arc_extension: every default is documented in meta/argument_specs.yml with the same value."""

from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "arc_extension"


def test_argument_specs_match_defaults():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    main = specs["main"]["options"]
    assert sorted(main) == sorted(defaults)
    for entry_point in specs.values():
        for name, option in entry_point["options"].items():
            assert option["default"] == defaults[name], name
            assert option["description"], name
