import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { delay } from "./codeServer";

/**
 * Headless Chromium through playwright-core. playwright-core is not a dependency of the project: it is
 * installed into the code-server cache directory (REAL_EDITOR.md's last step) and loaded from there, so
 * only the small part of its API the launcher uses is declared here.
 */

export interface Locator {
  first(): Locator;
  filter(options: { hasText: string | RegExp }): Locator;
  waitFor(options?: { state?: "attached" | "detached" | "visible" | "hidden"; timeout?: number }): Promise<void>;
  count(): Promise<number>;
  innerText(options?: { timeout?: number }): Promise<string>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
}

export interface Page {
  goto(url: string, options?: { timeout?: number; waitUntil?: "load" | "domcontentloaded" }): Promise<unknown>;
  locator(selector: string): Locator;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  bringToFront(): Promise<void>;
  close(): Promise<void>;
  readonly keyboard: {
    press(key: string): Promise<void>;
    type(text: string): Promise<void>;
  };
  on(event: "console", listener: (message: { type(): string; text(): string }) => void): void;
  on(event: "pageerror", listener: (error: Error) => void): void;
}

export interface BrowserContext {
  newPage(): Promise<Page>;
}

export interface Browser {
  newContext(options: { viewport: { width: number; height: number } }): Promise<BrowserContext>;
  close(): Promise<void>;
}

interface Playwright {
  readonly chromium: {
    launch(options: { executablePath: string; headless: boolean; args: readonly string[] }): Promise<Browser>;
  };
}

function isPlaywright(value: unknown): value is Playwright {
  const chromium = (value as { chromium?: { launch?: unknown } } | null)?.chromium;
  return typeof chromium?.launch === "function";
}

/** Loads playwright-core from the code-server install and starts headless Chromium. */
export async function launchChromium(codeServerDir: string, executablePath: string): Promise<Browser> {
  const loaded: unknown = createRequire(path.join(codeServerDir, "package.json"))("playwright-core");
  if (!isPlaywright(loaded)) throw new Error(`playwright-core in ${codeServerDir} has no chromium.launch`);
  return loaded.chromium.launch({
    executablePath,
    headless: true,
    // REAL_EDITOR.md's flags, plus no throttling of background tabs: several windows run at once.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
}

/** Opens a workbench window on `folder` and waits until the workbench is there. */
export async function openWorkbench(context: BrowserContext, serverUrl: string, folder: string, consoleLog: string) {
  const page = await context.newPage();
  const log = fs.createWriteStream(consoleLog, { flags: "a" });
  page.on("console", (message) => log.write(`[${message.type()}] ${message.text()}\n`));
  page.on("pageerror", (error) => log.write(`[pageerror] ${error.stack ?? String(error)}\n`));
  await page.goto(`${serverUrl}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
  return page;
}

const uiTimeout = 30_000;

/** Runs a command from the command palette by its exact title, waiting for it to be the selected entry. */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: uiTimeout });
  await page.keyboard.type(title);
  await page
    .locator(".quick-input-list .monaco-list-row.focused")
    .filter({ hasText: title })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: uiTimeout });
}

/** Opens a file by its absolute path with Quick Open. */
async function openFile(page: Page, file: string): Promise<void> {
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: uiTimeout });
  await page.keyboard.type(file);
  await page
    .locator(".quick-input-list .monaco-list-row.focused")
    .filter({ hasText: path.basename(file) })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });
  await page.keyboard.press("Enter");
  await page
    .locator(".editor-group-container.active .tab.active")
    .filter({ hasText: path.basename(file) })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });
}

/** Pages down in the focused hover until `target`'s top is inside the hover's visible area. */
async function scrollIntoHover(page: Page, target: Locator): Promise<void> {
  const hover = page.locator(".monaco-hover").first();
  const deadline = Date.now() + uiTimeout;
  for (;;) {
    const [box, inner] = await Promise.all([hover.boundingBox(), target.boundingBox()]);
    if (box !== null && inner !== null && inner.y >= box.y && inner.y + 40 <= box.y + box.height) return;
    if (Date.now() > deadline) {
      throw new Error(`the hover's Python-support table never scrolled into view (${JSON.stringify([box, inner])})`);
    }
    await page.keyboard.press("PageDown");
    await delay(100);
  }
}

/** Moves the cursor of the active editor with Go to Line (`line:column`, 1-based). */
async function goTo(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press("Control+G");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: uiTimeout });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: uiTimeout });
  await page
    .locator("#status\\.editor\\.selection")
    .filter({ hasText: `Ln ${line}, Col ${column}` })
    .waitFor({ state: "visible", timeout: uiTimeout });
}

/**
 * Drives the workbench the way a user would, after the suite has finished in this window, and saves
 * screenshots of a hover, the Problems panel and the quick-fix menu on `file` (the requirements file
 * whose first line is the unpinned django-scarface). Each step waits for the widget to show the
 * expected content before the screenshot is taken.
 */
export async function captureScreenshots(page: Page, file: string, outDir: string): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const saved: string[] = [];
  const shot = async (name: string) => {
    const target = path.join(outDir, name);
    await page.screenshot({ path: target });
    saved.push(target);
  };
  await page.bringToFront();
  await page.keyboard.press("Escape");
  await openFile(page, file);
  await page
    .locator(".editor-group-container.active .view-line")
    .filter({ hasText: "django-scarface" })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });

  await goTo(page, 1, 4);
  await runCommand(page, "Show or Focus Hover");
  await page
    .locator(".monaco-hover")
    .filter({ hasText: "Supported through" })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });
  // The hover opens on the line's diagnostics; Show or Focus Hover again (its Ctrl+K Ctrl+I chord, as
  // the command palette would take the focus away) focuses it, and paging down brings the
  // Python-support timeline into view.
  await page.keyboard.press("Control+K");
  await page.keyboard.press("Control+I");
  await scrollIntoHover(page, page.locator(".monaco-hover table").first());
  await shot("hover.png");
  await page.keyboard.press("Escape");

  await runCommand(page, "View: Focus Problems (Errors, Warnings, Infos)");
  await page
    .locator(".markers-panel .monaco-list-row")
    .filter({ hasText: "dropped Python 2.7" })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });
  await shot("problems.png");

  await runCommand(page, "View: Focus Active Editor Group");
  await goTo(page, 1, 4);
  await page.keyboard.press("Control+.");
  await page
    .locator(".action-widget")
    .filter({ hasText: "Pin to 3.1 (supports Python 2.7)" })
    .first()
    .waitFor({ state: "visible", timeout: uiTimeout });
  await shot("quick-fix.png");
  await page.keyboard.press("Escape");
  return saved;
}
