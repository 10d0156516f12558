/**
 * Step 2 of the route of an event: from a decoded record to the event the scoring step reads. Today
 * that is the entity key (the record key, checked against the key in the value); the field mapping of
 * existing topics (issue #11) belongs here too. Pure functions, no Kafka state. May use: nothing else in
 * {@code streams}.
 */
package io.streamlearn.streams.map;
