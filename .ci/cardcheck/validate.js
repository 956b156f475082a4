#!/usr/bin/env node
// validate.js — checks Adaptive Card JSON files with the official Adaptive
// Cards parser (npm "adaptivecards", pinned in package.json).
//
//   node validate.js card1.json card2.json …
//
// Each file holds one card: the AdaptiveCard object itself, or a Bot
// Framework attachment {"contentType": "application/vnd.microsoft.card.adaptive",
// "content": {…}}. Every file is parsed with AdaptiveCard.parse and a
// SerializationContext targeting schema 1.5 (what Teams renders), then
// validated with validateProperties(). Every parse or validation event
// other than a hint is an error: the script lists them all and exits 1.
// Exit 2 means the script itself could not run (no files, unreadable file).
"use strict";

const fs = require("fs");
const path = require("path");

// The package's "main" is an ES module build that Node cannot load as is;
// the UMD bundle in dist/ is the same code the browser renderer uses.
const AC = require(path.join(__dirname, "node_modules", "adaptivecards", "dist", "adaptivecards.js"));

const TARGET_VERSION = "1.5";
const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

function describe(source) {
  if (!source) return "";
  const type = typeof source.getJsonTypeName === "function" ? source.getJsonTypeName() : "";
  const id = source.id ? `#${source.id}` : "";
  return type || id ? ` (at ${type}${id})` : "";
}

function eventName(e) {
  return AC.ValidationEvent[e] || String(e);
}

function phaseName(p) {
  return AC.ValidationPhase[p] || String(p);
}

// checkCard returns the problems of one card JSON value.
function checkCard(json) {
  const problems = [];
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return ["not a JSON object"];
  }
  if (json.contentType !== undefined || json.content !== undefined) {
    if (json.contentType !== ADAPTIVE_CARD) {
      return [`attachment contentType is ${JSON.stringify(json.contentType)}, not ${ADAPTIVE_CARD}`];
    }
    json = json.content;
    if (json === null || typeof json !== "object") return ["attachment has no card content"];
  }
  if (json.type !== "AdaptiveCard") {
    problems.push(`root type is ${JSON.stringify(json.type)}, not "AdaptiveCard"`);
  }
  if (json.version !== TARGET_VERSION) {
    problems.push(`version is ${JSON.stringify(json.version)}; Digibot sends ${TARGET_VERSION} (what Teams renders)`);
  }
  const context = new AC.SerializationContext(AC.Version.parse(TARGET_VERSION, new AC.SerializationContext()));
  const card = new AC.AdaptiveCard();
  try {
    card.parse(json, context);
  } catch (err) {
    problems.push(`parser threw: ${err && err.message ? err.message : err}`);
    return problems;
  }
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    if (e.event === AC.ValidationEvent.Hint) continue;
    problems.push(`[${phaseName(e.phase)}] ${eventName(e.event)}: ${e.message}${describe(e.source)}`);
  }
  const results = card.validateProperties();
  for (const e of results.validationEvents) {
    if (e.event === AC.ValidationEvent.Hint) continue;
    problems.push(`[${phaseName(e.phase)}] ${eventName(e.event)}: ${e.message}${describe(e.source)}`);
  }
  return problems;
}

function main(argv) {
  if (argv.length === 0) {
    console.error("usage: node validate.js card.json [card.json …]");
    return 2;
  }
  let failed = 0;
  let checked = 0;
  for (const file of argv) {
    let json;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      console.error(`${file}: cannot read JSON: ${err.message}`);
      return 2;
    }
    checked++;
    const problems = checkCard(json);
    if (problems.length > 0) {
      failed++;
      console.log(`FAIL ${file}`);
      for (const p of problems) console.log(`  ${p}`);
    } else {
      console.log(`ok   ${file}`);
    }
  }
  const version = require(path.join(__dirname, "node_modules", "adaptivecards", "package.json")).version;
  console.log(`cardcheck (adaptivecards ${version}): ${checked} cards checked, ${failed} with errors`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

module.exports = { checkCard };
