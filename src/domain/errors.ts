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
