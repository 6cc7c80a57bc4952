export const USAGE = `usage: greenlight <command> [options]

  migrate                                   apply pending database migrations
  accounts list [--workspace ID] [--status connected|needs_reconnect|disconnected] [--json]
  accounts check [ACCOUNT_ID] [--json]      try each account's token with the network (read-only)
  accounts disconnect ACCOUNT_ID [--yes]    stop publishing to an account; its queued posts wait
  posts list [--state STATE] [--since 7d] [--workspace ID] [--limit N] [--json]
  posts show POST_ID [--json]               the post, its deliveries and errors, its event timeline
  posts retry POST_ID                       retry its failed and needs_reconnect deliveries
  posts cancel POST_ID                      cancel it (until publishing starts)
  media list [--workspace ID] [--limit N] [--json]   files in the media store, with their posts' states
  media prune [--older-than 30d] [--dry-run] [--json]  remove media past retention (as the daily job does)
  keys generate [KEY_ID]                    print a new ENCRYPTION_KEYS entry
  keys rotate                               re-encrypt every stored secret under the primary key
  doctor [--offline] [--json]               check config, database, queue, chat tokens, account tokens, clock
  help                                      this text

The CLI works on the server's database: run it with the service's environment (DATABASE_URL,
ENCRYPTION_KEYS, ...). Without DATABASE_URL it uses the embedded database in GREENLIGHT_DATA_DIR.
--workspace takes a workspace id, Slack team id or Discord guild id. --since takes 30m, 12h, 7d, 2w or
an ISO date (posts changed since then).
Exit codes: 0 done, 1 a failure (a check failed, refused, not found), 2 a usage or configuration error.
See docs/operations.md.`;
