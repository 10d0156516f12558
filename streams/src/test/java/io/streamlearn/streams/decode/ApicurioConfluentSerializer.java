package io.streamlearn.streams.decode;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.resolver.ParsedSchema;
import io.apicurio.registry.resolver.SchemaLookupResult;
import io.apicurio.registry.resolver.SchemaParser;
import io.apicurio.registry.resolver.SchemaResolver;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.resolver.strategy.ArtifactReferenceResolverStrategy;
import io.apicurio.registry.rest.client.RegistryClient;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.data.KafkaSerdeMetadata;
import org.apache.avro.Schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * Apicurio's Avro serializer set to write the Confluent wire format ({@code apicurio.registry.as-confluent}:
 * magic byte, 4-byte id, Avro body; no headers), so that test records are framed and encoded by code we did
 * not write. Apicurio's serializer talks to Apicurio's own API to find ids; here its {@link SchemaResolver}
 * is replaced by one that registers the schema under {@code <topic>-value} (or {@code -key}) with the
 * Confluent-compatible {@code POST /subjects/{subject}/versions} of the registry at {@code url}, with a plain
 * JDK HTTP call (not our client).
 */
public final class ApicurioConfluentSerializer {

    private ApicurioConfluentSerializer() {
    }

    /**
     * @param url   the registry's base URL
     * @param isKey whether it serializes record keys (subject {@code <topic>-key})
     */
    /** Apicurio's deserializer of the same framing, resolving ids with {@code GET /schemas/ids/{id}}. */
    public static io.apicurio.registry.serde.avro.AvroKafkaDeserializer<Object> deserializer(String url) {
        var d = new io.apicurio.registry.serde.avro.AvroKafkaDeserializer<Object>();
        d.configure(Map.of(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true", SerdeConfig.ENABLE_HEADERS, "false",
                SerdeConfig.REGISTRY_URL, url, SerdeConfig.SCHEMA_RESOLVER, CcompatResolver.class.getName()), false);
        return d;
    }

    public static AvroKafkaSerializer<Object> create(String url, boolean isKey) {
        AvroKafkaSerializer<Object> s = new AvroKafkaSerializer<>(new CcompatResolver(url));
        s.configure(Map.of(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true", SerdeConfig.ENABLE_HEADERS, "false",
                SerdeConfig.REGISTRY_URL, url), isKey);
        return s;
    }

    /** Resolves a record's schema to its id in a Confluent-compatible registry. */
    public static final class CcompatResolver implements SchemaResolver<Schema, Object> {

        private static final ObjectMapper JSON = new ObjectMapper();
        private String url;
        private final HttpClient http = HttpClient.newHttpClient();
        private SchemaParser<Schema, Object> parser;

        /** For Apicurio's configuration ({@code apicurio.registry.schema-resolver}): the URL comes in {@link #configure}. */
        public CcompatResolver() {
        }

        CcompatResolver(String url) {
            this.url = url;
        }

        @Override
        public void configure(Map<String, ?> configs, SchemaParser<Schema, Object> schemaParser) {
            this.parser = schemaParser;
            if (url == null) {
                url = String.valueOf(configs.get(SerdeConfig.REGISTRY_URL));
            }
        }

        @Override
        public void setClient(RegistryClient client) {
        }

        @Override
        public void setArtifactResolverStrategy(ArtifactReferenceResolverStrategy<Schema, Object> strategy) {
        }

        @Override
        public SchemaParser<Schema, Object> getSchemaParser() {
            return parser;
        }

        @Override
        public SchemaLookupResult<Schema> resolveSchema(Record<Object> data) {
            ParsedSchema<Schema> schema = parser.getSchemaFromData(data);
            KafkaSerdeMetadata meta = (KafkaSerdeMetadata) data.metadata();
            String subject = meta.getTopic() + (meta.isKey() ? "-key" : "-value");
            try {
                String body = JSON.createObjectNode().put("schema", schema.getParsedSchema().toString()).toString();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("registry answered " + r.statusCode() + ": " + r.body());
                }
                long id = JSON.readTree(r.body()).get("id").longValue();
                return SchemaLookupResult.<Schema>builder().parsedSchema(schema).contentId(id).globalId(id).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public SchemaLookupResult<Schema> resolveSchemaByArtifactReference(ArtifactReference reference) {
            long id = reference.getContentId() != null ? reference.getContentId() : reference.getGlobalId();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("registry answered " + r.statusCode() + ": " + r.body());
                }
                byte[] text = JSON.readTree(r.body()).get("schema").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ParsedSchema<Schema> schema = new io.apicurio.registry.resolver.ParsedSchemaImpl<Schema>()
                        .setParsedSchema(parser.parseSchema(text, Map.of())).setRawSchema(text);
                return SchemaLookupResult.<Schema>builder().parsedSchema(schema).contentId(id).globalId(id).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void reset() {
        }

        @Override
        public void close() {
        }
    }
}
