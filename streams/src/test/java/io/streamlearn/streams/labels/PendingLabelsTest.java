package io.streamlearn.streams.labels;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The bytes of a pending-store entry: with the published predictions, and as written before they were kept. */
class PendingLabelsTest {

    @Test
    void shouldKeepThePublishedPredictionsOfAPendingEvent() {
        Map<String, Double> x = new LinkedHashMap<>();
        x.put("a", 1.5);
        x.put("b", -2.0);
        byte[] b = PendingLabels.encode(PendingLabels.Status.PENDING, 1_700_000_000_000L, x,
                new String[] {"kalman", "sgd", "unused"}, new double[] {0.25, -3.5, 9.0}, 2);
        PendingLabels.Entry e = PendingLabels.decode(b);
        assertEquals(PendingLabels.Status.PENDING, e.status());
        assertEquals(1_700_000_000_000L, e.time());
        assertEquals(x, e.features());
        assertArrayEquals(new String[] {"kalman", "sgd"}, e.models());
        assertArrayEquals(new double[] {0.25, -3.5}, e.means());
    }

    @Test
    void shouldReadAPendingEntryWrittenBeforePredictionsWereKept() throws Exception {
        // the layout of the first release, written by hand: status 0, time, feature count, (name, value)...
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(0);
            out.writeLong(42L);
            out.writeInt(1);
            out.writeUTF("a");
            out.writeDouble(7.0);
        }
        PendingLabels.Entry e = PendingLabels.decode(bytes.toByteArray());
        assertEquals(PendingLabels.Status.PENDING, e.status());
        assertEquals(42L, e.time());
        assertEquals(Map.of("a", 7.0), e.features());
        assertNull(e.models(), "no published predictions: the label's error is predicted again");
        assertArrayEquals(bytes.toByteArray(), PendingLabels.encode(PendingLabels.Status.PENDING, 42L, Map.of("a", 7.0)));
    }

    @Test
    void shouldWriteNoPredictionsForALabelledMarker() {
        byte[] b = PendingLabels.encode(PendingLabels.Status.LABELLED, 5L, null, new String[] {"m"}, new double[] {1}, 1);
        PendingLabels.Entry e = PendingLabels.decode(b);
        assertEquals(PendingLabels.Status.LABELLED, e.status());
        assertNull(e.features());
        assertNull(e.models());
        assertEquals(9, b.length, "status byte and time only");
    }
}
