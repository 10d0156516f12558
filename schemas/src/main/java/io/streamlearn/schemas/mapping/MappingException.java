package io.streamlearn.schemas.mapping;

/**
 * A decoded record that cannot be mapped to an event or label. {@link #reason()} is the dead letter's
 * reason word, {@link #path()} the field path (or {@code record-key}, {@code record-timestamp}) it is
 * about, and {@link #getMessage()} the human-readable detail, which starts with the path.
 *
 * <p>Reasons: {@value #UNMAPPED_KEY}, {@value #UNMAPPED_TIMESTAMP}, {@value #BAD_LABEL}, {@value #UNMAPPED_ID},
 * {@value #BAD_FEATURE}.
 *
 * <p>No stack trace is filled: it is an expected outcome on the dead-letter path.
 */
public final class MappingException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The key path (or the record key) is absent, null, or not a string/number. */
    public static final String UNMAPPED_KEY = "unmapped-key";
    /** The timestamp path (or the record timestamp) is absent, null, or not a time. */
    public static final String UNMAPPED_TIMESTAMP = "unmapped-timestamp";
    /**
     * The label is not a number, a boolean or (with {@code label.positive}) a text; or a label record has
     * no label.
     */
    public static final String BAD_LABEL = "bad-label";
    /** The id path holds an object, array or boolean. */
    public static final String UNMAPPED_ID = "unmapped-id";
    /** A feature path named in {@code features} holds an array. */
    public static final String BAD_FEATURE = "bad-feature";

    private final String reason;
    private final String path;

    /**
     * @param reason one of the reason words above; not null
     * @param path   the field path; not null
     * @param detail what is wrong with it; not null
     */
    public MappingException(String reason, String path, String detail) {
        super(path + ": " + detail, null, false, false);
        this.reason = reason;
        this.path = path;
    }

    /** @return the dead letter's reason word, e.g. {@code unmapped-key} */
    public String reason() {
        return reason;
    }

    /** @return the field path the failure is about, e.g. {@code user.id} or {@code record-key} */
    public String path() {
        return path;
    }

    @Override
    public String toString() {
        return "MappingException[" + reason + "]: " + getMessage();
    }
}
