/** A typed fan-out of the contract's events to any number of subscribers (IPC, WebSockets, tests). */
import type { EventMap, EventName } from '../../shared/contract.js';

export type Listener<E extends EventName> = (data: EventMap[E]) => void;

export class EventHub {
  private listeners = new Map<EventName, Set<(data: never) => void>>();

  on<E extends EventName>(event: E, cb: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(cb as (data: never) => void);
    return () => set.delete(cb as (data: never) => void);
  }

  emit<E extends EventName>(event: E, data: EventMap[E]): void {
    for (const cb of this.listeners.get(event) ?? []) {
      try {
        (cb as Listener<E>)(data);
      } catch (err) {
        // One broken subscriber (a closed socket) must not stop the others.
        console.error(
          `event ${event}: subscriber failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
}
