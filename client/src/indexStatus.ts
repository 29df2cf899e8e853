/** What the server reports about package indexes (`pinsight/indexStatus`). */
export interface IndexStatus {
  readonly state: "idle" | "fetching" | "offline" | "error";
  readonly done: number;
  readonly total: number;
  readonly lastError: string | null;
  readonly indexes: readonly string[];
}
