/**
 * What the launchers (test/e2e/launch.ts for code-server, test/e2e/runTest.ts for @vscode/test-electron)
 * and the code running inside the extension host agree on: environment variable names and the shape of
 * the results file. It is imported on both sides, so it must not import `vscode` or Node-only modules.
 */

/** Environment variables read inside the extension host (they are inherited from the editor process). */
export const env = {
  /**
   * A directory: the suite writes `<workspace folder name>.json` there when it has run. Without it the
   * suite still runs (test-electron reads the exit code) but writes nothing.
   */
  results: "PINSIGHT_E2E_RESULTS",
  /** Absolute path of the bundled suite entry (dist/e2e/suite/index.js) that the test-host extension loads. */
  suite: "PINSIGHT_E2E_SUITE",
  /** Base URL of the launcher's control server, which reports the fixture indexes' request logs. */
  control: "PINSIGHT_E2E_CONTROL",
} as const;

/** The fixture workspaces under test/e2e/workspaces; each editor window opens one of them. */
export const workspaceNames = ["requirements", "poetry", "restricted"] as const;
export type WorkspaceName = (typeof workspaceNames)[number];

/**
 * Each top-level suite carries the tag of the workspace it needs in its title, so that the runner can
 * select the suites of the window it runs in with mocha's `grep`.
 */
export function workspaceTag(name: WorkspaceName): string {
  return `@${name}`;
}

/** The fixture indexes the launchers start, by the name the control server knows them under. */
export const indexNames = ["main", "restricted"] as const;
export type IndexName = (typeof indexNames)[number];

/** One request as the fixture index logged it (a subset of test/support/fixtureIndex's entry). */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
}

export interface TestResult {
  readonly fullTitle: string;
  readonly state: "passed" | "failed" | "pending";
  readonly durationMs: number;
  /** The failure message and stack, for failed tests. */
  readonly error?: string;
  /** Why a test skipped itself, when it said so. */
  readonly skipReason?: string;
}

/** The results file one window writes. */
export interface SuiteResults {
  readonly workspace: string;
  readonly trusted: boolean;
  readonly vscodeVersion: string;
  readonly appName: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly passes: number;
  readonly failures: number;
  readonly pending: number;
  readonly tests: readonly TestResult[];
  /** Measurements taken by the tests, in milliseconds unless the name says otherwise. */
  readonly metrics: Readonly<Record<string, number>>;
  /** An error that kept the suite from running at all. */
  readonly fatal?: string;
}
