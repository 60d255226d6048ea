// Drives the labeling page in headless Chromium as a person would: opens
// `<url>/projects/<project>/label`, answers the API-key prompt, waits for the task's image to be
// shown, chooses the label `<choice>` and submits. Prints one JSON line: the image's natural width
// and the page's status text. Run by tests/api/label_page.rs with NODE_PATH holding playwright-core.
// Usage: node label_page.js URL API_KEY PROJECT CHOICE CHROMIUM
const { chromium } = require('playwright-core');

const [url, key, project, choice, executablePath] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (dialog) => dialog.accept(key));
    await page.goto(`${url}/projects/${project}/label`);
    // The task's image: the editor's <img> with a source, loaded.
    const width = await page.waitForFunction(() => {
      const img = [...document.querySelectorAll('img')].find((i) => i.src && i.complete && i.naturalWidth > 0);
      return img && img.naturalWidth;
    }, null, { timeout: 60000 });
    const naturalWidth = await width.jsonValue();
    await page.locator(`input[name="${choice}"]`).click();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForFunction(() => /every task is labeled/.test(document.getElementById('message').textContent), null, { timeout: 60000 });
    const message = await page.locator('#message').textContent();
    console.log(JSON.stringify({ naturalWidth, message, errors }));
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
