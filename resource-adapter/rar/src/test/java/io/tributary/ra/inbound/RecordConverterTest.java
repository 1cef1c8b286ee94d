package io.tributary.ra.inbound;

import io.tributary.api.RecordDeserializationException;
import io.tributary.api.TributaryRecord;
import io.tributary.api.TypeRef;
import io.tributary.ra.json.JsonbCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a bean receives for a polled record: the activation's Kafka deserializers applied, a
 * deserializer failure as a typed error naming the record, all headers in order, JSON-B with the
 * activation's configuration and generic types.
 */
class RecordConverterTest {
    private static ConsumerRecord<byte[], byte[]> polled(byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("orders", 3, 17, 1000L, TimestampType.CREATE_TIME, -1, -1, key, value, headers, Optional.empty());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static TributaryActivationSpec spec() {
        TributaryActivationSpec s = new TributaryActivationSpec();
        s.setTopics("orders");
        s.setGroupId("g");
        return s;
    }

    @Test
    void theActivationsDeserializersProduceTheDeserializedKeyAndValue() {
        TributaryActivationSpec spec = spec();
        spec.setKeyDeserializer(StringDeserializer.class.getName());
        spec.setValueDeserializer(LongDeserializer.class.getName());
        RecordConverter converter = RecordConverter.of(spec, new JsonbCodec(), null);

        TributaryRecord r = converter.convert(polled(utf8("order-1"), new LongSerializer().serialize("orders", 4200L),
                new RecordHeaders()), 1);

        assertEquals("order-1", r.deserializedKey(String.class));
        assertEquals(4200L, r.deserializedValue(Long.class));
        assertEquals(8, r.value().length, "the bytes stay available");
    }

    @Test
    void aValueTheDeserializerCannotReadIsARecordDeserializationExceptionNamingTheRecord() {
        TributaryActivationSpec spec = spec();
        spec.setValueDeserializer(LongDeserializer.class.getName());
        RecordConverter converter = RecordConverter.of(spec, new JsonbCodec(), null);

        RecordDeserializationException e = assertThrows(RecordDeserializationException.class,
                () -> converter.convert(polled(null, utf8("abc"), new RecordHeaders()), 1));
        assertEquals("orders", e.topic());
        assertEquals(3, e.partition());
        assertEquals(17, e.offset());
        assertEquals(false, e.isKey());
        assertTrue(e.getMessage().contains(LongDeserializer.class.getName()) && e.getMessage().contains("orders-3@17"),
                e.getMessage());
        assertInstanceOf(org.apache.kafka.common.errors.SerializationException.class, e.getCause());
    }

    @Test
    void anUnknownDeserializerClassIsRejectedNamingTheProperty() {
        TributaryActivationSpec spec = spec();
        spec.setKeyDeserializer("com.example.NoSuchDeserializer");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordConverter.of(spec, new JsonbCodec(), null));
        assertTrue(e.getMessage().startsWith("keyDeserializer: class 'com.example.NoSuchDeserializer' not found"), e.getMessage());
    }

    @Test
    void withoutDeserializersTheDeserializedValueIsTheBytesAndRepeatedHeadersAreAllKept() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", utf8("a"));
        headers.add("trace", utf8("b"));
        TributaryRecord r = RecordConverter.of(spec(), new JsonbCodec(), null).convert(polled(null, utf8("v"), headers), 1);
        assertEquals(List.of("a", "b"), r.headers("trace"));
        assertEquals("v", new String((byte[]) r.deserializedValue(), StandardCharsets.UTF_8));
    }

    /** A JSON-B bean with a property whose JSON name depends on the naming strategy. */
    public static class Line {
        private String productCode;
        private int quantity;

        public String getProductCode() { return productCode; }
        public void setProductCode(String v) { this.productCode = v; }
        public int getQuantity() { return quantity; }
        public void setQuantity(int v) { this.quantity = v; }
    }

    @Test
    void valueAsReadsGenericTypesWithTheActivationsJsonbConfig() {
        TributaryActivationSpec spec = spec();
        spec.setJsonbConfig("jsonb.property-naming-strategy=LOWER_CASE_WITH_UNDERSCORES");
        TributaryRecord r = RecordConverter.of(spec, new JsonbCodec(), null).convert(polled(null,
                utf8("[{\"product_code\":\"p-1\",\"quantity\":2},{\"product_code\":\"p-2\",\"quantity\":5}]"), new RecordHeaders()), 1);

        List<Line> lines = r.valueAs(new TypeRef<List<Line>>() {
        });
        assertEquals(List.of("p-1", "p-2"), lines.stream().map(Line::getProductCode).toList());
        assertEquals(List.of(2, 5), lines.stream().map(Line::getQuantity).toList());

        TributaryRecord plain = RecordConverter.of(spec(), new JsonbCodec(), null).convert(polled(null,
                utf8("[{\"product_code\":\"p-1\",\"quantity\":2}]"), new RecordHeaders()), 1);
        assertEquals(null, plain.<List<Line>>valueAs(new TypeRef<List<Line>>() {
        }).get(0).getProductCode(), "without the configuration the JSON name does not match");
    }

    @Test
    void jsonThatDoesNotFitTheTypeIsARecordDeserializationException() {
        TributaryRecord r = RecordConverter.of(spec(), new JsonbCodec(), null).convert(polled(null, utf8("{not json"),
                new RecordHeaders()), 1);
        RecordDeserializationException e = assertThrows(RecordDeserializationException.class, () -> r.valueAs(Line.class));
        assertEquals(17, e.offset());
    }
}
