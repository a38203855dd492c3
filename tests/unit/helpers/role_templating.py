"""A role's variables templated the way a play templates them, for unit tests of roles/*/defaults and vars."""

from ansible.template import trust_as_template


def trusted(value):
    """value with every string in it marked as a template (ansible-core 2.19 renders only those; older cores all)."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((key, trusted(item)) for key, item in value.items())
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value
