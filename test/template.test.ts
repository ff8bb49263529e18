import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { TemplateError, compileTemplate } from "../src/outcome/template.ts";

const FIELD_NAMES = ["Host", "Exit", "Error", "Output", "TaskId"] as const;

const FIELDS: Readonly<Record<string, string>> = {
  Host: "worker-1",
  Exit: "2",
  Error: "boom",
  Output: "",
  TaskId: "task-7",
};

function render(source: string, fields: Readonly<Record<string, string>> = FIELDS): string {
  return compileTemplate(source, FIELD_NAMES).render(fields);
}

/** Asserts that compiling `source` throws a TemplateError whose message matches `message`. */
function assertTemplateError(source: string, message: RegExp): void {
  assert.throws(
    () => compileTemplate(source, FIELD_NAMES),
    (error: unknown) => error instanceof TemplateError && message.test(error.message),
  );
}

describe("compileTemplate rendering", () => {
  test("renders the Go tool's default cause", () => {
    assert.equal(
      render("Host: {{.Host}} Exit: {{.Exit}} Error: {{.Error}}"),
      "Host: worker-1 Exit: 2 Error: boom",
    );
  });

  test("renders plain text unchanged", () => {
    assert.equal(render("no actions } here }}"), "no actions } here }}");
  });

  test("renders empty template as empty", () => {
    assert.equal(render(""), "");
  });

  test("renders fields with spaces inside", () => {
    assert.equal(render("[{{ .Host }}] [{{\t.Exit\n}}]"), "[worker-1] [2]");
  });

  test("accepts a keyword joined to its field", () => {
    assert.equal(render("{{if.Host}}yes{{end}}"), "yes");
  });

  test("takes field names from the argument", () => {
    const template = compileTemplate("{{.Region}}/{{.Zone}}", ["Region", "Zone"]);
    assert.equal(template.render({ Region: "eu", Zone: "b" }), "eu/b");
  });

  test("renders a missing field as empty", () => {
    assert.equal(render("[{{.Host}}]", {}), "[]");
  });

  test("ignores inherited object keys", () => {
    const template = compileTemplate("[{{.constructor}}]", ["constructor"]);
    assert.equal(template.render({}), "[]");
  });

  test("renders one template repeatedly", () => {
    const template = compileTemplate("{{.Host}}", FIELD_NAMES);
    assert.deepEqual(
      [template.render({ ...FIELDS, Host: "a" }), template.render({ ...FIELDS, Host: "b" })],
      ["a", "b"],
    );
  });
});

describe("compileTemplate escaping", () => {
  const SPECIAL_VALUES = ["<b>", "a & b", 'say "hi"', "it's", "{{.Host}}", "\\n"];

  for (const value of SPECIAL_VALUES) {
    test(`outputs ${JSON.stringify(value)} unchanged`, () => {
      assert.equal(render("{{.Error}}", { ...FIELDS, Error: value }), value);
    });
  }

  test("outputs special characters in text unchanged", () => {
    assert.equal(render(`<p class="x">&amp; it's</p>`), `<p class="x">&amp; it's</p>`);
  });

  test("outputs special characters inside with unchanged", () => {
    assert.equal(render("{{with .Error}}{{.}}{{end}}", { ...FIELDS, Error: `<&"'>` }), `<&"'>`);
  });
});

describe("compileTemplate trim markers", () => {
  const CASES: ReadonlyArray<readonly [string, string]> = [
    ["a  {{- .Exit}}  b", "a2  b"],
    ["a  {{.Exit -}}  b", "a  2b"],
    ["a \n\t\r{{- .Exit -}} \r\n\t b", "a2b"],
    ["a {{-\t.Exit\n-}} b", "a2b"],
    ["a {{-\n.Exit\r-}} b", "a2b"],
    // Go trims only space, tab, CR and LF.
    ["a\f\v\u00a0{{- .Exit -}}\u00a0b", "a\f\v\u00a02\u00a0b"],
    ["{{.Exit -}}   ", "2"],
    ["   {{- .Exit}}", "2"],
    ["a {{- .Exit -}} {{- .Exit -}} b", "a22b"],
    ["{{if .Host -}}\n  yes\n{{- end}}", "yes"],
    ["{{if .Output -}} x {{- else -}} \n y \n {{- end}}", "y"],
  ];

  for (const [source, expected] of CASES) {
    test(`renders ${JSON.stringify(source)}`, () => {
      assert.equal(render(source), expected);
    });
  }

  test("reads {{-3}} as a number", () => {
    assertTemplateError("a {{-3}} b", /unsupported number "-3"/);
  });

  test("reads {{-.Exit}} as a number", () => {
    assertTemplateError("a {{-.Exit}} b", /unsupported number/);
  });

  test("rejects dash without space before }}", () => {
    assertTemplateError("a {{.Exit-}} b", /unexpected "\.Exit-"/);
  });
});

