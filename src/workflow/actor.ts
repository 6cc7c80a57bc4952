/** Who clicked: resolved by the chat edge from the request, rights checked by the workflow. */
export interface Actor {
  workspaceId: string;
  userId: string;
}

/**
 * The server's operator, acting through the `greenlight` CLI run on the server: no chat rights apply
 * (whoever can run it holds the database and the keys), and the event log records `cli:<os user>`.
 */
export interface Operator {
  id: `cli:${string}`;
}

export const cliOperator = (osUser: string): Operator => ({ id: `cli:${osUser}` });
export const isOperatorId = (actorId: string): boolean => actorId.startsWith('cli:');
