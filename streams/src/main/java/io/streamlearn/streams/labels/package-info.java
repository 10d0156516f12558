/**
 * Step 4 of the route of an event: learning from a late label.
 * {@link io.streamlearn.streams.labels.PendingLabels} keeps each unlabelled event (features and the
 * predictions published for it) in the task's pending store until its label arrives or the horizon
 * passes. May use: nothing else in {@code streams}.
 */
package io.streamlearn.streams.labels;
