package io.streamlearn.streams.backtest;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads an {@link EventSource} on its own thread, in batches, while the caller scores the events read
 * before: parsing and scoring overlap on two cores. The caller sees exactly the sequence of events, bad
 * rows ({@link BadRowException}) and errors that reading the source directly gives, in the same order;
 * only {@link #position()} lags by up to one batch. Batches are recycled: after warm-up, reading ahead
 * allocates nothing beyond what the source does. At most {@code limit} rows are read.
 *
 * <p>{@link #close()} stops the reading thread; it does not close the source (its owner does).
 */
final class ReadAhead implements EventSource {

    static final int BATCH = 1024;
    private static final int IN_FLIGHT = 4;

    private static final class Batch {
        final BacktestEvent[] events = new BacktestEvent[BATCH];
        final BadRowException[] bad = new BadRowException[BATCH];
        int count;
        long position;
        /** Set on the last batch: the end of the input, or what reading threw. */
        boolean last;
        Throwable error;

        Batch() {
            for (int i = 0; i < BATCH; i++) {
                events[i] = new BacktestEvent();
            }
        }
    }

    private final EventSource source;
    private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
    private final Thread thread;
    private volatile boolean stopped;
    private Batch current;
    private int index;
    private long position;
    private boolean ended;

    ReadAhead(EventSource source, long limit) {
        this.source = source;
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.add(new Batch());
        }
        this.thread = new Thread(() -> read(limit), "backtest-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void read(long limit) {
        long rows = 0;
        try {
            while (!stopped) {
                Batch b = take(free);
                if (b == null) {
                    return;
                }
                b.count = 0;
                b.last = false;
                b.error = null;
                try {
                    while (b.count < BATCH && rows < limit) {
                        int i = b.count;
                        b.bad[i] = null;
                        try {
                            if (!source.next(b.events[i])) {
                                b.last = true;
                                break;
                            }
                        } catch (BadRowException bad) {
                            b.bad[i] = bad;
                        }
                        b.count++;
                        rows++;
                    }
                    if (rows >= limit) {
                        b.last = true;
                    }
                } catch (IOException | RuntimeException | Error e) {
                    b.error = e;
                    b.last = true;
                }
                b.position = source.position();
                if (!put(b) || b.last) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Batch take(BlockingQueue<Batch> q) throws InterruptedException {
        while (!stopped) {
            Batch b = q.poll(100, TimeUnit.MILLISECONDS);
            if (b != null) {
                return b;
            }
        }
        return null;
    }

    private boolean put(Batch b) throws InterruptedException {
        while (!stopped) {
            if (full.offer(b, 100, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<String> featureNames() {
        return source.featureNames();
    }

    @Override
    public boolean next(BacktestEvent into) throws IOException, BadRowException {
        while (current == null || index == current.count) {
            if (current != null) {
                Batch done = current;
                current = null;
                if (done.last) {
                    ended = true;
                    rethrow(done.error);
                } else {
                    free.add(done);
                }
            }
            if (ended) {
                return false;
            }
            try {
                current = full.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the input");
            }
            index = 0;
            position = current.position;
        }
        int i = index++;
        if (current.bad[i] != null) {
            throw current.bad[i];
        }
        into.swap(current.events[i]);
        return true;
    }

    private static void rethrow(Throwable error) throws IOException {
        if (error == null) {
            return;
        }
        if (error instanceof IOException io) {
            throw io;
        }
        if (error instanceof RuntimeException r) {
            throw r;
        }
        if (error instanceof Error e) {
            throw e;
        }
        throw new UncheckedIOException(new IOException(error));
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long size() {
        return source.size();
    }

    /** Stops and waits for the reading thread; the source stays open. */
    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
