/**
 * Beside the route: the life of a task's keys. {@link io.streamlearn.streams.housekeeping.KeyLifecycle}
 * records when each key was last seen, evicts idle keys (TTL), forgets a key on request and guards the
 * number of keys. May use: {@code labels}.
 */
package io.streamlearn.streams.housekeeping;
