/**
 * Step 2 of the route of an event: from a decoded record to the event the scoring step reads. Today
 * that is the entity key (the record key, checked against the key in the value). The field mapping of
 * existing topics ({@code streamlearn.input.*}, {@code streamlearn.labels.*}) is
 * {@link io.streamlearn.schemas.mapping.FieldMapping} in {@code schemas}, so that the wire decoders, the
 * backtest sources and {@code POST /score} share it; the topology carries it in {@code TopologySettings}. Pure functions, no Kafka state. May use: nothing else in
 * {@code streams}.
 */
package io.streamlearn.streams.map;
