declare const PINSIGHT_VERSION: string | undefined;

/** Pinsight's version, injected by the bundler; "dev" when running from sources (tests). */
export const pinsightVersion: string = typeof PINSIGHT_VERSION === "string" ? PINSIGHT_VERSION : "dev";
