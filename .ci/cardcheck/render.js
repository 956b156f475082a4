#!/usr/bin/env node
// render.js — writes a self-contained HTML page that renders one Adaptive
// Card with the official JavaScript renderer (npm "adaptivecards"), for a
// screenshot in headless Chromium. The renderer is inlined from
// node_modules: the page loads nothing from the network.
//
//   node render.js card.json [width] > page.html
//
// The host config imitates Microsoft Teams' light theme. After rendering,
// the page writes the card's height into <body data-height>, so that a
// second run can size the window to the card (see screenshot.sh).
"use strict";

const fs = require("fs");
const path = require("path");

const [file, widthArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node render.js card.json [width] > page.html");
  process.exit(2);
}
const width = parseInt(widthArg || "560", 10);
let card = JSON.parse(fs.readFileSync(file, "utf8"));
if (card.contentType && card.content) card = card.content;
const lib = fs.readFileSync(path.join(__dirname, "node_modules", "adaptivecards", "dist", "adaptivecards.min.js"), "utf8");

// Teams-like colours: text, and tinted backgrounds for container styles.
const fg = (def, subtle) => ({ default: def, subtle: subtle });
const colors = {
  default: fg("#242424", "#616161"), dark: fg("#242424", "#616161"), light: fg("#FFFFFF", "#F5F5F5"),
  accent: fg("#4F52B2", "#6264A7"), good: fg("#237B4B", "#237B4B"), warning: fg("#835C00", "#835C00"),
  attention: fg("#C4314B", "#C4314B"),
};
const style = (bg) => ({ backgroundColor: bg, foregroundColors: colors });
const hostConfig = {
  fontFamily: "'Segoe UI', 'Liberation Sans', 'DejaVu Sans', 'Noto Color Emoji', sans-serif",
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: "#E0E0E0" },
  fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: style("#FFFFFF"), emphasis: style("#F0F0F0"), accent: style("#DCE0FA"),
    good: style("#D6EDD9"), attention: style("#F9D9DE"), warning: style("#FBEAB8"),
  },
  actions: { maxActions: 6, spacing: "default", buttonSpacing: 8, actionsOrientation: "horizontal", actionAlignment: "left" },
  factSet: {
    title: { weight: "bolder", size: "default", color: "default", wrap: true, maxWidth: 150 },
    value: { weight: "default", size: "default", color: "default", wrap: true },
    spacing: 8,
  },
};

const page = `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Adaptive Card</title>
<style>
  html, body { margin: 0; background: #F5F5F5; }
  #frame { width: ${width}px; margin: 16px; background: #FFFFFF; border: 1px solid #E0E0E0; border-radius: 6px; overflow: hidden;
           box-shadow: 0 1px 2px rgba(0,0,0,0.12); }
  .ac-pushButton { border: 1px solid #D1D1D1; border-radius: 4px; background: #FFFFFF; color: #242424; padding: 5px 12px;
                   font: 600 14px 'Segoe UI', 'Liberation Sans', sans-serif; }
</style></head>
<body><div id="frame"></div>
<script>${lib.replace(/<\/script/gi, "<\\/script")}</script>
<script>
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig(${JSON.stringify(hostConfig)});
  const context = new AdaptiveCards.SerializationContext();
  card.parse(${JSON.stringify(card).replace(/</g, "\\u003c")}, context);
  const el = card.render();
  document.getElementById("frame").appendChild(el);
  document.body.setAttribute("data-height", String(document.getElementById("frame").offsetHeight + 32));
  document.body.setAttribute("data-parse-events", String(context.eventCount));
</script>
</body></html>
`;
process.stdout.write(page);
