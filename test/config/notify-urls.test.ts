import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { FIXTURES, testContext } from './context.js';
import { INLINE, lines, problemsOf, where } from './problems.js';

const TASKS = ['tasks:', '  t_update_tickers: {freq: 5}'];

/** A config whose webhook (line 5) posts to `url`. */
function withWebhook(url: string): string {
  return lines(...TASKS, 'notify:', '  webhook:', `    url: ${JSON.stringify(url)}`, '    headers: {x-misso: "1"}');
}

describe('notify URLs that can never deliver', () => {
  it.each(['file:///etc/passwd', 'ftp://files.example.org/hook', 'mailto:ops@example.org'])('refuses the scheme of %s at its line', async (url) => {
    const problems = await problemsOf(withWebhook(url));
    expect(where(problems)).toEqual(['5:10 notify.webhook.url']);
    const scheme = url.slice(0, url.indexOf(':') + 1);
    expect(problems[0]).toMatchObject({ message: `a \`${scheme}\` URL can never deliver: misso posts over http(s) only`, hint: 'give an `https://` (or `http://`) URL' });
  });

  it('refuses credentials in the URL, pointing to the headers', async () => {
    const problems = await problemsOf(withWebhook('http://user:pass@hooks.example.org/hook'));
    expect(where(problems)).toEqual(['5:10 notify.webhook.url']);
    expect(problems[0]?.message).toBe('a URL with a user name or password (`user:pass@host`) can never deliver: fetch refuses credentials in a URL');
    expect(problems[0]?.hint).toMatch(/^remove `user:pass@` from the URL; put them in `notify\.webhook\.headers` instead, e\.g\. `authorization: "Bearer \$\{HOOK_TOKEN\}"`/);
  });

  it('checks a ${VAR} URL after substitution, at the placeholder, without printing it', async () => {
    const secret = 'hunter2-s3cret';
    const text = lines(...TASKS, 'notify:', '  webhook: {url: "${HOOK_URL}"}', '  telegram:', '    token: "${TG}"', '    chat_id: 1', '    api_url: "${TG_API}"');
    const env = { HOOK_URL: `https://ops:${secret}@hooks.example.org/misso`, TG: '1:abc', TG_API: `http://proxy:${secret}@127.0.0.1:8081` };
    const error = await loadConfigText(text, INLINE, testContext({ env }), { baseDir: FIXTURES }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = [...(error as ConfigError).problems];
    expect(where(problems)).toEqual(['4:18 notify.webhook.url', '8:14 notify.telegram.api_url']);
    expect(problems[1]?.hint).toContain('the bot token goes in `notify.telegram.token`');
    expect((error as Error).message).not.toContain(secret);
    expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('accepts http(s) URLs without credentials, from a ${VAR} too', async () => {
    for (const url of ['https://hooks.example.org/misso?key=abc', 'http://127.0.0.1:8080/hook']) {
      const cfg = await loadConfigText(withWebhook(url), INLINE, testContext(), { baseDir: FIXTURES });
      expect(cfg.notify.webhook?.url).toBe(url);
    }
    const text = lines(...TASKS, 'notify:', '  webhook: {url: "${HOOK_URL}"}');
    const cfg = await loadConfigText(text, INLINE, testContext({ env: { HOOK_URL: 'https://hooks.example.org/x' } }), { baseDir: FIXTURES });
    expect(cfg.notify.webhook?.url).toBe('https://hooks.example.org/x');
  });
});
