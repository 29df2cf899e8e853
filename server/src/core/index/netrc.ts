/**
 * A `.netrc` reader that behaves like Python's `netrc` module (CPython 3.11 `Lib/netrc.py`) as
 * requests uses it for pip (`requests.utils.get_netrc_auth`): same tokenizer (quotes, backslash
 * escapes, whitespace of space/tab/CR/LF only), same comment rules, `macdef` bodies skipped up to
 * the next empty line, later entries for the same machine replacing earlier ones. Python raises
 * `NetrcParseError` on a malformed file and requests then ignores the whole file; here the error is
 * returned as data and `netrcCredentials` answers null for such a file, as requests does.
 */

export interface NetrcEntry {
  /** "machine" for `machine NAME`, "default" for the `default` entry. */
  readonly kind: "machine" | "default";
  /** The machine name; "default" for the default entry (Python keys both the same way). */
  readonly name: string;
  readonly login: string;
  readonly account: string;
  readonly password: string;
}

export interface NetrcFile {
  /** Entries in file order; a later entry with the same name replaces an earlier one. */
  readonly entries: readonly NetrcEntry[];
  /** Names of the `macdef` macros, whose bodies are skipped. */
  readonly macros: readonly string[];
  /** Python's NetrcParseError, when the file is malformed (requests then ignores the file). */
  readonly error?: { readonly message: string; readonly line: number };
}

/** Python's `_netrclex`: reads characters, counts lines only for characters read one by one. */
class NetrcLexer {
  private position = 0;
  lineno = 1;
  private readonly pushback: string[] = [];

  constructor(private readonly text: string) {}

  private readChar(): string {
    if (this.position >= this.text.length) return "";
    const ch = this.text[this.position++] ?? "";
    if (ch === "\n") this.lineno++;
    return ch;
  }

  /** `instream.readline()`: the rest of the line including its newline; does not count lines. */
  readline(): string {
    if (this.position >= this.text.length) return "";
    const newline = this.text.indexOf("\n", this.position);
    const end = newline < 0 ? this.text.length : newline + 1;
    const line = this.text.slice(this.position, end);
    this.position = end;
    return line;
  }

  pushToken(token: string): void {
    this.pushback.push(token);
  }

  getToken(): string {
    const pushed = this.pushback.shift();
    if (pushed !== undefined) return pushed;
    let token = "";
    for (let ch = this.readChar(); ch !== ""; ch = this.readChar()) {
      if (isNetrcWhitespace(ch)) continue;
      if (ch === '"') {
        for (ch = this.readChar(); ch !== ""; ch = this.readChar()) {
          if (ch === '"') return token;
          if (ch === "\\") ch = this.readChar();
          token += ch;
        }
        return token;
      }
      if (ch === "\\") ch = this.readChar();
      token += ch;
      for (ch = this.readChar(); ch !== ""; ch = this.readChar()) {
        if (isNetrcWhitespace(ch)) return token;
        if (ch === "\\") ch = this.readChar();
        token += ch;
      }
      return token;
    }
    return token;
  }
}

function isNetrcWhitespace(ch: string): boolean {
  return ch === "\n" || ch === "\t" || ch === "\r" || ch === " ";
}

/** Python's `repr()` of a short string, for error messages that quote a token as Python does. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  return quote + text.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), "\\" + quote) + quote;
}

/**
 * Parses `.netrc` text. Line ends are normalised first, because Python reads the file in text
 * mode with universal newlines. Never throws; a malformed file gives the entries read so far and
 * `error` with Python's message and line.
 */
export function parseNetrc(input: string): NetrcFile {
  const lexer = new NetrcLexer(input.replace(/\r\n?/g, "\n"));
  const entries: NetrcEntry[] = [];
  const macros: string[] = [];
  const fail = (message: string): NetrcFile => ({ entries, macros, error: { message, line: lexer.lineno } });
  for (;;) {
    const savedLine = lexer.lineno;
    const toplevel = lexer.getToken();
    if (toplevel === "") break;
    let entryName: string;
    if (toplevel.startsWith("#")) {
      // Python skips the rest of the line only for a lone "#" that did not start a new line.
      if (lexer.lineno === savedLine && toplevel.length === 1) lexer.readline();
      continue;
    } else if (toplevel === "machine") {
      entryName = lexer.getToken();
    } else if (toplevel === "default") {
      entryName = "default";
    } else if (toplevel === "macdef") {
      const name = lexer.getToken();
      macros.push(name);
      for (;;) {
        const line = lexer.readline();
        if (line === "") return fail("Macro definition missing null line terminator.");
        if (line === "\n") break;
      }
      continue;
    } else {
      return fail(`bad toplevel token ${pyRepr(toplevel)}`);
    }
    if (entryName === "") return fail(`missing ${pyRepr(toplevel)} name`);

    let login = "";
    let account = "";
    let password = "";
    for (;;) {
      const previousLine = lexer.lineno;
      const token = lexer.getToken();
      if (token.startsWith("#")) {
        if (lexer.lineno === previousLine) lexer.readline();
        continue;
      }
      if (token === "" || token === "machine" || token === "default" || token === "macdef") {
        entries.push({
          kind: toplevel === "default" ? "default" : "machine",
          name: entryName,
          login,
          account,
          password,
        });
        lexer.pushToken(token);
        break;
      }
      if (token === "login" || token === "user") login = lexer.getToken();
      else if (token === "account") account = lexer.getToken();
      else if (token === "password") password = lexer.getToken();
      else return fail(`bad follower token ${pyRepr(token)}`);
    }
  }
  return { entries, macros };
}

export interface NetrcCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The credentials requests would use for `host` (the lower-cased host name of the request URL,
 * see `hostOf`): the entry named exactly `host` (the last one when repeated), else the `default`
 * entry. Like requests, the user name is `login`, or `account` when login is empty; an entry with
 * every field empty gives null, and so does a malformed file.
 */
export function netrcCredentials(netrc: NetrcFile, host: string): NetrcCredentials | null {
  if (netrc.error !== undefined) return null;
  const lastNamed = (name: string): NetrcEntry | undefined => {
    for (let i = netrc.entries.length - 1; i >= 0; i--) {
      const entry = netrc.entries[i];
      if (entry?.name === name) return entry;
    }
    return undefined;
  };
  const entry = lastNamed(host) ?? lastNamed("default");
  if (entry === undefined) return null;
  if (entry.login === "" && entry.account === "" && entry.password === "") return null;
  return { username: entry.login !== "" ? entry.login : entry.account, password: entry.password };
}
