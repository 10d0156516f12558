package io.streamlearn.streams.backtest;

import java.io.IOException;
import java.io.Reader;

/**
 * Lines of a character stream, as {@link java.io.BufferedReader#readLine()} splits them ({@code \n},
 * {@code \r} or {@code \r\n} ends a line; a last line without one counts), but without a {@code String}
 * per line: after {@link #next()} the line is {@code chars()[start(), end())}, valid until the next call.
 * The buffer grows to hold the longest line. Not thread-safe.
 */
final class LineBuffer {
    private final Reader in;
    private char[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    private boolean skipLf;
    private int start;
    private int end;

    LineBuffer(Reader in, int size) {
        this.in = in;
        this.buf = new char[size];
    }

    /** Reads the next line; false at the end of the input. */
    boolean next() throws IOException {
        if (skipLf) {
            if (pos == limit) {
                fill();
            }
            if (pos < limit && buf[pos] == '\n') {
                pos++;
            }
            skipLf = false;
        }
        int scanned = 0;
        while (true) {
            char[] b = buf;
            for (int i = pos + scanned, n = limit; i < n; i++) {
                char c = b[i];
                if (c == '\n' || c == '\r') {
                    start = pos;
                    end = i;
                    pos = i + 1;
                    skipLf = c == '\r';
                    return true;
                }
            }
            scanned = limit - pos;
            if (eof || !fill()) {
                if (pos < limit) {
                    start = pos;
                    end = limit;
                    pos = limit;
                    return true;
                }
                return false;
            }
        }
    }

    /** Reads more characters after the unread ones (moved to the front, the buffer grown if full); false at the end. */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        } else if (limit == buf.length) {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        }
        int n;
        do {
            n = in.read(buf, limit, buf.length - limit);
        } while (n == 0);
        if (n < 0) {
            eof = true;
            return false;
        }
        limit += n;
        return true;
    }

    char[] chars() {
        return buf;
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    /** The current line as a string (allocates; for headers, errors and rare paths). */
    String line() {
        return new String(buf, start, end - start);
    }

    void close() throws IOException {
        in.close();
    }
}
