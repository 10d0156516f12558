import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Produces card payments to a topic in the Confluent wire format (payment.avsc, Avro string keys), or reads a
 * topic in that format back as JSON. A single-file program over the streamlearn jar:
 *
 * <pre>
 * java -cp streams/target/streamlearn.jar examples/payments/Payments.java produce 127.0.0.1:9092 http://127.0.0.1:8081 payments 2000
 * java -cp streams/target/streamlearn.jar examples/payments/Payments.java read 127.0.0.1:9092 http://127.0.0.1:8081 payments-predictions 2000
 * </pre>
 *
 * Fraud is likelier abroad (country not FR) and with the card not present; 4 accounts; one payment a minute.
 */
public class Payments {

    public static void main(String[] args) throws Exception {
        String bootstrap = args[1];
        SchemaRegistryClient registry = new SchemaRegistryClient(RegistryConfig.of(args[2]));
        String topic = args[3];
        int n = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
        if (args[0].equals("produce")) {
            produce(bootstrap, registry, topic, n);
        } else {
            read(bootstrap, new ConfluentCodec(registry), topic, n);
        }
    }

    static void produce(String bootstrap, SchemaRegistryClient registry, String topic, int n) throws Exception {
        Schema payment = new Schema.Parser().parse(Files.readString(Path.of("examples/payments/payment.avsc")));
        Schema string = Schema.create(Schema.Type.STRING);
        int valueId = registry.register(topic + "-value", payment);
        int keyId = registry.register(topic + "-key", string);
        String[] countries = {"FR", "FR", "FR", "DE", "ES", "US"};
        Random random = new Random(7);
        long t0 = 1_709_251_200_000L; // 2024-03-01T00:00:00Z
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String account = "acct-" + random.nextInt(4);
                String country = countries[random.nextInt(countries.length)];
                boolean present = random.nextDouble() < 0.7;
                double risk = 0.02 + (country.equals("FR") ? 0 : 0.25) + (present ? 0 : 0.35);
                GenericRecord r = new GenericData.Record(payment);
                r.put("payment_id", String.format("pay-%05d", i));
                r.put("occurred_at", t0 + 60_000L * i);
                r.put("amount", i % 50 == 7 ? null : Math.round(random.nextDouble() * 20_000) / 100.0);
                r.put("country", country);
                r.put("card_present", present);
                r.put("fraud", random.nextDouble() < risk);
                producer.send(new ProducerRecord<>(topic, ConfluentCodec.frame(keyId, string, account),
                        ConfluentCodec.frame(valueId, payment, r)));
            }
        }
        System.out.println("produced " + n + " payments to " + topic + " (value schema id " + valueId + ", key schema id " + keyId + ")");
    }

    static void read(String bootstrap, ConfluentCodec codec, String topic, int n) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "payments-reader-" + System.nanoTime(), "auto.offset.reset", "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            int seen = 0;
            long idle = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (seen < n && System.nanoTime() < idle) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    System.out.println("schema id " + ConfluentCodec.schemaId(r.value()) + ": " + codec.decode(r.value()));
                    seen++;
                    idle = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                }
            }
        }
    }
}