describe("compileTemplate comments", () => {
  const CASES: ReadonlyArray<readonly [string, string]> = [
    ["a {{/* note */}} b", "a  b"],
    ["a {{- /* note */ -}} b", "ab"],
    ["a {{-\t/* note */\t-}} b", "ab"],
    ["a {{/* }} and {{ inside */}} b", "a  b"],
    ["a {{/* line one\nline two */}} b", "a  b"],
    ["{{if .Host}}{{/* inside */}}yes{{end}}", "yes"],
  ];

  for (const [source, expected] of CASES) {
    test(`renders ${JSON.stringify(source)}`, () => {
      assert.equal(render(source), expected);
    });
  }
});

describe("compileTemplate if", () => {
  const SOURCE = "{{if .Output}}output{{else if .Error}}error{{else if not .Exit}}no exit{{else}}other{{end}}";

  test("renders the body for a set field", () => {
    assert.equal(render("[{{if .Host}}{{.Host}}{{end}}]"), "[worker-1]");
  });

  test("skips the body for an empty field", () => {
    assert.equal(render("[{{if .Output}}{{.Output}}x{{end}}]"), "[]");
  });

  test("renders else for an empty field", () => {
    assert.equal(render("{{if .Output}}yes{{else}}no{{end}}"), "no");
  });

  test("renders if not for an empty field", () => {
    assert.equal(render("{{if not .Output}}empty{{end}}"), "empty");
  });

  test("renders if not for a set field", () => {
    assert.equal(render("[{{if not .Host}}empty{{end}}]"), "[]");
  });

  test("takes the first true else-if branch", () => {
    assert.equal(render(SOURCE, { ...FIELDS, Output: "", Error: "e" }), "error");
  });

  test("takes an else-if not branch", () => {
    assert.equal(render(SOURCE, { ...FIELDS, Output: "", Error: "", Exit: "" }), "no exit");
  });

  test("takes the final else branch", () => {
    assert.equal(render(SOURCE, { ...FIELDS, Output: "", Error: "" }), "other");
  });

  test("takes the if branch first", () => {
    assert.equal(render(SOURCE, { ...FIELDS, Output: "o" }), "output");
  });

  test("renders nested if blocks", () => {
    assert.equal(render("{{if .Host}}{{if .Output}}a{{else}}b{{end}}{{end}}"), "b");
  });

  test("treats a space as true", () => {
    assert.equal(render("{{if .Output}}yes{{end}}", { ...FIELDS, Output: " " }), "yes");
  });
});

describe("compileTemplate with", () => {
  test("sets dot to the field value", () => {
    assert.equal(render("{{with .Host}}[{{.}}]{{end}}"), "[worker-1]");
  });

  test("renders else for an empty field", () => {
    assert.equal(render("{{with .Output}}[{{.}}]{{else}}none{{end}}"), "none");
  });

  test("reads fields in the else branch", () => {
    assert.equal(render("{{with .Output}}{{.}}{{else}}exit {{.Exit}}{{end}}"), "exit 2");
  });

  test("renders nothing for an empty field without else", () => {
    assert.equal(render("[{{with .Output}}{{.}}{{end}}]"), "[]");
  });

  test("tests dot inside with", () => {
    assert.equal(render("{{with .Host}}{{if .}}yes{{end}}{{if not .}}no{{end}}{{end}}"), "yes");
  });

  test("nests with on dot", () => {
    assert.equal(render("{{with .Host}}{{with .}}<{{.}}>{{end}}{{end}}"), "<worker-1>");
  });

  test("nests if inside with", () => {
    assert.equal(render("{{with .Error}}{{if .}}{{.}}{{else}}none{{end}}{{end}}"), "boom");
  });
});

