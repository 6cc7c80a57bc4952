import type { FieldIssue } from './text-rules.ts';

/** Base of every error the domain core raises. `code` is stable: callers switch on it, never on the message. */
export class DomainError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
  }
}

export type TransitionEntity = 'post' | 'delivery';

export class IllegalTransitionError extends DomainError {
  readonly entity: TransitionEntity;
  readonly from: string;
  readonly to: string;

  constructor(entity: TransitionEntity, from: string, to: string) {
    super('illegal_transition', `A ${entity} cannot go from ${from} to ${to}.`);
    this.name = 'IllegalTransitionError';
    this.entity = entity;
    this.from = from;
    this.to = to;
  }
}

export class InvalidTimeZoneError extends DomainError {
  readonly zone: string;

  constructor(zone: string) {
    super('invalid_time_zone', `"${zone}" is not a time zone I know. Use an IANA name such as Europe/Berlin.`);
    this.name = 'InvalidTimeZoneError';
    this.zone = zone;
  }
}

/** Thrown by workflows that turn a refused `decideApproval`/`checkDecisionRights` into an exception. */
export class DecisionRefusedError extends DomainError {
  readonly reason: string;

  constructor(reason: string, message: string) {
    super('decision_refused', message);
    this.name = 'DecisionRefusedError';
    this.reason = reason;
  }
}

/** Thrown when content fails validation at a point where the caller cannot show field errors (just before publishing). */
export class ContentInvalidError extends DomainError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super('content_invalid', issues.map((issue) => issue.message).join(' '));
    this.name = 'ContentInvalidError';
    this.issues = issues;
  }
}
