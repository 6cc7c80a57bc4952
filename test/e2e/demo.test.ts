import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_IMAGE, demoImage } from '../demo/demo-image.ts';
import { pictureProblems } from '../demo/picture/picture-check.ts';

/** `npm run demo` is also an end-to-end test: the whole scenario, through the real Bolt and discord.js. */
describe('npm run demo', () => {
  it('plays the scenario, prints the transcript, and exits 0 with every delivery arriving once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-demo-picture-'));
    const picture = path.join(dir, 'card.svg');
    const child = spawn(process.execPath, ['test/demo/run.ts', '--picture', picture], {
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = await once(child, 'exit');
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const expected of [
      // The company page comes through the flow: sign-in, the picker, the organization ticked (issue 16).
      'offers: Test Member (your own profile); Greenlight (company page) (organization page)',
      'ticks Greenlight (company page), Connect → Connected LinkedIn as Greenlight (company page)',
      'Only approvers can approve posts.',
      'requested changes',
      'Approved by @Marta.',
      'Published to Bluesky at',
      'Published to LinkedIn at',
      'X failed: Unauthorized. Reconnect X, then retry.',
      'Connected X as',
      'Published to X at',
      'Scheduled for',
      'Published to Mastodon at',
      'Demo finished in',
      'each network holds exactly the posts it was sent',
    ])
      expect(out).toContain(expected);
    // The summary lists each network's posts in publish order: the thread's parts 1, 2, 3 (Bluesky lists its
    // records by key, and Greenlight's keys are hashes, so its own order is a shuffle).
    // With each part's length, and the picture Ana attached: on the first part, its alt text arrived.
    const reached = out.slice(out.indexOf('What reached each network'));
    for (const network of ['x', 'bluesky']) {
      expect(reached).toMatch(
        new RegExp(
          `\\n {3}${network} +3 posts: 1 image with alt text\\n +· Greenlight 1\\.0 is out: draft in Slack[^\\n]*\\(81 chars, 1 image with alt text\\)\\n +· Every outcome lands[^\\n]*\\(68 chars\\)\\n +· Free to self-host[^\\n]*\\(46 chars\\)\\n`,
        ),
      );
    }
    expect(reached).toMatch(
      /\n {3}linkedin +1 post: 1 image with alt text\n +· Greenlight 1\.0 is out: the approval[^\n]*\(151 chars, 1 image with alt text\)\n/,
    );
    expect(reached).toMatch(/\n {3}mastodon +1 post: no images\n +· Community call[^\n]*\(81 chars\)\n/);
    expect(out).toContain('the picture once, with its alt text.');
    // Approval waited for the card to show the picture.
    expect(out).toMatch(/── Marta approves\n {3}#approvals card: +\[image 1\/1 · greenlight-1\.0\.png · 804×380\] alt text: “Green gradient banner/);
    // The Discord post is scheduled ahead, waits for its time, then goes out.
    await expectPictureOfTheThread(picture, out);
    await rm(dir, { recursive: true, force: true });
    expect(out).toMatch(
      /Cora \(Discord community manager\): \/post → compose form, publish at \d{4}-\d\d-\d\dT[\d:]+Z\n[\s\S]*thread in #approvals: +Scheduled for [\s\S]*waiting: +until [\s\S]*thread in #approvals: +Published to Mastodon at/,
    );
  }, 120_000);
});

/**
 * The picture (`--picture`) shows the card and every reply the transcript printed for its thread, as
 * the reader saw them (mentions as names), with the buttons of the failure receipt.
 */
async function expectPictureOfTheThread(file: string, transcript: string): Promise<void> {
  const replies = [...transcript.matchAll(/^ {3}card thread: +(.+)$/gm)].map((m) => m[1]!.replace(/ {2}(\[[^\]]+\] ?)+$/, ''));
  expect(replies.length).toBe(10);
  const svg = await readFile(file, 'utf8');
  // "10 replies": the picture holds exactly the thread the transcript printed, no reply left out.
  expect(
    await pictureProblems(svg, ['# approvals', 'Published · post by @Ana', '10 replies', 'Reconnect X', 'Retry X', `Alt text: ${DEMO_IMAGE.alt}`, ...replies], {
      images: 1,
    }),
  ).toEqual([]);
  // The picture embeds the very bytes Ana attached, fetched back from the card's signed link.
  expect(svg).toContain(`href="data:image/png;base64,${(await demoImage()).toString('base64')}"`);
}
