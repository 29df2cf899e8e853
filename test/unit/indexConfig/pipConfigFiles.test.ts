import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadNetrc, loadPipConfig, pipConfigLocations } from "../../../server/src/node/pipConfigFiles";

/**
 * The Linux and macOS expectations were produced once by pypa/pip@6d30920's own
 * `configuration.get_configuration_files()` (with its vendored platformdirs; macOS by swapping in
 * `platformdirs.macos.MacOS`) under these environments, and stored here. Windows follows
 * platformdirs' environment fallbacks (APPDATA, ALLUSERSPROFILE) and pip's `~\pip\pip.ini`.
 */
describe("pip configuration files", () => {
  describe("pipConfigLocations", () => {
    it("linux defaults", () => {
      const locations = pipConfigLocations("linux", {}, "/home/u");
      assert.deepEqual(locations.global, ["/etc/xdg/pip/pip.conf", "/etc/pip.conf"]);
      assert.deepEqual(locations.user, ["/home/u/.pip/pip.conf", "/home/u/.config/pip/pip.conf"]);
      assert.deepEqual(locations.site, []);
      assert.equal(locations.envFile, null);
      assert.equal(locations.disabled, false);
    });

    it("linux XDG_CONFIG_DIRS lists and XDG_CONFIG_HOME (stripped, blank entries skipped)", () => {
      const locations = pipConfigLocations(
        "linux",
        { XDG_CONFIG_DIRS: " /a:/b/:: ", XDG_CONFIG_HOME: " /cfg " },
        "/home/u",
      );
      assert.deepEqual(locations.global, ["/a/pip/pip.conf", "/b/pip/pip.conf", "/etc/pip.conf"]);
      assert.deepEqual(locations.user, ["/home/u/.pip/pip.conf", "/cfg/pip/pip.conf"]);
    });

    it("linux with an empty XDG_CONFIG_DIRS uses /etc/xdg", () => {
      assert.deepEqual(pipConfigLocations("linux", { XDG_CONFIG_DIRS: "  " }, "/h").global, [
        "/etc/xdg/pip/pip.conf",
        "/etc/pip.conf",
      ]);
    });

    it("macOS without Application Support/pip uses ~/.config/pip", () => {
      const locations = pipConfigLocations("darwin", {}, "/Users/u", { isDirectory: () => false });
      assert.deepEqual(locations.global, ["/Library/Application Support/pip/pip.conf"]);
      assert.deepEqual(locations.user, ["/Users/u/.pip/pip.conf", "/Users/u/.config/pip/pip.conf"]);
    });

    it("macOS uses ~/Library/Application Support/pip when that directory exists", () => {
      const asked: string[] = [];
      const locations = pipConfigLocations("darwin", {}, "/Users/u", {
        isDirectory: (directory) => {
          asked.push(directory);
          return true;
        },
      });
      assert.deepEqual(asked, ["/Users/u/Library/Application Support/pip"]);
      assert.deepEqual(locations.user, ["/Users/u/.pip/pip.conf", "/Users/u/Library/Application Support/pip/pip.conf"]);
    });

    it("macOS honours XDG_DATA_DIRS and XDG_DATA_HOME, not XDG_CONFIG_HOME", () => {
      const env = { XDG_DATA_DIRS: "/d1:/d2", XDG_DATA_HOME: "/dh", XDG_CONFIG_HOME: "/ignored" };
      const present = pipConfigLocations("darwin", env, "/Users/u", { isDirectory: (d) => d === "/dh/pip" });
      assert.deepEqual(present.global, ["/d1/pip/pip.conf", "/d2/pip/pip.conf"]);
      assert.deepEqual(present.user, ["/Users/u/.pip/pip.conf", "/dh/pip/pip.conf"]);
      const absent = pipConfigLocations("darwin", env, "/Users/u", { isDirectory: () => false });
      assert.deepEqual(absent.user, ["/Users/u/.pip/pip.conf", "/Users/u/.config/pip/pip.conf"]);
    });

    it("macOS with a Homebrew Python adds the Homebrew share directory", () => {
      const locations = pipConfigLocations("darwin", {}, "/Users/u", {
        sitePrefix: "/opt/homebrew/opt/python@3.12/Frameworks/Python.framework/Versions/3.12",
      });
      assert.deepEqual(locations.global, [
        "/opt/homebrew/share/pip/pip.conf",
        "/Library/Application Support/pip/pip.conf",
      ]);
    });

    it("windows: ProgramData, ~\\pip\\pip.ini, then %APPDATA%\\pip\\pip.ini", () => {
      const locations = pipConfigLocations(
        "win32",
        {
          appdata: "C:\\Users\\u\\AppData\\Roaming",
          ALLUSERSPROFILE: "C:\\ProgramData",
          VIRTUAL_ENV: "C:\\proj\\.venv",
        },
        "C:\\Users\\u",
      );
      assert.deepEqual(locations.global, ["C:\\ProgramData\\pip\\pip.ini"]);
      assert.deepEqual(locations.user, ["C:\\Users\\u\\pip\\pip.ini", "C:\\Users\\u\\AppData\\Roaming\\pip\\pip.ini"]);
      assert.deepEqual(locations.site, ["C:\\proj\\.venv\\pip.ini"]);
    });

    it("windows without APPDATA falls back to the roaming profile folder", () => {
      const locations = pipConfigLocations("win32", {}, "C:\\Users\\u");
      assert.deepEqual(locations.global, ["C:\\ProgramData\\pip\\pip.ini"]);
      assert.equal(locations.user[1], "C:\\Users\\u\\AppData\\Roaming\\pip\\pip.ini");
    });

    it("the site file is in VIRTUAL_ENV, else CONDA_PREFIX, unless a prefix is given", () => {
      assert.deepEqual(pipConfigLocations("linux", { VIRTUAL_ENV: "/p/.venv" }, "/h").site, ["/p/.venv/pip.conf"]);
      assert.deepEqual(pipConfigLocations("linux", { CONDA_PREFIX: "/c" }, "/h").site, ["/c/pip.conf"]);
      assert.deepEqual(pipConfigLocations("linux", { VIRTUAL_ENV: "/p/.venv" }, "/h", { sitePrefix: "/x" }).site, [
        "/x/pip.conf",
      ]);
      assert.deepEqual(pipConfigLocations("linux", { VIRTUAL_ENV: "" }, "/h").site, []);
    });

    it("PIP_CONFIG_FILE: devnull disables, a relative path is resolved against cwd", () => {
      assert.equal(pipConfigLocations("linux", { PIP_CONFIG_FILE: "/dev/null" }, "/h").disabled, true);
      assert.equal(pipConfigLocations("win32", { PIP_CONFIG_FILE: "nul" }, "C:\\h").disabled, true);
      assert.equal(pipConfigLocations("linux", { PIP_CONFIG_FILE: "nul" }, "/h").disabled, false);
      assert.equal(
        pipConfigLocations("linux", { PIP_CONFIG_FILE: "conf/pip.conf" }, "/h", { cwd: "/w" }).envFile,
        "/w/conf/pip.conf",
      );
      assert.equal(
        pipConfigLocations("linux", { PIP_CONFIG_FILE: "/abs.conf" }, "/h", { cwd: "/w" }).envFile,
        "/abs.conf",
      );
    });
  });

  describe("loadPipConfig and loadNetrc on disk", () => {
    let root: string;
    beforeEach(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), "pinsight-pipconf-"));
    });
    afterEach(async () => {
      await fs.rm(root, { recursive: true, force: true });
    });

    const write = async (relative: string, content: string | Buffer): Promise<string> => {
      const file = path.join(root, relative);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, content);
      return file;
    };
    const linuxEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
      XDG_CONFIG_DIRS: path.join(root, "xdg"),
      XDG_CONFIG_HOME: path.join(root, "config"),
      ...extra,
    });
    /** Linux locations without the fixed /etc/pip.conf, so the machine running the tests does not matter. */
    const load = (env: Record<string, string>): ReturnType<typeof loadPipConfig> => {
      const homedir = path.join(root, "home");
      const locations = pipConfigLocations("linux", env, homedir);
      return loadPipConfig(env, {
        platform: "linux",
        homedir,
        locations: { ...locations, global: locations.global.filter((file) => file.startsWith(root)) },
      });
    };

    it("reads the files that exist, in pip's order, and merges them", async () => {
      await write("xdg/pip/pip.conf", "[global]\nindex-url = https://global/\n");
      await write("home/.pip/pip.conf", "[global]\nindex-url = https://legacy/\n");
      const user = await write("config/pip/pip.conf", "[install]\nextra-index-url = https://a/\n  https://b/\n");
      const result = await load(linuxEnv());
      assert.equal(result.indexUrl?.value, "https://legacy/");
      assert.deepEqual(result.extraIndexUrls?.value, ["https://a/", "https://b/"]);
      assert.deepEqual(result.extraIndexUrls?.source, {
        kind: "file",
        path: user,
        fileKind: "user",
        section: "install",
      });
      assert.deepEqual(
        result.files.map((f) => f.kind),
        ["global", "user", "user"],
      );
    });

    it("skips the user files when PIP_CONFIG_FILE exists, and reads it last", async () => {
      await write("config/pip/pip.conf", "[global]\nindex-url = https://user/\n");
      const site = await write("venv/pip.conf", "[global]\nindex-url = https://site/\n");
      const envFile = await write("custom.conf", "[global]\nfind-links = /wheels\n");
      const result = await load(linuxEnv({ PIP_CONFIG_FILE: envFile, VIRTUAL_ENV: path.join(root, "venv") }));
      assert.equal(result.indexUrl?.value, "https://site/");
      assert.deepEqual(result.findLinks?.value, ["/wheels"]);
      assert.deepEqual(
        result.files.map((f) => f.path),
        [site, envFile],
      );
    });

    it("PIP_CONFIG_FILE=/dev/null loads nothing", async () => {
      await write("config/pip/pip.conf", "[global]\nindex-url = https://user/\n");
      const result = await load(linuxEnv({ PIP_CONFIG_FILE: "/dev/null", PIP_INDEX_URL: "https://env/" }));
      assert.equal(result.indexUrl?.value, "https://env/");
      assert.deepEqual(result.files, []);
    });

    it("warns about a missing PIP_CONFIG_FILE and still reads the user files", async () => {
      await write("config/pip/pip.conf", "[global]\nindex-url = https://user/\n");
      const result = await load(linuxEnv({ PIP_CONFIG_FILE: path.join(root, "nope.conf") }));
      assert.equal(result.indexUrl?.value, "https://user/");
      assert.match(result.warnings.join("\n"), /PIP_CONFIG_FILE names .*nope\.conf, which does not exist/);
    });

    it("ignores broken, oversized, non-UTF-8 and directory files with warnings, never throwing", async () => {
      await write("xdg/pip/pip.conf", "no section header\n");
      await write("home/.pip/pip.conf", Buffer.alloc(1024 * 1024 + 10, 0x61));
      await fs.mkdir(path.join(root, "config/pip/pip.conf"), { recursive: true });
      await write("venv/pip.conf", Buffer.from("[global]\nindex-url = https://caf\xe9/\n", "latin1"));
      const result = await load(linuxEnv({ VIRTUAL_ENV: path.join(root, "venv") }));
      assert.equal(result.indexUrl?.value, "https://caf\u00e9/");
      const warnings = result.warnings.join("\n");
      assert.match(warnings, /larger than 1 MB/);
      assert.match(warnings, /not a regular file/);
      assert.match(warnings, /not valid UTF-8/);
      assert.match(warnings, /no section headers/);
    });

    it("loadNetrc reads $NETRC, else ~/.netrc, else ~/_netrc", async () => {
      const home = path.join(root, "home");
      assert.deepEqual(await loadNetrc({}, home), { path: null, netrc: null, warnings: [] });
      await write("home/_netrc", "machine b.example login b password pb\n");
      let loaded = await loadNetrc({}, home);
      assert.equal(loaded.path, path.join(home, "_netrc"));
      assert.equal(loaded.netrc?.entries[0]?.name, "b.example");
      await write("home/.netrc", "machine a.example login a password pa\n");
      loaded = await loadNetrc({}, home);
      assert.equal(loaded.path, path.join(home, ".netrc"));
      const custom = await write("elsewhere/netrc", "default login d password pd\n");
      loaded = await loadNetrc({ NETRC: custom }, home);
      assert.equal(loaded.path, custom);
      assert.equal(loaded.netrc?.entries[0]?.kind, "default");
    });

    it("loadNetrc: NETRC set to a missing file or empty disables the home files", async () => {
      const home = path.join(root, "home");
      await write("home/.netrc", "machine a.example login a password pa\n");
      assert.equal((await loadNetrc({ NETRC: path.join(root, "missing") }, home)).netrc, null);
      assert.equal((await loadNetrc({ NETRC: "" }, home)).netrc, null);
      await write("home/sub/n", "machine t login t\n");
      assert.equal((await loadNetrc({ NETRC: "~/sub/n" }, home)).netrc?.entries[0]?.name, "t");
    });

    it("loadNetrc reports a malformed file", async () => {
      const home = path.join(root, "home");
      await write("home/.netrc", "machine a.example port 21\n");
      const loaded = await loadNetrc({}, home);
      assert.notEqual(loaded.netrc?.error, undefined);
      // The token is not quoted: in a netrc file it may be a piece of a password.
      assert.match(loaded.warnings.join("\n"), /line 1: bad follower token \(not shown\).*requests ignores/);
      assert.doesNotMatch(loaded.warnings.join("\n"), /port/);
    });
  });
});
