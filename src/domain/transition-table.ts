import { IllegalTransitionError, type TransitionEntity } from './errors.ts';

/** For each state, the states it may move to. Written once per entity; everything else derives from it. */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export interface TransitionRules<S extends string> {
  can(from: S, to: S): boolean;
  assert(from: S, to: S): void;
  /** Every state from which `to` can be reached in one step (for SQL guards `WHERE state = ANY($1)`). */
  predecessors(to: S): S[];
}

export function transitionRules<S extends string>(entity: TransitionEntity, states: readonly S[], table: TransitionTable<S>): TransitionRules<S> {
  const can = (from: S, to: S): boolean => table[from]?.includes(to) ?? false;
  return {
    can,
    assert(from, to) {
      if (!can(from, to)) throw new IllegalTransitionError(entity, from, to);
    },
    predecessors: (to) => states.filter((from) => can(from, to)),
  };
}
