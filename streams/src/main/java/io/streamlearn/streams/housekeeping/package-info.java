/**
 * Beside the route: the life of a task's keys. {@link io.streamlearn.streams.housekeeping.KeyLifecycle}
 * records when each key was last seen, evicts idle keys (TTL), forgets a key on request and guards the
 * number of keys; a forgotten or evicted key's contribution leaves its task's population prior.
 * May use: {@code control}, {@code labels}, {@code metrics}, {@code score}.
 */
package io.streamlearn.streams.housekeeping;
