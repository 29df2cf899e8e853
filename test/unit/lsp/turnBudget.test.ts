import assert from "node:assert/strict";
import { TurnBudget } from "../../../server/src/turnBudget";

const spin = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Stands in for a background task's work.
  }
};
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("TurnBudget", () => {
  it("lets tasks start until the turn has spent its budget, then again in the next turn", async () => {
    const budget = new TurnBudget(5);
    assert.equal(budget.allows(), true, "the first task of a turn always starts");
    spin(2);
    assert.equal(budget.allows(), true, "2 ms spent of 5");
    spin(4);
    assert.equal(budget.allows(), false, "6 ms spent: the next task waits");
    await nextTurn();
    await nextTurn();
    assert.equal(budget.allows(), true, "a new turn has a new budget");
  });

  it("spreads tasks queued together over several turns", async () => {
    const budget = new TurnBudget(4);
    const turnsOf: number[] = [];
    let turnNumber = 0;
    const ticking = setInterval(() => turnNumber++, 0);
    let left = 12;
    await new Promise<void>((resolve) => {
      const task = (): void => {
        if (!budget.allows()) {
          setImmediate(task);
          return;
        }
        turnsOf.push(turnNumber);
        spin(2);
        if (--left === 0) resolve();
      };
      for (let i = 0; i < 12; i++) setImmediate(task);
    });
    clearInterval(ticking);
    const perTurn = new Map<number, number>();
    for (const t of turnsOf) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    assert.ok(Math.max(...perTurn.values()) <= 3, `at most 3 tasks of 2 ms in a 4 ms turn: ${[...perTurn.values()]}`);
  });
});
