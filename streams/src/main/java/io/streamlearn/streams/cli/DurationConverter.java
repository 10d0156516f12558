package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** Reads every duration option in the syntax of {@link Durations} ({@value Durations#EXAMPLES}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse("duration", value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (" + Durations.EXAMPLES + ")");
        }
    }
}
