package io.tributary.api;

import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a bean reads from a record: repeated headers, the delivery attempt, deserialized values, generic types. */
class TributaryRecordTest {
    private static TributaryRecord record(List<Header> headers, Object deserializedValue) {
        return new TributaryRecord("orders", 2, 41, 1000L, bytes("k"), bytes("v"), headers, null, bytes("k"), deserializedValue);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyValueOfARepeatedHeaderIsKeptInOrderAndTheSingleValueAccessorsGiveTheLast() {
        TributaryRecord r = record(List.of(Header.of("trace", "a"), Header.of("tenant", "t1"), Header.of("trace", "b"),
                Header.of("trace", "c")), null);

        assertEquals(List.of("a", "b", "c"), r.headers("trace"));
        assertEquals(List.of("t1"), r.headers("tenant"));
        assertEquals(List.of(), r.headers("absent"));
        assertEquals("c", r.header("trace"), "the last value, as Kafka's lastHeader");
        assertArrayEquals(bytes("c"), r.headers().get("trace"));
        assertEquals(List.of("trace", "tenant", "trace", "trace"), r.headerList().stream().map(Header::name).toList());
    }

    @Test
    void theDeliveryAttemptIsOneWithoutTheHeaderAndTheHeadersNumberOnARedelivery() {
        assertEquals(1, record(List.of(), null).deliveryAttempt());
        assertEquals(3, record(List.of(Header.of(TributaryRecord.DELIVERY_ATTEMPT_HEADER, "3")), null).deliveryAttempt());
        assertEquals(1, record(List.of(Header.of(TributaryRecord.DELIVERY_ATTEMPT_HEADER, "x")), null).deliveryAttempt(),
                "a header that is not a number counts as a first delivery");
    }

    @Test
    void theMapConstructorStillWorksAndItsDeserializedValueIsTheBytes() {
        TributaryRecord r = new TributaryRecord("orders", 0, 0, 0, null, bytes("v"), Map.of("h", bytes("1")), null);
        assertEquals(List.of("1"), r.headers("h"));
        assertArrayEquals(bytes("v"), (byte[]) r.deserializedValue());
        assertEquals(null, r.deserializedKey());
    }

    @Test
    void aDeserializedValueOfAnotherTypeThanAskedIsATypedErrorNamingBoth() {
        TributaryRecord r = record(List.of(), 42L);
        assertEquals(42L, r.deserializedValue(Long.class));
        TributaryException e = assertThrows(TributaryException.class, () -> r.deserializedValue(String.class));
        assertTrue(e.getMessage().contains("java.lang.Long") && e.getMessage().contains("java.lang.String"), e.getMessage());
    }

    @Test
    void aTypeRefCarriesItsGenericTypeArgument() {
        TypeRef<List<Map<String, Long>>> ref = new TypeRef<>() {
        };
        ParameterizedType t = (ParameterizedType) ref.type();
        assertEquals(List.class, t.getRawType());
        assertEquals("java.util.Map<java.lang.String, java.lang.Long>", t.getActualTypeArguments()[0].getTypeName());
    }

    @Test
    void valueAsWithoutAReaderIsADeserializationErrorNamingTheRecord() {
        RecordDeserializationException e = assertThrows(RecordDeserializationException.class,
                () -> record(List.of(), null).valueAs(new TypeRef<List<String>>() {
                }));
        assertEquals("orders", e.topic());
        assertEquals(2, e.partition());
        assertEquals(41, e.offset());
    }
}
