/**
 * The demo ({@link io.streamlearn.streams.demo.Demo}) and the synthetic data it and the tests use:
 * {@link io.streamlearn.streams.demo.SyntheticEvents} (per-key linear events with known weights) and
 * {@link io.streamlearn.streams.demo.BadRecords} (records that must become dead letters).
 */
package io.streamlearn.streams.demo;
