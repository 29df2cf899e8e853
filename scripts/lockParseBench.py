"""Times Python's own readers on lock files, for `npm run bench`: `tomllib.loads` for the TOML
formats and `json.loads` for Pipfile.lock, on the texts named on stdin (one path per line, each
prefixed with its format and a tab). Prints one JSON object: per format, the bytes per run and the
seconds of each run.
"""
import json
import sys
import time
import tomllib


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    by_format = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        fmt, path = line.rstrip("\n").split("\t", 1)
        with open(path, encoding="utf-8") as handle:
            by_format.setdefault(fmt, []).append(handle.read())
    result = {}
    for fmt, texts in by_format.items():
        load = json.loads if fmt == "Pipfile.lock" else tomllib.loads

        def parse_all():
            for text in texts:
                try:
                    load(text)
                except Exception:
                    pass

        parse_all()  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            parse_all()
            times.append(time.perf_counter() - start)
        result[fmt] = {"bytes": sum(len(t.encode("utf-8")) for t in texts), "seconds": times}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
