// Drives Digibot through the Microsoft 365 Agents Playground in headless
// Chromium: install, a Swedish question, a card button. Exits non-zero when
// an expected reply does not appear. Usage: node e2e.js <playground URL> <out dir>
const { chromium } = require('playwright-core');

const url = process.argv[2] || 'http://localhost:56150';
const out = process.argv[3] || '.';
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

async function expectText(page, text, what) {
  try {
    await page.getByText(text).last().waitFor({ timeout: 15000 });
    console.log(`ok   ${what}`);
  } catch (e) {
    await page.screenshot({ path: `${out}/playground-failed.png` });
    throw new Error(`${what}: ${text} did not appear`);
  }
}

async function say(page, text) {
  const box = page.locator('[contenteditable="true"], textarea, input[type="text"]').first();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

(async () => {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url, { waitUntil: 'networkidle' });
    // The Playground's user has an English locale: Digibot's own texts come
    // in English, answers follow the language of the question.
    await expectText(page, /Jag är Digibot|I'm Digibot/, 'welcome card on install');

    await say(page, 'vem ansvarar för systemägarrådet?');
    await expectText(page, 'A04', 'answer card for a Swedish question');
    await expectText(page, 'IT-förvaltningen', 'responsible department in the answer');

    await page.getByRole('button', { name: /Läs mer|Read more/ }).last().click();
    await expectText(page, /Källa|Source/, 'full article after "Läs mer"');

    await say(page, 'hjälp');
    await expectText(page, 'Kommandon', 'help card in Swedish for "hjälp"');
    await page.screenshot({ path: `${out}/playground.png` });
    console.log(`screenshot: ${out}/playground.png`);
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error('FAIL', e.message); process.exit(1); });
