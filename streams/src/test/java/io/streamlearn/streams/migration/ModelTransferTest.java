package io.streamlearn.streams.migration;

import io.streamlearn.schemas.ModelExport;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ModelTransferTest {

    @Test
    void shouldRoundTripModelsThroughTheExportFile(@TempDir Path tmp) throws Exception {
        List<ModelExport> models = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] state = new byte[i % 50];
            for (int j = 0; j < state.length; j++) {
                state[j] = (byte) (i * 31 + j);
            }
            models.add(new ModelExport("key-" + i, i % 2 == 0 ? "kalman" : "sgd:lr=0.05", ByteBuffer.wrap(state)));
        }
        Path file = tmp.resolve("models.avro");
        ModelTransfer.write(models, file);

        List<ModelExport> back = ModelTransfer.read(file);
        assertEquals(models.size(), back.size());
        for (int i = 0; i < models.size(); i++) {
            assertEquals(models.get(i).getKey(), back.get(i).getKey());
            assertEquals(models.get(i).getModel(), back.get(i).getModel());
            assertArrayEquals(bytes(models.get(i).getState()), bytes(back.get(i).getState()));
        }
    }

    @Test
    void shouldEmbedTheModelExportSchemaSoAGenericReaderCanReadTheFile(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("models.avro");
        ModelTransfer.write(List.of(new ModelExport("dev-1", "sgd", ByteBuffer.wrap(new byte[]{1, 2, 3}))), file);
        try (DataFileReader<GenericRecord> r = new DataFileReader<>(file.toFile(), new GenericDatumReader<>())) {
            Schema schema = r.getSchema();
            assertEquals("io.streamlearn.schemas.ModelExport", schema.getFullName());
            assertEquals(List.of("key", "model", "state"), schema.getFields().stream().map(Schema.Field::name).toList());
            GenericRecord rec = r.next();
            assertEquals("dev-1", rec.get("key").toString());
            assertEquals("sgd", rec.get("model").toString());
            assertArrayEquals(new byte[]{1, 2, 3}, bytes((ByteBuffer) rec.get("state")));
        }
    }

    @Test
    void shouldPlaceAKeyWhereTheDefaultPartitionerPlacesItsEvents() {
        for (int n : new int[]{1, 3, 12}) {
            for (int i = 0; i < 200; i++) {
                String key = "device-" + i;
                int expected = BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), n);
                assertEquals(expected, ModelTransfer.partitionOf(key, n), key + " over " + n);
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
