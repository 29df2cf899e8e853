"""Parses requirements files with pip's own parser, for the corpus comparison test.

Reads file paths on stdin (one per line) and prints one JSON object mapping each path to either
{"error": "..."} (pip rejects the file) or {"requirements": [...]}, each requirement with the fields
the test compares. Runs pip's `parse_requirements` and `install_req_from_parsed_requirement`, which
is what `pip install -r` does before resolving.
"""
import json
import sys

from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements


def describe(parsed):
    try:
        req = install_req_from_parsed_requirement(parsed)
    except Exception as exc:  # pip rejects this line
        return {"line_error": str(exc).splitlines()[0], "text": parsed.requirement}
    r = req.req
    return {
        "name": r.name if r else None,
        "specifier": ",".join(sorted(str(s) for s in r.specifier)) if r else "",
        "extras": sorted(req.extras),
        "marker": str(req.markers) if req.markers else None,
        "editable": bool(req.editable),
        "constraint": bool(req.constraint),
        "url": req.link.url if req.link else None,
        "text": parsed.requirement,
    }


def main():
    session = PipSession()
    result = {}
    for path in (line.strip() for line in sys.stdin):
        if not path:
            continue
        try:
            result[path] = {"requirements": [describe(p) for p in parse_requirements(path, session=session)]}
        except BaseException as exc:  # RequirementsFileParseError, InstallationError, UnicodeDecodeError...
            result[path] = {"error": (str(exc) or type(exc).__name__).splitlines()[0]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
