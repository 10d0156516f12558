/**
 * File backtests: {@link io.streamlearn.streams.backtest.Backtest} drives the live topology's
 * {@link io.streamlearn.streams.score.ScoringStep} from a file ({@link
 * io.streamlearn.streams.backtest.EventSources#open}: CSV, JSON lines or Avro) over an in-memory store,
 * prequentially, beside the {@code mean} and {@code last} baselines; {@link
 * io.streamlearn.streams.backtest.MetricsTable} prints the result and {@link
 * io.streamlearn.streams.backtest.HtmlReport} draws it. The command is {@code streamlearn backtest}.
 */
package io.streamlearn.streams.backtest;
