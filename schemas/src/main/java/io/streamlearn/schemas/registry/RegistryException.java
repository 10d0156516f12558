package io.streamlearn.schemas.registry;

/**
 * The Schema Registry refused a request for a reason that retrying will not fix: a schema it rejects
 * as invalid ({@code 422}) or incompatible with the subject ({@code 409}), or an answer that is not the
 * documented JSON. Not thrown for an unknown schema id (that is the dead-letter reason
 * {@code unknown-schema}) nor for an unreachable registry ({@link RegistryUnavailableException}).
 */
public class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was asked and what the registry answered; not null
     * @param cause   the underlying failure; may be null
     */
    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
