/**
 * Lexer of the template subset: splits the source into text and actions,
 * applying trim markers and dropping comments, as Go's text/template/parse lexer does.
 */
import { TemplateError } from "./templateError.ts";

export interface TextItem {
  kind: "text";
  text: string;
}

export interface ActionItem {
  kind: "action";
  /** Contents between the delimiters and trim markers, split at Go's spaces. */
  words: string[];
  /** The whole action including delimiters, for error messages. */
  source: string;
  offset: number;
}

export type Item = TextItem | ActionItem;

/** A delimited action or comment found by the lexer. */
interface Delimited {
  action: ActionItem | undefined;
  /** Offset just after the closing "}}". */
  end: number;
  /** Whether the action ended with " -}}". */
  trimAfter: boolean;
}

// Go's trim markers and action words recognize only these four spaces.
const GO_SPACES: ReadonlySet<string> = new Set([" ", "\t", "\r", "\n"]);
const MAX_EXCERPT_LENGTH = 40;

function isGoSpace(char: string | undefined): boolean {
  return char !== undefined && GO_SPACES.has(char);
}

/** Yields the text and actions of `source` in order. Throws when a delimiter is unclosed. */
export function* lexTemplate(source: string): Generator<Item, void, undefined> {
  let position = 0;
  while (position < source.length) {
    const open = source.indexOf("{{", position);
    if (open < 0) {
      yield { kind: "text", text: source.slice(position) };
      return;
    }

    // As in Go, the dash is a trim marker only when a space follows it, so "{{-3}}" is the number -3.
    const trimBefore = source[open + 2] === "-" && isGoSpace(source[open + 3]);
    const text = source.slice(position, open);
    const keptText = trimBefore ? trimGoSpacesAtEnd(text) : text;
    if (keptText !== "") {
      yield { kind: "text", text: keptText };
    }

    const bodyStart = open + (trimBefore ? 4 : 2);
    const delimited = source.startsWith("/*", bodyStart)
      ? scanComment(source, open, bodyStart)
      : scanAction(source, open, bodyStart);
    if (delimited.action !== undefined) {
      yield delimited.action;
    }
    position = delimited.trimAfter ? skipGoSpaces(source, delimited.end) : delimited.end;
  }
}

/**
 * Scans an action whose body starts at `bodyStart`. The action ends at the
 * first "}}". Go ends it there too, except inside a string or character
 * constant, which this subset rejects anyway.
 */
function scanAction(source: string, open: number, bodyStart: number): Delimited {
  const close = source.indexOf("}}", bodyStart);
  if (close < 0) {
    throw new TemplateError(`unclosed action ${excerpt(source, open)} at offset ${open}, missing "}}"`);
  }

  const trimAfter = close - 2 >= bodyStart && isGoSpace(source[close - 2]) && source[close - 1] === "-";
  const body = source.slice(bodyStart, trimAfter ? close - 2 : close);
  const end = close + 2;
  const action: ActionItem = {
    kind: "action",
    words: splitActionWords(body),
    source: source.slice(open, end),
    offset: open,
  };
  return { action, end, trimAfter };
}

/**
 * Scans a comment whose "/*" starts at `bodyStart`. As in Go, the comment
 * must fill the whole action, with "}}" or " -}}" right after its end.
 */
function scanComment(source: string, open: number, bodyStart: number): Delimited {
  const commentEnd = source.indexOf("*/", bodyStart + 2);
  if (commentEnd < 0) {
    throw new TemplateError(`unclosed comment ${excerpt(source, open)} at offset ${open}, missing "*/"`);
  }

  let close = commentEnd + 2;
  const trimAfter = isGoSpace(source[close]) && source.startsWith("-}}", close + 1);
  if (trimAfter) {
    close += 2;
  }
  if (!source.startsWith("}}", close)) {
    throw new TemplateError(
      `comment at offset ${open} must be followed directly by "}}" or " -}}", ` +
        `but ${excerpt(source, commentEnd + 2)} follows`,
    );
  }
  return { action: undefined, end: close + 2, trimAfter };
}

/**
 * Splits an action body into words. Go also ends an identifier at ".", so a
 * keyword written against a field ("if.Host") is split in two.
 */
function splitActionWords(body: string): string[] {
  const words: string[] = [];
  for (const word of body.split(/[ \t\r\n]+/)) {
    const keywordAndField = /^(if|with)(\..*)$/s.exec(word);
    if (keywordAndField?.[1] !== undefined && keywordAndField[2] !== undefined) {
      words.push(keywordAndField[1], keywordAndField[2]);
    } else if (word !== "") {
      words.push(word);
    }
  }
  return words;
}

function trimGoSpacesAtEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isGoSpace(text[end - 1])) {
    end--;
  }
  return text.slice(0, end);
}

function skipGoSpaces(source: string, position: number): number {
  let end = position;
  while (isGoSpace(source[end])) {
    end++;
  }
  return end;
}

/** Quotes up to MAX_EXCERPT_LENGTH characters of `source` from `start`, for error messages. */
function excerpt(source: string, start: number): string {
  const end = start + MAX_EXCERPT_LENGTH;
  const quoted = JSON.stringify(source.slice(start, end));
  return end < source.length ? `${quoted}...` : quoted;
}
