package io.streamlearn.schemas.wire;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.util.ClassSecurityValidator;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Avro single-object encoding through Avro's own {@link BinaryMessageEncoder} and {@link BinaryMessageDecoder}
 * (the generated classes' {@code getEncoder()} and {@code getDecoder()}). Besides error mapping, one guard
 * lives here: before decoding, the body is walked once with Avro's {@link GenericDatumReader#skip} over a
 * decoder bounded by the value's length, so that a corrupt length prefix (say, a 1.5 GB string declared
 * in a 15-byte record) is a {@code malformed-avro} dead letter rather than an {@link OutOfMemoryError}:
 * Avro's reader allocates a string's bytes before reading them, and its own limits default to 2 GB.
 */
final class AvroWire {

    /** One record type: its schema, fingerprint and Avro's single-object encoder and decoder. */
    static final class Type<T> {
        final String name;
        final Schema schema;
        final long fingerprint;
        final BinaryMessageEncoder<T> encoder;
        final BinaryMessageDecoder<T> decoder;
        /** Writer schemas this type reads, by fingerprint: the current one and earlier releases'. */
        final java.util.Map<Long, Schema> writers = new java.util.HashMap<>();

        /**
         * @param earlier schemas of earlier releases, which records of this type may have been written
         *                with (resolved to the current schema, new fields taking their defaults)
         */
        Type(String name, Schema schema, BinaryMessageEncoder<T> encoder, BinaryMessageDecoder<T> decoder,
             Schema... earlier) {
            this.name = name;
            this.schema = schema;
            this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            this.encoder = encoder;
            this.decoder = decoder;
            writers.put(fingerprint, schema);
            for (Schema e : earlier) {
                decoder.addSchema(e);
                writers.put(SchemaNormalization.parsingFingerprint64(e), e);
            }
        }
    }

    /** A schema of an earlier release, from {@code io/streamlearn/schemas/history/} on the class path. */
    static Schema history(String file) {
        try (java.io.InputStream in = AvroWire.class.getResourceAsStream("/io/streamlearn/schemas/history/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing schema resource " + file);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final Type<Event> EVENT = new Type<>("event", Event.getClassSchema(), Event.getEncoder(), Event.getDecoder());
    static final Type<Label> LABEL = new Type<>("label", Label.getClassSchema(), Label.getEncoder(), Label.getDecoder());
    static final Type<Prediction> PREDICTION =
            new Type<>("prediction", Prediction.getClassSchema(), Prediction.getEncoder(), Prediction.getDecoder(),
                    history("Prediction-1.avsc"));   // before the calibrated intervals (lower80 .. upper95)
    static final Type<DeadLetter> DEAD_LETTER =
            new Type<>("dead letter", DeadLetter.getClassSchema(), DeadLetter.getEncoder(), DeadLetter.getDecoder());

    private static final ThreadLocal<BinaryDecoder> BOUNDS_DECODER = new ThreadLocal<>();

    /** Length of the single-object header: 2 marker bytes and the 8-byte fingerprint. */
    static final int HEADER_LENGTH = 10;

    /** The package of the generated classes, which Avro must be told to trust. */
    static final String SCHEMAS_PACKAGE = "io.streamlearn.schemas";

    private static boolean trusted;

    private AvroWire() {
    }

    /**
     * Adds the generated classes' package to Avro's class-security allow list, keeping whatever was
     * trusted before (the JDK classes Avro trusts by default and the {@code org.apache.avro.SERIALIZABLE_PACKAGES}
     * system property). Avro 1.12 otherwise refuses to instantiate {@code io.streamlearn.schemas.Event} when
     * decoding. Idempotent.
     */
    static synchronized void trustSchemaClasses() {
        if (trusted) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.ClassSecurityPredicate schemas = AvroWire::isSchemaClass;
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous, schemas));
        trusted = true;
    }

    private static boolean isSchemaClass(Class<?> clazz) {
        String pkg = clazz.getPackageName();
        return pkg.equals(SCHEMAS_PACKAGE) || pkg.startsWith(SCHEMAS_PACKAGE + ".");
    }

    static <T> T decode(Type<T> type, byte[] value) throws MalformedRecordException {
        if (value.length < HEADER_LENGTH) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    type.name + ": truncated single-object header (" + value.length + " bytes)");
        }
        Schema writer = type.writers.get(fingerprint(value));
        if (writer == null) {
            throw new MalformedRecordException(MalformedRecordException.UNKNOWN_SCHEMA,
                    type.name + ": unknown schema fingerprint " + fingerprintHex(value)
                            + " (expected " + String.format("%016x", type.fingerprint) + ")");
        }
        try {
            checkBounds(type, writer, value);
            return type.decoder.decode(value);
        } catch (MissingSchemaException e) {
            throw new MalformedRecordException(MalformedRecordException.UNKNOWN_SCHEMA,
                    type.name + ": unknown schema fingerprint " + fingerprintHex(value));
        } catch (EOFException e) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    type.name + ": body ends early (truncated, or a length prefix past the end)");
        } catch (BadHeaderException e) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    type.name + ": bad single-object header: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            // EOFException for a truncated body, AvroRuntimeException for negative lengths or bad union
            // indexes, SystemLimitException for lengths over Avro's limits, ...
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    type.name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Walks the body with Avro's schema-driven skip over a decoder that cannot read past the value: every
     * length prefix must fit in the bytes that are there, and the body must end exactly at the value's end.
     */
    private static void checkBounds(Type<?> type, Schema writer, byte[] value) throws IOException, MalformedRecordException {
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, HEADER_LENGTH, value.length - HEADER_LENGTH,
                BOUNDS_DECODER.get());
        BOUNDS_DECODER.set(in);
        GenericDatumReader.skip(writer, in);
        if (!in.isEnd()) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    type.name + ": trailing bytes after the record body");
        }
    }

    static <T> byte[] encode(Type<T> type, T datum) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try {
            type.encoder.encode(datum, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            // A null required field (NullPointerException from Avro's writer) or similar.
            throw new IllegalArgumentException("cannot encode " + type.name + " as Avro: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** The writer-schema fingerprint of a single-object record (bytes 2 to 9, little-endian). */
    static long fingerprint(byte[] value) {
        long fp = 0;
        for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
            fp = (fp << 8) | (value[i] & 0xFF);
        }
        return fp;
    }

    static String fingerprintHex(byte[] value) {
        return String.format("%016x", fingerprint(value));
    }
}
