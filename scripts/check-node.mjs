// Runs under whatever `node` npm finds first. The project needs Node 24 (pg-boss, kysely, undici and
// vitest need 22+, and we run TypeScript directly, which needs 24's type stripping). The `node`
// dev dependency puts Node 24 at node_modules/.bin/node, which npm scripts use before the system one.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`Greenlight needs Node 24 or newer; npm scripts found Node ${process.versions.node} at ${process.execPath}.`);
  console.error('Run `npm install` (it installs Node 24 into node_modules/.bin as a dev dependency) or install Node 24.');
  process.exit(1);
}
