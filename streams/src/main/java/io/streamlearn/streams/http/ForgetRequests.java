package io.streamlearn.streams.http;

import java.util.concurrent.CompletableFuture;

/**
 * Sends requests to forget an entity key ({@code DELETE /models/{key}}). The live implementation,
 * {@link KafkaForgetRequests}, produces a {@code forget:<key>} record to the {@code model-control} topic;
 * the task that owns the key carries it out and acknowledges it (see
 * {@link io.streamlearn.streams.control.ModelControl}). Implementations must be thread-safe.
 *
 * <pre>{@code
 * ForgetRequests.Receipt r = forget.forget("user-42").get(10, TimeUnit.SECONDS);
 * // the acknowledgement will appear on r.acksTopic(), record key "user-42"
 * }</pre>
 */
public interface ForgetRequests {

    /**
     * A forget request that Kafka has accepted (it will be carried out; not yet done).
     *
     * @param key       the entity key to forget
     * @param topic     the control topic the request went to
     * @param partition its partition there
     * @param offset    its offset there
     * @param acksTopic where the acknowledgement will appear, as a record keyed by {@code key}
     */
    record Receipt(String key, String topic, int partition, long offset, String acksTopic) {
    }

    /**
     * Requests that {@code key} be forgotten.
     *
     * @param key a valid entity key (non-empty, no U+0000), not null
     * @return completes once Kafka has acknowledged the request record, or exceptionally when it could
     *         not be written (asking again is harmless: forgetting a forgotten key removes nothing)
     * @throws UnsupportedOperationException if this instance cannot send forget requests (no control topic)
     */
    CompletableFuture<Receipt> forget(String key);
}
