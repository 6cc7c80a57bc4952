// `npm run check:layers`: imports point one way, down the floors below, and no file imports itself back
// through others. The floors, top to bottom (a file may import its own floor and any floor under it):
//   service       src/service/, src/main.ts            start the service, wire Greenlight
//   edges         src/chat/, src/oauth/, src/cli/       Slack and Discord, the OAuth routes, the operator CLI
//   workflow      src/workflow/                         one workflow for both chats
//   networks/http src/networks/, src/http/, src/media/  one adapter per network; the HTTP server; image probing
//   queue         src/queue/
//   db            src/db/, src/config/                  every query; the settings, checked once
//   crypto        src/crypto/
//   domain        src/domain/, src/log.ts, src/metrics.ts  pure rules; logging and metrics
const FLOORS = [
  ['domain', '^src/(domain/|log\\.ts$|metrics\\.ts$)'],
  ['crypto', '^src/crypto/'],
  ['db', '^src/(db|config)/'],
  ['queue', '^src/queue/'],
  ['networks', '^src/(networks|http|media)/'],
  ['workflow', '^src/workflow/'],
  ['edges', '^src/(chat|oauth|cli)/'],
  ['service', '^src/(service/|main\\.ts$)'],
];

const upward = FLOORS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} is below ${FLOORS.slice(i + 1)
    .map(([n]) => n)
    .join(', ')}: it may not import them`,
  severity: 'error',
  from: { path },
  to: {
    path: FLOORS.slice(i + 1)
      .map(([, p]) => `(${p})`)
      .join('|'),
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'A circle of imports: give the shared type a leaf file both sides import',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'queries-only-in-db',
      comment: 'Every query lives in src/db/ (one use per function); the rest of src/ calls those functions',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/' },
      to: { path: 'node_modules/kysely/' },
    },
    {
      name: 'src-not-from-tests',
      comment: 'The service never imports tests, the emulators, the bench or the demo',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|emulators|bench)/' },
    },
    {
      name: 'every-src-file-placed',
      comment: 'Each file of src/ lies on one floor (add a new folder to FLOORS in .dependency-cruiser.cjs)',
      severity: 'error',
      from: { path: '^src/', pathNot: FLOORS.map(([, p]) => `(${p})`).join('|') },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    // TypeScript 7's compiler API is not one dependency-cruiser reads; it parses with swc instead.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
