// A stack is a list of parts, each one component wired to the others. A stack construct builds
// every part into itself; an app that wants another layout (the fleet app writes one file per
// component) builds each part into a scope of its own.
import type { Construct } from 'constructs';

/** One component of a stack, ready to be built. */
export interface StackPart<Id extends string = string> {
  /** The component's name in the stack; also its construct id. */
  readonly id: Id;
  /** Builds the component into `scope`. */
  build(scope: Construct): Construct;
}

export function part<Id extends string>(id: Id, build: (scope: Construct, id: Id) => Construct): StackPart<Id> {
  return { id, build: (scope) => build(scope, id) };
}

/** A component the stack may leave out. */
export interface Toggle {
  /** @default true */
  readonly enabled?: boolean;
}

export function enabled(toggle: Toggle | undefined): boolean {
  return toggle?.enabled ?? true;
}
