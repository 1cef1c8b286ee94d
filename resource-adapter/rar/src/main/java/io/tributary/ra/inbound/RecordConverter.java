package io.tributary.ra.inbound;

import io.tributary.api.Header;
import io.tributary.api.RecordDeserializationException;
import io.tributary.api.TributaryRecord;
import io.tributary.api.ValueReader;
import io.tributary.ra.config.ConfigProperties;
import io.tributary.ra.config.PluginClasses;
import io.tributary.ra.json.JsonbCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a polled Kafka record into the {@link TributaryRecord} a bean receives: every header in
 * order, the activation's {@code keyDeserializer}/{@code valueDeserializer} applied (as the Kafka
 * consumer applies its deserializers, before delivery), and a JSON-B reader configured by the
 * activation's {@code jsonbConfig} for {@code valueAs}. A deserializer that fails raises a
 * {@link RecordDeserializationException} naming the record: the record is at fault.
 *
 * <p>Deserializers are found through the bean's class loader, then the adapter's, and configured
 * with the activation's {@code consumerProperties}. One converter per consumer, used by its thread
 * only (a Kafka consumer's deserializers are not shared between threads either).
 */
final class RecordConverter implements AutoCloseable {
    private final ValueReader reader;
    private final Deserializer<?> keyDeserializer;
    private final Deserializer<?> valueDeserializer;

    private RecordConverter(ValueReader reader, Deserializer<?> keyDeserializer, Deserializer<?> valueDeserializer) {
        this.reader = reader;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
    }

    /**
     * The converter of an activation: {@code defaultReader} unless the activation sets
     * {@code jsonbConfig}; classes looked up in {@code beanLoader} (may be null) then the adapter's.
     */
    static RecordConverter of(TributaryActivationSpec spec, ValueReader defaultReader, ClassLoader beanLoader) {
        Map<String, String> jsonb = spec.jsonbConfigMap();
        ValueReader reader = jsonb.isEmpty() ? defaultReader : new JsonbCodec(jsonb);
        Map<String, Object> config = new HashMap<>(spec.consumerPropertyMap());
        return new RecordConverter(reader,
                deserializer("keyDeserializer", spec.getKeyDeserializer(), config, true, beanLoader),
                deserializer("valueDeserializer", spec.getValueDeserializer(), config, false, beanLoader));
    }

    private static Deserializer<?> deserializer(String property, String className, Map<String, Object> config, boolean isKey,
                                                ClassLoader beanLoader) {
        if (!ConfigProperties.isSet(className)) return null;
        Deserializer<?> d = PluginClasses.newInstance(property, className, Deserializer.class, beanLoader,
                Thread.currentThread().getContextClassLoader(), RecordConverter.class.getClassLoader());
        d.configure(config, isKey);
        return d;
    }

    /**
     * The record as a bean receives it, as its delivery number {@code attempt} (from 1), which
     * replaces any {@code tributary.delivery.attempt} header the record was sent with.
     *
     * @throws RecordDeserializationException when a deserializer cannot read the key or value
     */
    TributaryRecord convert(ConsumerRecord<byte[], byte[]> r, int attempt) {
        List<Header> headers = new ArrayList<>();
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            if (!h.key().equals(TributaryRecord.DELIVERY_ATTEMPT_HEADER)) headers.add(new Header(h.key(), h.value()));
        }
        headers.add(new Header(TributaryRecord.DELIVERY_ATTEMPT_HEADER,
                Integer.toString(attempt).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Object key = keyDeserializer == null ? r.key() : deserialize(keyDeserializer, r, r.key(), true);
        Object value = valueDeserializer == null ? r.value() : deserialize(valueDeserializer, r, r.value(), false);
        return new TributaryRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), headers, reader,
                key, value);
    }

    private static Object deserialize(Deserializer<?> d, ConsumerRecord<byte[], byte[]> r, byte[] data, boolean isKey) {
        try {
            return d.deserialize(r.topic(), r.headers(), data);
        } catch (RuntimeException e) {
            throw new RecordDeserializationException(r.topic(), r.partition(), r.offset(), isKey, (isKey ? "keyDeserializer "
                    : "valueDeserializer ") + d.getClass().getName() + " cannot read the " + (isKey ? "key" : "value") + " of "
                    + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (keyDeserializer != null) keyDeserializer.close();
        if (valueDeserializer != null) valueDeserializer.close();
    }
}
