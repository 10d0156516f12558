/**
 * The {@code streamlearn} command ({@link io.streamlearn.streams.cli.StreamlearnCommand}): {@code run}
 * (the topology, with or without an external broker), {@code demo}, {@code broker} and
 * {@code backtest}. {@code ./streamlearn} at the repository root runs it from the shaded jar.
 */
package io.streamlearn.streams.cli;