describe("compileTemplate errors", () => {
  test("rejects an unknown field", () => {
    assertTemplateError("Host: {{.Hots}}", /unknown field "Hots" in \{\{\.Hots\}\} at offset 6/);
  });

  test("lists known fields for an unknown field", () => {
    assertTemplateError("{{.Hots}}", /known fields: Host, Exit, Error, Output, TaskId/);
  });

  test("matches field names case-sensitively", () => {
    assertTemplateError("{{.host}}", /unknown field "host"/);
  });

  test("rejects an unknown field in a condition", () => {
    assertTemplateError("{{if .Nope}}x{{end}}", /unknown field "Nope"/);
  });

  test("reports no fields when none are defined", () => {
    assert.throws(() => compileTemplate("{{.Host}}", []), /no fields are defined/);
  });

  test("rejects an unclosed action", () => {
    assertTemplateError("Host: {{.Host", /unclosed action "\{\{\.Host" at offset 6/);
  });

  test("rejects an unclosed trimmed action", () => {
    assertTemplateError("a {{- .Host", /unclosed action/);
  });

  test("rejects an unterminated comment", () => {
    assertTemplateError("a {{/* note", /unclosed comment .* at offset 2/);
  });

  test("rejects a comment with no closing delimiter", () => {
    assertTemplateError("{{/* note */", /comment at offset 0 must be followed directly by "\}\}"/);
  });

  test("rejects text after a comment", () => {
    assertTemplateError("{{/* note */ .Host}}", /comment at offset 0 must be followed directly/);
  });

  test("rejects a comment after a space", () => {
    assertTemplateError("{{ /* note */ }}", /misplaced comment/);
  });

  test("rejects a stray end", () => {
    assertTemplateError("a{{end}}", /unexpected \{\{end\}\} at offset 1/);
  });

  test("rejects a stray else", () => {
    assertTemplateError("a{{else}}b", /unexpected \{\{else\}\} at offset 1/);
  });

  test("rejects an extra end", () => {
    assertTemplateError("{{if .Host}}a{{end}}{{end}}", /unexpected \{\{end\}\} at offset 20/);
  });

  test("rejects a second else", () => {
    assertTemplateError("{{if .Host}}a{{else}}b{{else}}c{{end}}", /already has an \{\{else\}\}/);
  });

  test("rejects else after else if", () => {
    assertTemplateError(
      "{{if .Host}}a{{else if .Exit}}b{{else}}c{{else}}d{{end}}",
      /unexpected \{\{else\}\} at offset 40/,
    );
  });

  test("rejects if without end", () => {
    assertTemplateError("{{if .Host}}a", /missing \{\{end\}\} for \{\{if \.Host\}\} at offset 0/);
  });

  test("rejects if-else without end", () => {
    assertTemplateError("{{if .Host}}a{{else}}b", /missing \{\{end\}\} for \{\{if \.Host\}\}/);
  });

  test("rejects else-if chain without end", () => {
    assertTemplateError("{{if .Host}}a{{else if .Exit}}b", /missing \{\{end\}\}/);
  });

  test("rejects with without end", () => {
    assertTemplateError("{{with .Host}}a", /missing \{\{end\}\} for \{\{with \.Host\}\}/);
  });

  test("rejects an inner block without end", () => {
    assertTemplateError("{{if .Host}}{{with .Exit}}a{{end}}", /missing \{\{end\}\} for \{\{if \.Host\}\}/);
  });

  test("rejects an empty action", () => {
    assertTemplateError("a{{}}b", /empty action/);
  });

  test("rejects an empty trimmed action", () => {
    assertTemplateError("a{{- -}}b", /unsupported number "-"/);
  });

  test("rejects if without condition", () => {
    assertTemplateError("{{if}}a{{end}}", /missing condition after if/);
  });

  test("rejects not without field", () => {
    assertTemplateError("{{if not}}a{{end}}", /missing field after not/);
  });

  test("rejects with without field", () => {
    assertTemplateError("{{with}}a{{end}}", /missing field after with/);
  });

  test("rejects else if without condition", () => {
    assertTemplateError("{{if .Host}}{{else if}}{{end}}", /missing condition after if/);
  });

  test("rejects arguments after end", () => {
    assertTemplateError("{{if .Host}}a{{end .Host}}", /unexpected "\.Host" after "end"/);
  });

  test("rejects an unknown word after else", () => {
    assertTemplateError("{{if .Host}}a{{else .Host}}b{{end}}", /unexpected "\.Host" after "else"/);
  });

  test("rejects dot outside with", () => {
    assertTemplateError("{{.}}", /unsupported dot \(\.\) outside \{\{with\}\}/);
  });

  test("rejects if on dot outside with", () => {
    assertTemplateError("{{if .}}a{{end}}", /unsupported dot/);
  });

  test("rejects dot in the else of with", () => {
    assertTemplateError("{{with .Host}}a{{else}}{{.}}{{end}}", /unsupported dot/);
  });

  test("rejects a field inside with", () => {
    assertTemplateError(
      "{{with .Host}}{{.Exit}}{{end}}",
      /cannot read field \.Exit in \{\{\.Exit\}\} at offset 14 \(inside \{\{with \.Host\}\} at offset 0/,
    );
  });
});

describe("compileTemplate unsupported constructs", () => {
  const CASES: ReadonlyArray<readonly [string, RegExp]> = [
    ["{{range .Host}}a{{end}}", /unsupported keyword "range"/],
    ['{{template "x"}}', /unsupported keyword "template"/],
    ['{{define "x"}}a{{end}}', /unsupported keyword "define"/],
    ['{{block "x" .}}a{{end}}', /unsupported keyword "block"/],
    ["{{break}}", /unsupported keyword "break"/],
    ["{{nil}}", /unsupported constant "nil"/],
    ["{{if true}}a{{end}}", /unsupported constant "true"/],
    ['{{printf "%s" .Host}}', /unsupported function "printf"/],
    ["{{if and .Host .Exit}}a{{end}}", /unsupported function "and"/],
    ["{{if eq .Exit .Host}}a{{end}}", /unsupported function "eq"/],
    ["{{Host}}", /unsupported function "Host" \(for the field, write \.Host\)/],
    ["{{not .Host}}", /unsupported function "not" outside \{\{if not \.Field\}\}/],
    ["{{if not not .Host}}a{{end}}", /unsupported function "not"/],
    ["{{with not .Host}}a{{end}}", /unsupported function "not"/],
    ["{{.Host | printf}}", /unsupported pipeline "\|"/],
    ["{{.Host|printf}}", /unsupported pipeline/],
    ["{{$x := .Host}}", /unsupported variable "\$x"/],
    ["{{$.Host}}", /unsupported variable/],
    ['{{"text"}}', /unsupported string or character constant/],
    ["{{`raw`}}", /unsupported string or character constant/],
    ["{{'c'}}", /unsupported string or character constant/],
    ["{{3}}", /unsupported number "3"/],
    ["{{.5}}", /unsupported number "\.5"/],
    ["{{(.Host)}}", /unsupported parenthesized pipeline/],
    ["{{.Host.Name}}", /unsupported field chain "\.Host\.Name"/],
    ["{{.Host .Exit}}", /unexpected "\.Exit" after "\.Host"/],
    ["{{if .Host .Exit}}a{{end}}", /unexpected "\.Exit" after "\.Host"/],
    ["{{with .Host .Exit}}a{{end}}", /unexpected "\.Exit" after "\.Host"/],
    ["{{.Host 3}}", /unsupported number "3"/],
    ["{{with .Host}}a{{else if .Exit}}b{{end}}", /unsupported \{\{else if\}\} inside \{\{with\}\}/],
    ["{{with .Host}}a{{else with .Exit}}b{{end}}", /unsupported \{\{else with\}\}/],
    ["{{if .Host}}a{{else with .Exit}}b{{end}}", /unsupported \{\{else with\}\}/],
    ["{{@}}", /unexpected "@"/],
  ];

  for (const [source, message] of CASES) {
    test(`rejects ${JSON.stringify(source)}`, () => {
      assertTemplateError(source, message);
    });
  }
});
