package io.streamlearn.streams.score;

import java.time.Duration;
import java.time.Instant;

/**
 * The guard against record times far in the future ({@code streamlearn.max-future}), shared by the
 * live topology (events and labels) and the backtest, so both refuse the same records. A task's
 * event-time clock is the largest event or label time it has processed and never goes back: one record
 * dated years ahead would move it there for good, so every pending event would pass the label horizon
 * (its label then dead-lettered as expired) and, with a key TTL, every key would look idle and be
 * evicted. Kafka 4's brokers refuse record timestamps more than {@code log.message.timestamp.after.max.ms}
 * (1 h by default) ahead of their clock, but not a time carried inside the value, which is where
 * Streamlearn reads it. Stateless.
 *
 * <pre>{@code
 * String why = FutureTimes.refusal(event.getTs(), context.currentSystemTimeMs(), Duration.ofHours(1));
 * if (why != null) { ... dead letter with reason FutureTimes.REASON ... }
 * }</pre>
 */
public final class FutureTimes {

    /** The dead-letter reason. */
    public static final String REASON = "future-timestamp";

    private FutureTimes() {
    }

    /**
     * Why a record of time {@code time} is refused at wall-clock time {@code now}: null when it is at
     * most {@code maxFuture} ahead, or when {@code maxFuture} is zero (no limit); else a one-line detail.
     */
    public static String refusal(long time, long now, Duration maxFuture) {
        long limit = maxFuture.toMillis();
        if (limit <= 0 || time <= now || time - now <= limit) {
            return null;
        }
        return "time " + Instant.ofEpochMilli(time) + " is " + Duration.ofMillis(time - now) + " ahead of this clock ("
                + Instant.ofEpochMilli(now) + "), more than streamlearn.max-future=" + maxFuture
                + ": it would move the task's event-time clock into the future";
    }
}
