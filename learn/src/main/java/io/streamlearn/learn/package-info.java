/**
 * Learners, JDK only. Entry point: {@link io.streamlearn.learn.registry.Learners#create(String, int)} turns a
 * model SPEC into a {@link io.streamlearn.learn.Learner}; per-key state is a
 * {@link io.streamlearn.learn.ModelState}. This package knows nothing of Kafka, Avro or bytes.
 */
package io.streamlearn.learn;
