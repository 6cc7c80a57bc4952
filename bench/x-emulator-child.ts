import { startXEmulator } from '../emulators/x.ts';

/**
 * The X emulator in a process of its own (bench/video-lateness.ts): parsing ten videos' 4 MiB segments
 * must not hold up the event loop of the Mastodon emulator that times the other deliveries. Asked over
 * IPC for tokens and for how many posts it holds.
 */
const emu = await startXEmulator({ latencyMs: Number(process.argv[2] ?? 0) });
process.on('message', (message: { kind: string }) => {
  // The emulator keeps every segment: an upload is forgotten once X holds its post (only counts are asked).
  for (const [id, upload] of emu.video.uploads) if (upload.state === 'succeeded') emu.video.uploads.delete(id);
  if (message.kind === 'token') process.send!({ kind: 'token', token: emu.issueToken() });
  if (message.kind === 'posts') process.send!({ kind: 'posts', posts: emu.posts.length });
  if (message.kind === 'stop') void emu.stop().then(() => process.exit(0));
});
process.send!({ kind: 'ready', url: emu.url });
