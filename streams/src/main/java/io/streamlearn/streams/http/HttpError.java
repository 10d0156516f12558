package io.streamlearn.streams.http;

/** A request that gets a 4xx (or 5xx) JSON answer {@code {"error": ..., "status": ...}}; no stack trace. */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
