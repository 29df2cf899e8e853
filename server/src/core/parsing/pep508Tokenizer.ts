import { specifierRegexBody } from "../pep440/specifier";
import type { Span } from "../span";

/**
 * The context-sensitive tokenizer of PEP 508 dependency specifiers, with the token rules and error
 * shape of packaging's `_tokenizer.py`, so our messages and caret spans match packaging's.
 */

const rules = {
  LEFT_PARENTHESIS: /\(/y,
  RIGHT_PARENTHESIS: /\)/y,
  LEFT_BRACKET: /\[/y,
  RIGHT_BRACKET: /\]/y,
  SEMICOLON: /;/y,
  COMMA: /,/y,
  QUOTED_STRING: /'[^']*'|"[^"]*"/y,
  OP: /===|==|~=|!=|<=|>=|<|>/y,
  BOOLOP: /\b(?:or|and)\b/y,
  IN: /\bin\b/y,
  NOT: /\bnot\b/y,
  VARIABLE:
    /\b(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)|python_implementation|implementation_(?:name|version)|extras?|dependency_groups)\b/y,
  SPECIFIER: new RegExp(specifierRegexBody, "iy"),
  AT: /@/y,
  URL: /[^ \t]+/y,
  IDENTIFIER: /\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b/y,
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  WS: /[ \t]+/y,
  END: /$(?![\s\S])/y,
} as const;

export type TokenName = keyof typeof rules;

export interface Token {
  readonly name: TokenName;
  readonly text: string;
  readonly position: number;
}

/** A syntax error with packaging's message and the span its caret line marks. */
export class SyntaxErrorAt {
  constructor(
    readonly message: string,
    readonly span: Span,
  ) {}
}

export class Tokenizer {
  position = 0;
  private next: Token | null = null;

  constructor(readonly source: string) {}

  /** Whether the next token is `name`; unless `peek`, the token is loaded for `read`. */
  check(name: TokenName, peek = false): boolean {
    const text = this.match(name);
    if (text === null) return false;
    if (!peek) this.next = { name, text, position: this.position };
    return true;
  }

  /**
   * The text of token `name` at the current position, or null. Single-character tokens and
   * whitespace are matched without a regex, and each regex token is skipped when its first
   * character cannot start it: requirement lines are parsed by the thousand on every keystroke.
   */
  private match(name: TokenName): string | null {
    const source = this.source;
    const at = this.position;
    const c = source.charCodeAt(at);
    switch (name) {
      case "LEFT_PARENTHESIS":
        return c === 40 ? "(" : null;
      case "RIGHT_PARENTHESIS":
        return c === 41 ? ")" : null;
      case "LEFT_BRACKET":
        return c === 91 ? "[" : null;
      case "RIGHT_BRACKET":
        return c === 93 ? "]" : null;
      case "SEMICOLON":
        return c === 59 ? ";" : null;
      case "COMMA":
        return c === 44 ? "," : null;
      case "AT":
        return c === 64 ? "@" : null;
      case "END":
        return at >= source.length ? "" : null;
      case "WS": {
        let end = at;
        while (end < source.length && (source.charCodeAt(end) === 32 || source.charCodeAt(end) === 9)) end++;
        return end > at ? source.slice(at, end) : null;
      }
      case "VERSION_PREFIX_TRAIL":
        return c === 46 && source.charCodeAt(at + 1) === 42 ? ".*" : null;
      case "SPECIFIER":
      case "OP":
        // = ! ~ < >
        if (c !== 61 && c !== 33 && c !== 126 && c !== 60 && c !== 62) return null;
        break;
      case "QUOTED_STRING":
        if (c !== 39 && c !== 34) return null;
        break;
      case "VERSION_LOCAL_LABEL_TRAIL":
        if (c !== 43) return null;
        break;
      default:
        break;
    }
    const rule = rules[name];
    rule.lastIndex = at;
    const match = rule.exec(source);
    return match === null ? null : match[0];
  }

  consume(name: TokenName): void {
    if (this.check(name)) this.read();
  }

  read(): Token {
    const token = this.next;
    if (token === null) throw new Error("read() without a successful check()");
    this.position += token.text.length;
    this.next = null;
    return token;
  }

  expect(name: TokenName, expected: string): Token {
    if (!this.check(name)) throw this.error(`Expected ${expected}`);
    return this.read();
  }

  error(message: string, start?: number, end?: number): SyntaxErrorAt {
    return new SyntaxErrorAt(message, { start: start ?? this.position, end: end ?? this.position });
  }
}

/** packaging's three-line error text: message, the source, and a `~~~^` marker under the span. */
export function formatSyntaxError(source: string, message: string, span: Span): string {
  return `${message}\n    ${source}\n    ${" ".repeat(span.start)}${"~".repeat(span.end - span.start)}^`;
}
