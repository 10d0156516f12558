package io.streamlearn.streams.integration;

import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process KRaft broker per test class: started before the class's first test, closed after its last.
 * Tests keep to their own topics and application ids ({@link IsolatedConfig}) to share it.
 *
 * <pre>{@code
 * class SomeIT {
 *     @RegisterExtension
 *     static final BrokerExtension kafka = new BrokerExtension();
 *
 *     @Test
 *     void shouldScore() throws Exception {
 *         AppConfig config = IsolatedConfig.of(kafka.broker(), "it-some-" + suffix, suffix, stateDir);
 *         kafka.broker().createTopics(2, config.topics());
 *         ...
 *     }
 * }
 * }</pre>
 * Register it on a {@code static} field: on an instance field JUnit would not call {@code beforeAll}.
 */
final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = EmbeddedKafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** The running broker; only between the class's {@code beforeAll} and {@code afterAll}. */
    EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("no broker: register the extension on a static field");
        }
        return broker;
    }
}
