/**
 * Online evaluation metrics, updated one (prediction, label) pair at a time: {@link
 * io.streamlearn.learn.metrics.PointwiseMetric} (MSE, MAE, log loss, accuracy), {@link
 * io.streamlearn.learn.metrics.RollingMetric} (the same over a fixed window), {@link
 * io.streamlearn.learn.metrics.RSquared} and {@link io.streamlearn.learn.metrics.Auc}. JDK only.
 */
package io.streamlearn.learn.metrics;
