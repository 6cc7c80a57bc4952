import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { IMAGE_RULES } from '../../src/domain/media-rules.ts';
import { NETWORK_LABELS } from '../../src/domain/networks.ts';
import { VIDEO_RULES } from '../../src/domain/video-rules.ts';

/** docs/networks.md's image table says what src/domain/media-rules.ts checks. */
describe('the image limits table', () => {
  it("has each network's count and largest image as the rules have them", async () => {
    const doc = await readFile('docs/networks.md', 'utf8');
    const section = /^## Image limits\n([\s\S]*?)(?=^## )/m.exec(doc)?.[1] ?? '';
    for (const rules of Object.values(IMAGE_RULES)) {
      const label = rules.network === 'facebook' ? 'Facebook Pages' : NETWORK_LABELS[rules.network];
      const row = section.split('\n').find((l) => l.startsWith(`| ${label} |`));
      expect(row, label).toBeDefined();
      const cells = row!.split(' | ');
      expect(cells[1], `${label} images per post`).toContain(String(rules.maxImages));
      expect(cells[3], `${label} largest image`).toContain(rules.maxBytesText);
    }
  });
});

/** docs/networks.md's video table says what src/domain/video-rules.ts checks. */
describe('the video limits table', () => {
  it("has each network's largest video as the rules have it", async () => {
    const doc = await readFile('docs/networks.md', 'utf8');
    const section = /^## Video limits\n([\s\S]*?)(?=^## )/m.exec(doc)?.[1] ?? '';
    for (const rules of Object.values(VIDEO_RULES)) {
      const label = rules.label === 'Facebook' ? 'Facebook Pages' : rules.label;
      const row = section.split('\n').find((l) => l.startsWith(`| ${label} |`));
      expect(row, label).toBeDefined();
      expect(row!.split(' | ')[3], `${label} largest video`).toContain(rules.maxBytesText);
    }
  });
});
