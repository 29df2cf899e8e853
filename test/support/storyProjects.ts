import type { FixtureProject } from "./fixtureIndex";

/**
 * The celery/kombu story as fixture projects. The data is invented for the test but follows the real
 * history: celery 4.1.0 (July 2017) declared `kombu (<5.0,>=4.0.2)`, and kombu releases inside that
 * range kept coming until 4.6.11 (June 2020), so a fresh install of the pinned celery took a kombu
 * released years after it. Release dates are approximate; only their order matters to the tests.
 */
export function celeryStoryProjects(): Record<string, FixtureProject> {
  const wheel = (name: string, version: string, uploadTime: string) => ({
    filename: `${name}-${version}-py2.py3-none-any.whl`,
    uploadTime,
    size: 1000,
    sha256: sha(`${name}-${version}`),
  });
  const kombu: [string, string][] = [
    ["4.0.2", "2016-12-15T00:00:00Z"],
    ["4.1.0", "2017-07-17T00:00:00Z"],
    ["4.2.0", "2018-05-21T00:00:00Z"],
    ["4.6.11", "2020-06-24T00:00:00Z"],
    ["5.0.0", "2020-09-24T00:00:00Z"],
  ];
  const celery: [string, string][] = [
    ["4.0.2", "2016-12-15T00:00:00Z"],
    ["4.1.0", "2017-07-25T00:00:00Z"],
  ];
  const versionDoc = (name: string, version: string, requiresDist: string[]) =>
    JSON.stringify({
      info: {
        name,
        version,
        summary: `${name} (fixture)`,
        classifiers: ["Programming Language :: Python :: 2.7", "Programming Language :: Python :: 3"],
        requires_dist: requiresDist,
        requires_python: null,
        yanked: false,
        yanked_reason: null,
        project_urls: {},
      },
      urls: [],
      vulnerabilities: [],
    });
  return {
    celery: {
      files: celery.map(([v, t]) => wheel("celery", v, t)),
      versionJson: Object.fromEntries(
        celery.map(([v]) => [
          v,
          versionDoc("celery", v, [
            "pytz (>dev)",
            "kombu (<5.0,>=4.0.2)",
            'librabbitmq (>=1.5.0) ; extra == "librabbitmq"',
          ]),
        ]),
      ),
    },
    kombu: {
      files: kombu.map(([v, t]) => wheel("kombu", v, t)),
      versionJson: Object.fromEntries(kombu.map(([v]) => [v, versionDoc("kombu", v, [])])),
    },
  };
}

/** A stable fake sha256 for a file (64 hex digits). */
function sha(seed: string): string {
  let hex = "";
  let state = 2166136261;
  while (hex.length < 64) {
    for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
    hex += state.toString(16).padStart(8, "0");
  }
  return hex.slice(0, 64);
}
