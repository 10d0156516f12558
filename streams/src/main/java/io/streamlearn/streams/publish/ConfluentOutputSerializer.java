package io.streamlearn.streams.publish;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryUnavailableException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.serialization.Serializer;

import java.util.List;

/**
 * The value serializer of the {@code predictions}, {@code predictions-shadow} and {@code dead-letters} sinks
 * with {@code streamlearn.output.format=confluent-avro}. The processors write Avro single-object bytes as they
 * do for {@code avro}; this serializer swaps the 10-byte single-object header (marker and schema fingerprint)
 * for the Confluent one (magic byte 0 and the schema id) and keeps the Avro body as it is, which is the same in
 * both formats. The schema is registered under the topic's value subject ({@code <topic>-value}, Kafka's
 * TopicNameStrategy) the first time a topic is written (then cached), so that ksqlDB, Kafka Connect's
 * {@code AvroConverter} and Flink's {@code avro-confluent} format read the topic.
 *
 * <p>A registry that cannot be reached for a first registration throws {@link RegistryUnavailableException}:
 * the production handler fails the task for it and the output is written again. {@link #registerAll} registers
 * up front, at start-up, so that this does not happen at run time. Thread-safe.
 */
public final class ConfluentOutputSerializer implements Serializer<byte[]> {

    private static final int SINGLE_OBJECT_HEADER = 10;
    private static final List<Schema> SCHEMAS = List.of(Prediction.getClassSchema(), DeadLetter.getClassSchema());
    private static final long[] FINGERPRINTS = SCHEMAS.stream().mapToLong(SchemaNormalization::parsingFingerprint64).toArray();

    private final ConfluentCodec codec;

    /**
     * @param codec the codec over the registry; not null
     */
    public ConfluentOutputSerializer(ConfluentCodec codec) {
        this.codec = codec;
    }

    /**
     * Registers the prediction schema under each prediction topic's value subject and the dead-letter schema
     * under the dead-letter topic's.
     *
     * @param predictionTopics the champion and shadow prediction topics
     * @param deadLetterTopic  the dead-letter topic
     * @throws RegistryUnavailableException when the registry cannot be reached within the retry budget
     */
    public void registerAll(List<String> predictionTopics, String deadLetterTopic) {
        for (String t : predictionTopics) {
            codec.registry().register(t + "-value", Prediction.getClassSchema());
        }
        codec.registry().register(deadLetterTopic + "-value", DeadLetter.getClassSchema());
    }

    @Override
    public byte[] serialize(String topic, byte[] singleObject) {
        if (singleObject == null || singleObject.length < SINGLE_OBJECT_HEADER
                || singleObject[0] != (byte) 0xC3 || singleObject[1] != 0x01) {
            return singleObject; // not ours to reframe (a tombstone, JSON)
        }
        long fp = 0;
        for (int i = SINGLE_OBJECT_HEADER - 1; i >= 2; i--) {
            fp = (fp << 8) | (singleObject[i] & 0xFF);
        }
        for (int s = 0; s < FINGERPRINTS.length; s++) {
            if (FINGERPRINTS[s] == fp) {
                int id = codec.registry().register(topic + "-value", SCHEMAS.get(s));
                byte[] out = new byte[singleObject.length - SINGLE_OBJECT_HEADER + ConfluentCodec.HEADER_LENGTH];
                out[0] = ConfluentCodec.MAGIC_BYTE;
                out[1] = (byte) (id >>> 24);
                out[2] = (byte) (id >>> 16);
                out[3] = (byte) (id >>> 8);
                out[4] = (byte) id;
                System.arraycopy(singleObject, SINGLE_OBJECT_HEADER, out, ConfluentCodec.HEADER_LENGTH,
                        singleObject.length - SINGLE_OBJECT_HEADER);
                return out;
            }
        }
        return singleObject;
    }
}
