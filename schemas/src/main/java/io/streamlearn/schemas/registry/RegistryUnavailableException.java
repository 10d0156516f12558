package io.streamlearn.schemas.registry;

/**
 * No Schema Registry URL answered within the retry budget ({@link RegistryConfig#maxWait()}): connection
 * refused or timed out, a 5xx answer, 408, 429, or 401/403 (wrong credentials are retried too, because
 * dead-lettering every record while someone fixes {@code basic.auth.user.info} would lose them all).
 *
 * <p>This is never a reason to dead-letter a record: the caller must not skip the record it was
 * decoding. In the Streamlearn topology the exception escapes the processor, the stream thread is
 * replaced and the record is read again from the last committed offset.
 */
public final class RegistryUnavailableException extends RegistryException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was asked, of which URLs, for how long; not null
     * @param cause   the last failure; may be null
     */
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether a failure, or one of its causes, is a registry outage: error handlers must never skip the record
     * for it.
     *
     * @param t a failure; may be null
     * @return true when {@code t} or a cause of it is a {@code RegistryUnavailableException}
     */
    public static boolean isCauseOf(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < 32; c = c.getCause(), depth++) {
            if (c instanceof RegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
