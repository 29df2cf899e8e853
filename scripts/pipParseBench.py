"""Times pip's own requirements-file parser on the files named on stdin, for `npm run bench`.

For every file it runs what pip does before resolving: `parse_requirements` (decode, join lines,
options, includes) and `install_req_from_parsed_requirement` (the PEP 508 parse of each line). It
prints one JSON object: the number of runs, the bytes per run, and the seconds of each run.
"""
import json
import sys
import time

from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements


def parse_all(paths, session):
    count = 0
    for path in paths:
        try:
            for parsed in parse_requirements(path, session=session):
                try:
                    install_req_from_parsed_requirement(parsed)
                except Exception:
                    pass
                count += 1
        except Exception:
            pass
    return count


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    paths = [line.strip() for line in sys.stdin if line.strip()]
    session = PipSession()
    parse_all(paths, session)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parse_all(paths, session)
        times.append(time.perf_counter() - start)
    print(json.dumps({"runs": runs, "seconds": times}))


if __name__ == "__main__":
    main()
