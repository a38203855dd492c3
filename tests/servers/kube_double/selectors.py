"""Label and field selectors (=, ==, !=, in, notin, exists, !exists) as the list endpoints take them."""

import re

from .errors import ApiError

SELECTOR_TERM = re.compile(
    r"^\s*(!?)([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$"
)


def _split_selector(selector):
    terms, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current)
    return terms


def selector_matches(selector, values):
    for term in _split_selector(selector or ""):
        match = SELECTOR_TERM.match(term)
        if not match:
            raise ApiError(400, "BadRequest", "unable to parse selector term {0!r}".format(term))
        negate, key, op, value, set_op, set_values = match.groups()
        if op in ("=", "=="):
            ok = values.get(key) == value
        elif op == "!=":
            ok = values.get(key) != value
        elif set_op:
            options = [item.strip() for item in set_values.split(",")]
            ok = (values.get(key) in options) if set_op == "in" else (values.get(key) not in options)
        else:
            ok = (key not in values) if negate else (key in values)
        if not ok:
            return False
    return True


def field_values(obj):
    meta = obj.get("metadata", {})
    values = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace")}
    if isinstance(obj.get("status"), dict) and "phase" in obj["status"]:
        values["status.phase"] = obj["status"]["phase"]
    if obj.get("type"):
        values["type"] = obj["type"]
    return dict((k, v) for k, v in values.items() if v is not None)
