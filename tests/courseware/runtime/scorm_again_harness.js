// Drive scorm-again (node_modules) as the player does: load the server's state, run the SCO's
// calls, then print what the runtime commits and what the SCO read back.
// stdin: {"standard", "cmi", "calls": [["SetValue"|"GetValue", element, value?], ...], "root"}
const fs = require("fs");
const vm = require("vm");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
globalThis.window = globalThis;
globalThis.document = { addEventListener() {}, removeEventListener() {} };
const scorm12 = input.standard === "scorm12";
const file = `${input.root}/node_modules/scorm-again/dist/${scorm12 ? "scorm12" : "scorm2004"}.js`;
vm.runInThisContext(fs.readFileSync(file, "utf8").replace(/^this\./, "globalThis."));
const Api = scorm12 ? globalThis.Scorm12API : globalThis.Scorm2004API;
const api = new Api({ logLevel: 5, autocommit: false, dataCommitFormat: "json" });
api.loadFromJSON(input.cmi, "");
const call = (name) => (scorm12 ? `LMS${name}` : name);
api[call("Initialize")]("");
const read = {};
const errors = [];
for (const [kind, element, value] of input.calls) {
  if (kind === "SetValue") {
    api[call("SetValue")](element, value);
  } else {
    read[element] = api[call("GetValue")](element);
  }
  const code = String(api[call("GetLastError")]());
  if (code !== "0") errors.push([element, code]);
}
process.stdout.write(JSON.stringify({ commit: api.renderCommitCMI(true), read, errors }));
